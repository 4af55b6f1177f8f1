from . import test_balance_payment
from . import test_concurrency
from . import test_frontend
from . import test_lookup
from . import test_member_prices
from . import test_packages
from . import test_security
from . import test_topup
