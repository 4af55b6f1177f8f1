"""Helpers of the online top-up tests through WeChat Pay
(``payment_wechatpay``, when it is installed) against its fake API on a
local socket: the glue names no provider, the same credit path serves both.
The tests themselves are in :class:`TestOnlineTopup` (Odoo's test loader
only runs a test class's own methods)."""

try:
    from odoo.addons.payment_wechatpay.tests.common import WechatpayGatewayMixin
except ImportError:  # payment_wechatpay is not on the addons path

    class WechatpayGatewayMixin:
        pass


WECHATPAY = "odoo.addons.payment_wechatpay.models.payment_transaction"


class OnlineTopupWechatpayTests(WechatpayGatewayMixin):
    """Tests of :class:`TestOnlineTopup` (which shares its fixture: the chain
    is the expensive part) through WeChat Pay; they skip themselves when
    payment_wechatpay is not installed."""

    @classmethod
    def setup_wechatpay_if_installed(cls):
        cls.wx_provider = None
        if "wechatpay_mch_id" in cls.env["payment.provider"]._fields:
            cls.wx_provider = cls.setup_wechatpay(cls.env, company=cls.store_a)

    def require_wechatpay(self):
        if not self.wx_provider:
            self.skipTest("payment_wechatpay is not installed")

    def wx_topup_tx(self, amount):
        self.require_wechatpay()
        tx = self.wechatpay_tx(
            self.env,
            self.wx_provider,
            amount=amount,
            partner=self.card.partner_id,
            currency=self.store_a.currency_id,
            member_card_id=self.card.id,
            member_topup_company_id=self.store_a.id,
        )
        tx._get_processing_values()
        self.assertEqual(tx.state, "pending")
        return tx

    def wx_notify(self, headers_body):
        return self.env["payment.transaction"]._wechatpay_handle_notification(*headers_body)

    def wx_key_moves(self, tx):
        return (
            self.env["member.wallet.move"]
            .sudo()
            .search([("idempotency_key", "=", f"online-topup:{tx.reference}")])
        )
