"""Constants of the Alipay Open API (https://opendocs.alipay.com/open/)."""

SANDBOX_GATEWAY = "https://openapi-sandbox.dl.alipaydev.com/gateway.do"
PRODUCTION_GATEWAY = "https://openapi.alipay.com/gateway.do"

# Domestic Alipay settles in yuan; a cross-border notification names its currency
# (``trans_currency``/``currency``), which must then be the transaction's.
# Cross-border merchants (境外收单) price in a foreign currency: ``trans_currency``.
SUPPORTED_CURRENCIES = (
    "CNY", "USD", "HKD", "EUR", "GBP", "JPY", "SGD", "AUD", "CAD", "CHF", "NZD", "KRW", "THB",
    "MYR",
)  # fmt: skip
DEFAULT_CURRENCY = "CNY"

DEFAULT_PAYMENT_METHOD_CODES = {"alipay"}

# trade_status of notifications and of alipay.trade.query
STATUS_MAPPING = {
    "pending": ("WAIT_BUYER_PAY",),
    "done": ("TRADE_SUCCESS", "TRADE_FINISHED"),
    "cancel": ("TRADE_CLOSED",),
}

SUCCESS_CODE = "10000"
TRADE_NOT_EXIST = "ACQ.TRADE_NOT_EXIST"
