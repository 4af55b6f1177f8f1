from . import sms_reply
from . import portal
