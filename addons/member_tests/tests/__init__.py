from . import test_chain_journey
from . import test_json_rpc
