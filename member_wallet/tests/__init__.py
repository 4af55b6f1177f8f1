from . import test_wallet_concurrency
from . import test_wallet_idempotency
from . import test_wallet_ledger
from . import test_wallet_access
from . import test_wallet_bad_input
from . import test_topup_rules
