from . import member_wallet_operation
