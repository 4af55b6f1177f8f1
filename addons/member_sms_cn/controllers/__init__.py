from . import sms_reply
