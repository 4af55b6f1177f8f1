from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.member_online_topup.tests.common import OnlineTopupMixin
from odoo.addons.member_wallet.tests.common import WalletCase
from odoo.addons.payment_alipay.tests.fake_alipay import new_key_pair

ALIPAY = "odoo.addons.payment_alipay.models.payment_transaction"
TOPUP = "odoo.addons.member_online_topup.models.payment_transaction"


@tagged("post_install", "-at_install")
class TestOnlineTopup(OnlineTopupMixin, WalletCase):
    """A top-up paid online credits the wallet once, only when the provider
    confirms it, with the store's bonus."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.require_alipay(cls.env)
        cls.provider = cls.setup_alipay(cls.env, company=cls.store_a)
        cls.env["member.topup.rule"].create(
            {
                "name": "Online: pay 100 get 20",
                "min_amount": 100,
                "bonus_amount": 20,
                "currency_id": cls.store_a.currency_id.id,
            }
        )

    def setUp(self):
        super().setUp()
        self.card = self.make_card()
        self.wallet = self.wallet_of(self.card)

    def paid_tx(self, amount=100):
        tx = self.topup_tx(self.env, self.provider, self.card, amount, self.store_a)
        self.fake.pay(tx.reference)
        return tx

    def notify(self, data):
        return self.env["payment.transaction"]._alipay_handle_notification(data)

    def key_moves(self, tx):
        return (
            self.env["member.wallet.move"]
            .sudo()
            .search([("idempotency_key", "=", f"online-topup:{tx.reference}")])
        )

    def test_pending_credits_nothing(self):
        tx = self.topup_tx(self.env, self.provider, self.card, 100, self.store_a)
        self.assertEqual(tx.state, "pending")
        self.assertBalances(self.wallet, principal=0, bonus=0)

    def test_paid_credited_once_with_bonus(self):
        tx = self.paid_tx(100)
        for _i in range(3):  # Alipay sends it again until it reads "success"
            _tx, refusal = self.notify(self.fake.notification(tx.reference))
            self.assertIsNone(refusal)
        self.assertEqual(tx.state, "done")
        self.assertBalances(self.wallet, principal=100, bonus=20)
        move = self.key_moves(tx)
        self.assertEqual(len(move), 1)
        self.assertEqual(tx.member_wallet_move_id, move)
        self.assertEqual((move.res_model, move.res_id), ("payment.transaction", tx.id))
        self.assertEqual(move.company_id, self.store_a)
        # the framework's post-processing (cron) and a late query credit nothing more
        tx._post_process()
        tx._alipay_query()
        self.assertEqual(len(self.key_moves(tx)), 1)
        self.assertBalances(self.wallet, principal=100, bonus=20)

    def test_refused_notifications_credit_nothing(self):
        forger = new_key_pair()[0]
        cases = {
            "bad signature": lambda tx: self.fake.notification(tx.reference, sign_with=forger),
            "wrong amount": lambda tx: self.fake.notification(tx.reference, total_amount="1.00"),
            "wrong currency": lambda tx: self.fake.notification(
                tx.reference,
                trans_currency="JPY" if self.store_a.currency_id.name != "JPY" else "EUR",
            ),
            "unknown transaction": lambda tx: self.fake.notification(tx.reference + "-X"),
        }
        for name, make in cases.items():
            with self.subTest(name), mute_logger(ALIPAY):
                tx = self.paid_tx(100)
                before = self.db_state()
                _tx, refusal = self.notify(make(tx))
                self.assertTrue(refusal)
                self.assertNotEqual(tx.state, "done")
                self.assertEqual(self.db_state(), before, "nothing written to the ledger")
                self.assertFalse(self.key_moves(tx))
        self.assertBalances(self.wallet, principal=0, bonus=0)

    def test_closed_credits_nothing(self):
        tx = self.topup_tx(self.env, self.provider, self.card, 100, self.store_a)
        self.fake.pay(tx.reference, status="TRADE_CLOSED")
        self.notify(self.fake.notification(tx.reference, status="TRADE_CLOSED"))
        self.assertEqual(tx.state, "cancel")
        tx._alipay_query()
        self.assertEqual(tx.state, "cancel")
        self.assertFalse(self.key_moves(tx))
        self.assertBalances(self.wallet, principal=0, bonus=0)

    def test_query_credits_when_no_notification_comes(self):
        tx = self.paid_tx(50)
        tx._alipay_query()
        self.assertEqual(tx.state, "done")
        self.assertBalances(self.wallet, principal=50, bonus=0)
        self.assertEqual(len(self.key_moves(tx)), 1)

    def test_credit_refused_by_the_wallet_is_logged(self):
        tx = self.paid_tx(100)
        self.card._as_service().write({"state": "frozen"})
        with self.assertLogs(TOPUP, "ERROR") as logs:
            self.notify(self.fake.notification(tx.reference))
        self.assertIn("paid but not credited", logs.output[0])
        self.assertEqual(tx.state, "done")
        self.assertFalse(tx.member_wallet_move_id)
        self.assertBalances(self.wallet, principal=0, bonus=0)
        # unfrozen, the framework's post-processing credits it, once
        self.card._as_service().write({"state": "active"})
        tx._post_process()
        tx._post_process()
        self.assertBalances(self.wallet, principal=100, bonus=20)
        self.assertEqual(len(self.key_moves(tx)), 1)
