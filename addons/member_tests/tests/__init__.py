from . import test_campaign_coupon_tour
from . import test_chain_journey
from . import test_click_everywhere
from . import test_json_rpc
from . import test_pos_spend
from . import test_views_by_role
