"""Top-up paid by phone at the till: the till creates the top-up
transaction and shows its QR code, then only reads what became of it; the
card is credited server-side when WeChat Pay (its fake API on a local
socket) confirms, never on the till's word."""

from odoo import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.member_pos.tests.common import PosChainMixin, money
from odoo.addons.member_wallet.tests.accounting_common import MemberAccountingCase
from odoo.addons.payment_wechatpay.tests.common import WechatpayGatewayMixin

WECHATPAY = "odoo.addons.payment_wechatpay.models.payment_transaction"


@tagged("post_install", "-at_install")
class TestPosOnlineTopup(WechatpayGatewayMixin, PosChainMixin, MemberAccountingCase):
    """One till (store A) is enough: what another store's cashier may do is
    asked of that till (the fixture of a second till would double the cost)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        pos_user = cls.env.ref("point_of_sale.group_pos_user")
        for user in cls.cashier_a | cls.cashier_b:
            user.sudo().group_ids = [Command.link(pos_user.id)]
        cls.pos_a = cls._make_pos(cls.store_a, "A")
        cls.session_a = cls.pos_a.current_session_id
        cls.provider = cls.setup_wechatpay(cls.env, company=cls.store_a)
        cls.pos_a.sudo().member_online_topup_provider_id = cls.provider
        cls.env(su=True)["member.topup.rule"].create(
            {"name": "MBT pay 200 get 30", "min_amount": 200, "bonus_amount": 30}
        )
        cls.card = cls.make_card()

    def till(self, user=None):
        session = self.session_a
        return session.with_env(self.env_as(user or self.cashier_a, session.company_id))

    def age(self, tx_id, seconds=60):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE payment_transaction SET last_state_change = last_state_change - "
            "make_interval(secs => %s) WHERE id = %s",
            [seconds, tx_id],
        )
        self.env.invalidate_all()

    def test_qr_paid_credited_by_the_provider_only(self):
        answer = self.till().member_pos_online_topup_create(self.card.name, 200)
        self.assertTrue(answer["ok"], answer)
        self.assertEqual((money(answer["amount"]), money(answer["bonus"])), (money(200), money(30)))
        self.assertTrue(answer["qr_code"].startswith("weixin://wxpay/bizpayurl"))
        tx = self.env["payment.transaction"].sudo().browse(answer["tx_id"])
        self.assertEqual((tx.member_card_id, tx.member_topup_company_id), (self.card, self.store_a))
        self.assertEqual(tx.member_pos_session_id, self.session_a)
        order = self.wxfake.orders[tx.reference]
        self.assertEqual((order["total"], order["trade_type"]), (20000, "NATIVE"))
        # polled before the member paid: the provider is asked, nothing credited
        self.age(tx.id)
        status = self.till().member_pos_online_topup_status(tx.id)
        self.assertEqual((status["state"], status["credited"]), ("pending", False))
        self.assertEqual(self.wxfake.requests[-1]["method"], "GET")
        wallet = self.card.sudo()._get_wallet()
        self.assertEqual(money(wallet.balance), money(0))
        # the member pays; WeChat Pay's notification confirms it
        self.wxfake.pay(tx.reference)
        self.env["payment.transaction"]._wechatpay_handle_notification(
            *self.wxfake.notification(tx.reference)
        )
        status = self.till().member_pos_online_topup_status(tx.id)
        self.assertEqual(
            (status["state"], status["credited"], money(status["balance"])),
            ("done", True, money(230)),
        )
        wallet.invalidate_recordset()
        self.assertEqual((money(wallet.principal), money(wallet.bonus)), (money(200), money(30)))
        moves = self.env["member.wallet.move"].sudo().search([("card_id", "=", self.card.id)])
        self.assertEqual(len(moves), 1)
        self.assertEqual(moves.company_id, self.store_a)

    def test_paid_without_notification_found_by_the_poll(self):
        answer = self.till().member_pos_online_topup_create(self.card.name, 50)
        self.wxfake.pay(answer["reference"])
        status = self.till().member_pos_online_topup_status(answer["tx_id"])
        self.assertEqual(status["state"], "pending", "asked again only after a few seconds")
        self.age(answer["tx_id"])
        status = self.till().member_pos_online_topup_status(answer["tx_id"])
        self.assertEqual((status["state"], status["credited"]), ("done", True))

    def test_refusals_write_nothing(self):
        Tx = self.env["payment.transaction"].sudo()
        count = Tx.search_count([])
        for amount in (0, -5, "abc"):
            with self.subTest(amount=amount):
                answer = self.till().member_pos_online_topup_create(self.card.name, amount)
                self.assertFalse(answer["ok"])
                self.assertTrue(answer["message"])
        # above the card type's ceiling (200 + bonus 30 > 220): refused before the member pays
        self.card.type_id.sudo().balance_ceiling = 220
        answer = self.till().member_pos_online_topup_create(self.card.name, 200)
        self.assertFalse(answer["ok"])
        self.card.type_id.sudo().balance_ceiling = 0
        # another store's cashier can neither create nor read at store A's till
        answer = self.till(self.cashier_b).member_pos_online_topup_create(self.card.name, 100)
        self.assertEqual(answer["ok"], False)
        # a till without a provider for it
        self.pos_a.sudo().member_online_topup_provider_id = False
        answer = self.till().member_pos_online_topup_create(self.card.name, 100)
        self.assertEqual(answer["ok"], False)
        self.assertEqual(Tx.search_count([]), count)
        self.pos_a.sudo().member_online_topup_provider_id = self.provider
        answer = self.till().member_pos_online_topup_create(self.card.name, 100)
        status = self.till(self.cashier_b).member_pos_online_topup_status(answer["tx_id"])
        self.assertFalse(status["ok"])
        # a transaction that is not this till's top-up
        other = self.wechatpay_tx(self.env, self.provider, amount=10)
        status = self.till().member_pos_online_topup_status(other.id)
        self.assertEqual(status, {"ok": False, "message": "Unknown top-up."})
        # WeChat Pay refuses the order: a clear message, no QR
        self.provider.wechatpay_mch_id = "1900000999"
        with mute_logger(WECHATPAY, "odoo.addons.payment_wechatpay.models.payment_provider"):
            answer = self.till().member_pos_online_topup_create(self.card.name, 100)
        self.assertFalse(answer["ok"])
