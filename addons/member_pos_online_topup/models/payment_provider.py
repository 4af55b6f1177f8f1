from odoo import models

# the providers that give a QR code for the customer's phone to scan, with
# the flow that does, the transaction's field holding the code and its query
QR_PROVIDERS = {
    "wechatpay": ("wechatpay_flow", "native", "wechatpay_code_url", "_wechatpay_query"),
    "alipay": ("alipay_flow", "precreate", "alipay_qr_code", "_alipay_query"),
}


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    def _member_pos_qr_capable(self):
        """Whether this provider shows a QR code that a phone scans (WeChat
        Pay Native, Alipay precreate)."""
        self.ensure_one()
        spec = QR_PROVIDERS.get(self.code)
        return bool(spec and spec[0] in self._fields and self[spec[0]] == spec[1])
