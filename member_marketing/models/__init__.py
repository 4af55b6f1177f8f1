from . import member_level
from . import member_level_rule
from . import member_level_history
from . import member_level_review
from . import res_partner
from . import member_wallet
