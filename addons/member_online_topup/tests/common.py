"""The online top-up driven end to end through a real provider: Alipay
(``payment_alipay``) against its fake gateway on a local socket. The glue
names no provider; its tests need one, and Alipay is the suite's."""

from unittest import SkipTest

from odoo.addons.payment_alipay.tests.common import AlipayGatewayMixin


class OnlineTopupMixin(AlipayGatewayMixin):
    @classmethod
    def require_alipay(cls, env):
        if "alipay_app_id" not in env["payment.provider"]._fields:
            raise SkipTest("payment_alipay is not installed")

    @classmethod
    def topup_tx(cls, env, provider, card, amount, store):
        """A top-up transaction of ``card`` precreated at the fake gateway."""
        tx = cls.alipay_tx(
            env,
            provider,
            amount=amount,
            partner=card.partner_id,
            currency=store.currency_id,
            member_card_id=card.id,
            member_topup_company_id=store.id,
        )
        tx._get_processing_values()
        return tx
