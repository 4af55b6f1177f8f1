from odoo.addons.payment_wechatpay.tests.fake_wechatpay import FakeWechatpay, new_key_pair


class WechatpayGatewayMixin:
    """The WeChat Pay provider of a company, pointed at a fake WeChat Pay
    started for the class, with a merchant key pair made for the test."""

    def setUp(self):
        super().setUp()
        fake = getattr(type(self), "wxfake", None)
        if fake:
            # a test's transactions are rolled back, so the next one may get the
            # same references: WeChat Pay starts each test knowing nothing
            fake.reset()

    @classmethod
    def setup_wechatpay(cls, env, company=None):
        cls.wxfake = FakeWechatpay().start()
        cls.addClassCleanup(cls.wxfake.stop)
        cls.wx_merchant_private_key, merchant_public_key = new_key_pair()
        cls.wxfake.merchant_public_key = merchant_public_key
        cls.cny = env.ref("base.CNY")
        cls.cny.active = True
        company = company or env.company
        provider = env["payment.provider"].search(
            [("code", "=", "wechatpay"), ("company_id", "=", company.id)], limit=1
        ) or env.ref("payment_wechatpay.payment_provider_wechatpay").copy(
            {"company_id": company.id}
        )
        provider.write(
            {
                "state": "test",
                "is_published": True,
                "wechatpay_mch_id": cls.wxfake.mch_id,
                "wechatpay_app_id": cls.wxfake.app_id,
                "wechatpay_private_key": cls.wx_merchant_private_key,
                "wechatpay_serial_no": cls.wxfake.merchant_serial,
                "wechatpay_apiv3_key": cls.wxfake.apiv3_key,
                "wechatpay_platform_key": cls.wxfake.platform_public_key,
                "wechatpay_platform_serial": cls.wxfake.platform_serial,
                "wechatpay_api_url": cls.wxfake.url,
                "wechatpay_flow": "native",
            }
        )
        provider.available_currency_ids = provider._get_supported_currencies()
        env.ref("payment.payment_method_wechat_pay").active = True
        return provider

    @classmethod
    def wechatpay_tx(cls, env, provider, amount=100.0, partner=None, currency=None, **vals):
        return env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": env.ref("payment.payment_method_wechat_pay").id,
                "amount": amount,
                "currency_id": (currency or cls.cny).id,
                "partner_id": (partner or env.user.partner_id).id,
                "operation": "online_redirect",
                **vals,
            }
        )
