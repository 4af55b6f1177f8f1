from . import member_wallet
from . import member_wallet_move
from . import member_wallet_line
from . import member_topup_rule
from . import member_wallet_reconciliation
from . import member_card
from . import res_config_settings
from . import res_partner
