import json
import time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.member_online_topup.tests.common import OnlineTopupMixin
from odoo.addons.member_online_topup.tests.test_online_topup_wechatpay import (
    WECHATPAY,
    OnlineTopupWechatpayTests,
)
from odoo.addons.member_wallet.tests.common import WalletCase
from odoo.addons.payment_alipay.tests.fake_alipay import new_key_pair

ALIPAY = "odoo.addons.payment_alipay.models.payment_transaction"
TOPUP = "odoo.addons.member_online_topup.models.payment_transaction"


@tagged("post_install", "-at_install")
class TestOnlineTopup(OnlineTopupWechatpayTests, OnlineTopupMixin, WalletCase):
    """A top-up paid online credits the wallet once, only when the provider
    confirms it, with the store's bonus (Alipay; WeChat Pay in the tests of
    ``OnlineTopupWechatpayTests``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.require_alipay(cls.env)
        cls.provider = cls.setup_alipay(cls.env, company=cls.store_a)
        cls.setup_wechatpay_if_installed()
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
        self.fake.requests.clear()  # what this test sent, only

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
            with (
                self.subTest(name),
                mute_logger(ALIPAY, "odoo.addons.payment.models.payment_transaction"),
            ):
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

    # ------------------------------------------------------------------
    # Refund by the original route
    # ------------------------------------------------------------------

    def credited_tx(self, amount=100):
        tx = self.paid_tx(amount)
        self.notify(self.fake.notification(tx.reference))
        self.assertTrue(tx.member_wallet_move_id)
        return tx

    def refund_requests(self):
        return [r for r in self.fake.requests if r["form"]["method"] == "alipay.trade.refund"]

    def as_manager(self, tx, user=None):
        return tx.with_env(self.env_as(user or self.manager_a, self.store_a))

    def test_refund_by_the_original_route(self):
        tx = self.credited_tx(100)
        refund = self.as_manager(tx)._member_refund_topup(40, "member moves away")
        requests = self.refund_requests()
        self.assertEqual(len(requests), 1)
        self.assertTrue(requests[0]["signature_ok"])
        self.assertEqual(json.loads(requests[0]["form"]["biz_content"])["refund_amount"], "40.00")
        self.assertEqual((refund.state, refund.amount), ("done", -40))
        ledger = self.assertBalances(self.wallet, principal=60)
        self.assertLess(ledger.bonus, 20, "the bonus that came with it is taken back")
        withdrawals = [m for m in ledger.moves if m["kind"] == "withdrawal"]
        self.assertEqual(len(withdrawals), 1)
        self.assertEqual(withdrawals[0]["key"], f"online-topup-refund:{tx.reference}:1")
        # no account.payment for a top-up nor its refund: member_wallet books them
        self.assertFalse(tx.payment_id or refund.payment_id)

    def test_refund_wizard_from_the_posting(self):
        tx = self.credited_tx(100)
        env = self.env_as(self.manager_a, self.store_a)
        wizard = env["member.online.topup.refund"].create(
            {"move_id": tx.member_wallet_move_id.id, "amount": 25, "reason": "moving away"}
        )
        wizard.action_refund()
        self.assertBalances(self.wallet, principal=75)
        requests = self.refund_requests()
        self.assertEqual(len(requests), 1)
        self.assertEqual(json.loads(requests[0]["form"]["biz_content"])["refund_amount"], "25.00")
        with self.assertRaises(AccessError):
            self.env_as(self.cashier_a, self.store_a)["member.online.topup.refund"].create(
                {"move_id": tx.member_wallet_move_id.id, "amount": 5, "reason": "x"}
            )
        # a posting that is not an online top-up
        other = self.topup(self.card, 10)
        other_move = (
            self.env["member.wallet.move"]
            .sudo()
            .search(
                [
                    ("wallet_id", "=", self.wallet.id),
                    ("id", "!=", tx.member_wallet_move_id.id),
                    ("kind", "=", "topup"),
                ],
                limit=1,
            )
        )
        self.assertTrue(other)
        with self.assertRaises(UserError):
            env["member.online.topup.refund"].create(
                {"move_id": other_move.id, "amount": 5, "reason": "x"}
            ).action_refund()
        self.assertEqual(len(self.refund_requests()), 1)

    def test_refund_refusals_debit_and_refund_nothing(self):
        tx = self.credited_tx(100)
        self.consume(self.card, 110)  # 10 of paid-in value left
        cases = [
            ("above the unspent paid-in value", self.manager_a, 50, UserError),
            ("not a manager", self.cashier_a, 5, AccessError),
        ]
        for name, user, amount, error in cases:
            with self.subTest(name):
                before = self.db_state()
                with self.assertRaises(error):
                    self.as_manager(tx, user)._member_refund_topup(amount, "why")
                self.assertEqual(self.db_state(), before)
        self.assertEqual(self.refund_requests(), [])
        with self.assertRaises(UserError):
            tx._refund(10)  # the framework's own refund, without the wallet
        # a client's context opens nothing: the old flag and the service key, forged
        for forged in ({"member_topup_refund": True}, {"member_service": True}):
            with self.subTest(forged=forged), self.assertRaises(UserError):
                self.as_manager(tx, self.manager_a).with_context(**forged)._refund(10)
        self.assertEqual(self.refund_requests(), [])

    def test_refund_refused_by_the_provider_debits_nothing(self):
        tx = self.credited_tx(100)
        self.fake.trades[tx.reference]["trade_status"] = "TRADE_CLOSED"
        before = self.db_state()
        with mute_logger(TOPUP, ALIPAY), self.assertRaises(UserError):
            self.as_manager(tx)._member_refund_topup(40, "why")
        self.assertEqual(len(self.refund_requests()), 1)
        self.assertEqual(self.db_state(), before)
        self.assertBalances(self.wallet, principal=100, bonus=20)

    # ------------------------------------------------------------------
    # Reconciliation
    # ------------------------------------------------------------------

    def differences(self, *txs):
        references = {tx.reference for tx in txs}
        return [
            (d["kind"], d["reference"])
            for d in self.env["payment.transaction"]._cron_member_topup_reconcile()
            if d["reference"] in references
        ]

    def test_reconciliation(self):
        credited = self.credited_tx(100)
        pending = self.topup_tx(self.env, self.provider, self.card, 30, self.store_a)
        self.assertEqual(self.differences(credited, pending), [])
        # paid but not credited: the card was frozen when the payment came
        unpaid_card = self.make_card()
        tx = self.alipay_tx(
            self.env,
            self.provider,
            amount=70,
            partner=unpaid_card.partner_id,
            currency=self.store_a.currency_id,
            member_card_id=unpaid_card.id,
            member_topup_company_id=self.store_a.id,
        )
        tx._get_processing_values()
        self.fake.pay(tx.reference)
        unpaid_card._as_service().write({"state": "frozen"})
        with mute_logger(TOPUP):
            self.notify(self.fake.notification(tx.reference))
        with mute_logger(TOPUP):
            self.assertEqual(
                self.differences(credited, pending, tx), [("paid_not_credited", tx.reference)]
            )
        # credited but not paid: a transaction put back in error by hand, on purpose
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE payment_transaction SET state = 'error' WHERE id = %s", [credited.id]
        )
        with mute_logger(TOPUP):
            self.assertEqual(
                sorted(self.differences(credited, pending, tx)),
                [("credited_not_paid", credited.reference), ("paid_not_credited", tx.reference)],
            )

    def test_statement(self):
        """The providers' statement against the wallets, per store and day:
        matched, missing credit, credit without confirmed payment; a store's
        staff see their own store's rows only."""
        credited = self.credited_tx(100)
        self.topup_tx(self.env, self.provider, self.card, 30, self.store_a)  # pending: no row
        frozen_card = self.make_card()
        missing = self.alipay_tx(
            self.env,
            self.provider,
            amount=70,
            partner=frozen_card.partner_id,
            currency=self.store_a.currency_id,
            member_card_id=frozen_card.id,
            member_topup_company_id=self.store_a.id,
        )
        missing._get_processing_values()
        self.fake.pay(missing.reference)
        frozen_card._as_service().write({"state": "frozen"})
        with mute_logger(TOPUP):
            self.notify(self.fake.notification(missing.reference))
        unconfirmed = self.credited_tx(50)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE payment_transaction SET state = 'error' WHERE id = %s", [unconfirmed.id]
        )
        self.env.invalidate_all()
        Statement = self.env_as(self.manager_a, self.store_a)["member.online.topup.statement"]
        rows = Statement.search([("card_id", "in", (self.card | frozen_card).ids)])
        self.assertEqual(
            sorted((r.reference, r.status, r.paid_amount, r.credited_amount) for r in rows),
            sorted(
                [
                    (credited.reference, "matched", 100.0, 100.0),
                    (missing.reference, "missing_credit", 70.0, 0.0),
                    (unconfirmed.reference, "credit_unconfirmed", 50.0, 50.0),
                ]
            ),
        )
        self.assertEqual(set(rows.mapped("company_id")), {self.store_a})
        self.assertEqual(sum(rows.mapped("difference_count")), 2)
        other_store = self.env_as(self.manager_b, self.store_b)["member.online.topup.statement"]
        self.assertFalse(other_store.search([("card_id", "in", self.card.ids)]))

    # ------------------------------------------------------------------
    # Through WeChat Pay (payment_wechatpay), when it is installed
    # ------------------------------------------------------------------

    def test_wechatpay_paid_credited_once_refusals_credit_nothing(self):
        tx = self.wx_topup_tx(100)
        self.wxfake.pay(tx.reference)
        before = self.db_state()
        refused = {
            "forged": self.wxfake.notification(tx.reference, sign_with=new_key_pair()[0]),
            "late replay": self.wxfake.notification(tx.reference, timestamp=time.time() - 900),
            "wrong amount": self.wxfake.notification(tx.reference, amount={"total": 1}),
        }
        for name, message in refused.items():
            with self.subTest(name), mute_logger(WECHATPAY):
                _tx, refusal = self.wx_notify(message)
                self.assertTrue(refusal)
                self.assertEqual(self.db_state(), before, "nothing written to the ledger")
        for _i in range(3):  # WeChat Pay sends it again until it is answered
            _tx, refusal = self.wx_notify(self.wxfake.notification(tx.reference))
            self.assertIsNone(refusal)
        self.assertEqual(tx.state, "done")
        self.assertBalances(self.wallet, principal=100, bonus=20)
        self.assertEqual(len(self.wx_key_moves(tx)), 1)
        tx._wechatpay_query()  # a late query credits nothing more
        self.assertEqual(len(self.wx_key_moves(tx)), 1)

    def test_wechatpay_closed_credits_nothing(self):
        tx = self.wx_topup_tx(100)
        self.wxfake.pay(tx.reference, state="CLOSED")
        tx._wechatpay_query()
        self.assertEqual(tx.state, "cancel")
        self.assertFalse(self.wx_key_moves(tx))
        self.assertBalances(self.wallet, principal=0, bonus=0)

    def test_wechatpay_refund_by_the_original_route(self):
        tx = self.wx_topup_tx(100)
        self.wxfake.pay(tx.reference)
        self.wx_notify(self.wxfake.notification(tx.reference))
        self.assertTrue(tx.member_wallet_move_id)
        manager_tx = tx.with_env(self.env_as(self.manager_a, self.store_a))
        refund = manager_tx._member_refund_topup(40, "member moves away")
        refund_requests = [
            r for r in self.wxfake.requests if r["path"] == "/v3/refund/domestic/refunds"
        ]
        self.assertEqual(len(refund_requests), 1)
        self.assertEqual(json.loads(refund_requests[0]["body"])["amount"]["refund"], 4000)
        self.assertEqual((refund.state, refund.amount), ("pending", -40))
        ledger = self.assertBalances(self.wallet, principal=60)
        self.assertEqual(len([m for m in ledger.moves if m["kind"] == "withdrawal"]), 1)
        # WeChat Pay pays it back: the refund is done, the wallet is not debited again
        self.wxfake.refund_done(refund.reference)
        refund._wechatpay_query()
        self.assertEqual(refund.state, "done")
        ledger = self.assertBalances(self.wallet, principal=60)
        self.assertEqual(len([m for m in ledger.moves if m["kind"] == "withdrawal"]), 1)
