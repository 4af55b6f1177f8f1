from . import test_chain_journey
from . import test_json_rpc
from . import test_views_by_role
from . import test_access_matrix
from . import test_wallet_fuzz
from . import test_portal_fuzz
