from . import test_level_rules
from . import test_level_review
from . import test_level_upgrade
from . import test_level_change
from . import test_level_rpc
from . import test_tags
from . import test_reminders
from . import test_sms
