from . import member_sms_gateway
from . import member_sms_gateway_template
