from . import member_online_topup_statement, payment_transaction
