from . import member_wallet_operation
from . import member_package_sell
from . import member_package_operation
from . import member_opening_import
from . import member_opening_import_line
from . import member_points_redeem
