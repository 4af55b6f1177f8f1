"""Constants of WeChat Pay API v3 (https://pay.weixin.qq.com/doc/v3/merchant/)."""

PRODUCTION_API = "https://api.mch.weixin.qq.com"

# WeChat Pay's domestic merchants (境内商户) are paid in yuan only
SUPPORTED_CURRENCIES = ("CNY",)
DEFAULT_CURRENCY = "CNY"

DEFAULT_PAYMENT_METHOD_CODES = {"wechat_pay"}

AUTH_SCHEMA = "WECHATPAY2-SHA256-RSA2048"

# a signed answer or notification older (or newer) than this is refused: a
# replayed message of yesterday is not news
MAX_CLOCK_SKEW = 300  # seconds

# trade_state of notifications and of the order query
STATUS_MAPPING = {
    "pending": ("NOTPAY", "USERPAYING"),
    "done": ("SUCCESS", "REFUND"),
    "cancel": ("CLOSED", "REVOKED"),
    "error": ("PAYERROR",),
}

# status of a refund (answer of the refund request, refund query, refund notification)
REFUND_STATUS_MAPPING = {
    "pending": ("PROCESSING",),
    "done": ("SUCCESS",),
    "error": ("CLOSED", "ABNORMAL"),
}
