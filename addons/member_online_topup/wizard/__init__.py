from . import member_online_topup_refund
