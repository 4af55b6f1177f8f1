from . import test_balance_payment
from . import test_concurrency
