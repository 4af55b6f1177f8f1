from . import member_wallet_liability_report
