from odoo.addons.payment_alipay.tests.fake_alipay import FakeAlipay, bare, new_key_pair


class AlipayGatewayMixin:
    """The Alipay provider of the test company, pointed at a fake gateway
    started for the class, with a merchant key pair made for the test."""

    @classmethod
    def setup_alipay(cls, env, company=None):
        cls.fake = FakeAlipay().start()
        cls.addClassCleanup(cls.fake.stop)
        cls.merchant_private_key, merchant_public_key = new_key_pair()
        cls.fake.merchant_public_key = merchant_public_key
        cls.cny = env.ref("base.CNY")
        cls.cny.active = True
        company = company or env.company
        provider = env["payment.provider"].search(
            [("code", "=", "alipay"), ("company_id", "=", company.id)], limit=1
        ) or env.ref("payment_alipay.payment_provider_alipay").copy({"company_id": company.id})
        provider.write(
            {
                "state": "test",
                "is_published": True,
                "alipay_app_id": cls.fake.app_id,
                # as the console gives them: bare base64 for ours, PEM for Alipay's
                "alipay_private_key": bare(cls.merchant_private_key),
                "alipay_public_key": cls.fake.alipay_public_key,
                "alipay_gateway_url": cls.fake.url,
                "alipay_flow": "precreate",
            }
        )
        provider.available_currency_ids = provider._get_supported_currencies()
        env.ref("payment.payment_method_alipay").active = True
        return provider

    @classmethod
    def alipay_tx(cls, env, provider, amount=100.0, partner=None, currency=None, **vals):
        return env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": env.ref("payment.payment_method_alipay").id,
                "amount": amount,
                "currency_id": (currency or cls.cny).id,
                "partner_id": (partner or env.user.partner_id).id,
                "operation": "online_redirect",
                **vals,
            }
        )
