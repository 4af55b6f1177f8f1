from collections import Counter

from odoo import api
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.member_online_topup.tests.common import OnlineTopupMixin
from odoo.addons.member_online_topup.tests.test_online_topup_wechatpay import (
    WechatpayGatewayMixin,
)
from odoo.addons.member_wallet.tests.common import CommittedWalletCase, ledger_problems, money


@tagged("post_install", "-at_install")
class TestOnlineTopupConcurrency(OnlineTopupMixin, WechatpayGatewayMixin, CommittedWalletCase):
    """The same notification at the same moment from two threads, each with
    its own cursor and transaction, on committed fixtures: credited once —
    through Alipay, and through WeChat Pay when payment_wechatpay is
    installed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tx_ids = []
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})
            cls.require_alipay(env)
            store = env["res.company"].browse(cls.store_a_id)
            provider = cls.setup_alipay(env, company=store)
            cls.provider_id = provider.id
            cls.public_id = env.ref("base.public_user").id
            cls.wx_provider_id = None
            if "wechatpay_mch_id" in env["payment.provider"]._fields:
                cls.wx_provider_id = cls.setup_wechatpay(env, company=store).id
        cls.addClassCleanup(cls._cleanup_topup)

    @classmethod
    def _cleanup_topup(cls):
        with cls.registry.cursor() as cr:
            if cls.tx_ids:
                cr.execute("DELETE FROM payment_transaction WHERE id IN %s", [tuple(cls.tx_ids)])
            cr.execute(
                "DELETE FROM payment_provider WHERE id IN %s",
                [tuple(p for p in (cls.provider_id, cls.wx_provider_id) if p)],
            )

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_same_notification_at_the_same_moment(self):
        funded = self.make_funded_card(amount=0)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})
            card = env["member.card"].browse(funded.card_id)
            store = env["res.company"].browse(self.store_a_id)
            provider = env["payment.provider"].browse(self.provider_id)
            tx = self.topup_tx(env, provider, card, 80, store)
            self.tx_ids.append(tx.id)
            reference = tx.reference
        self.fake.pay(reference)
        data = self.fake.notification(reference)
        outcomes = self.run_concurrently(
            [
                (
                    self.public_id,
                    self.store_a_id,
                    lambda env: (
                        env["payment.transaction"].sudo()._alipay_handle_notification(data)[1]
                    ),
                )
                for _i in range(2)
            ]
        )
        self.assertEqual(Counter(o for o, _v in outcomes), Counter(ok=2), outcomes)
        self.assertEqual([v for _o, v in outcomes], [None, None])
        ledger = self.committed_ledger(funded.wallet_id)
        self.assertEqual(ledger_problems(ledger), [])
        self.assertEqual(ledger.principal, money(80))
        self.assertEqual(
            [m["key"] for m in ledger.moves if m["kind"] == "topup"], [f"online-topup:{reference}"]
        )
        with self.registry.cursor() as cr:
            cr.execute("SELECT state FROM payment_transaction WHERE reference = %s", [reference])
            self.assertEqual(cr.fetchone()[0], "done")

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_same_wechatpay_notification_at_the_same_moment(self):
        if not self.wx_provider_id:
            self.skipTest("payment_wechatpay is not installed")
        funded = self.make_funded_card(amount=0)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})
            card = env["member.card"].browse(funded.card_id)
            store = env["res.company"].browse(self.store_a_id)
            tx = self.wechatpay_tx(
                env,
                env["payment.provider"].browse(self.wx_provider_id),
                amount=60,
                partner=card.partner_id,
                currency=store.currency_id,
                member_card_id=card.id,
                member_topup_company_id=store.id,
            )
            tx._get_processing_values()
            self.tx_ids.append(tx.id)
            reference = tx.reference
        self.wxfake.pay(reference)
        message = self.wxfake.notification(reference)
        outcomes = self.run_concurrently(
            [
                (
                    self.public_id,
                    self.store_a_id,
                    lambda env: (
                        env["payment.transaction"]
                        .sudo()
                        ._wechatpay_handle_notification(*message)[1]
                    ),
                )
                for _i in range(2)
            ]
        )
        self.assertEqual(Counter(o for o, _v in outcomes), Counter(ok=2), outcomes)
        self.assertEqual([v for _o, v in outcomes], [None, None])
        ledger = self.committed_ledger(funded.wallet_id)
        self.assertEqual(ledger_problems(ledger), [])
        self.assertEqual(ledger.principal, money(60))
        self.assertEqual(
            [m["key"] for m in ledger.moves if m["kind"] == "topup"], [f"online-topup:{reference}"]
        )
