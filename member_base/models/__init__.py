from . import res_company
from . import member_level
from . import member_card_type
from . import member_operation_log
from . import member_card
from . import res_partner
from . import res_config_settings
