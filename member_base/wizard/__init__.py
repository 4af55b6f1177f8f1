from . import member_card_issue
from . import member_card_operation
from . import member_merge
