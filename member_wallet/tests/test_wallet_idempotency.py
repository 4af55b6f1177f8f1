"""The same operation submitted twice posts once (invariant 4): a POS resync,
a double click, a retried request; one after the other and at the same
moment. A key reused for another operation is an error, not a replay."""

from collections import Counter

from odoo import api
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CommittedWalletCase, WalletCase, ledger_problems, money, new_key

REUSED = "already used for another operation"


@tagged("post_install", "-at_install")
class TestWalletIdempotency(WalletCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.make_card()
        cls.topup(cls.card, 100)
        cls.wallet = cls.wallet_of(cls.card)
        cls.other_card = cls.make_card()
        cls.topup(cls.other_card, 100)
        cls.other_wallet = cls.wallet_of(cls.other_card)

    def moves_with(self, key):
        return self.env["member.wallet.move"].search([("idempotency_key", "=", key)])

    def test_consumption_twice_posts_once(self):
        key = new_key()
        first = self.consume(self.card, 30, key=key)
        lines_after_first = self.ledger(self.wallet).lines
        # the till resends it (same amount, written differently)
        for amount in (30, 30.0, "30.00", " 30 "):
            with self.subTest(amount=amount):
                self.assertEqual(self.consume(self.card, amount, key=key), first)
        self.assertEqual(len(self.moves_with(key)), 1)
        self.assertEqual(first["balance"], 70.0)
        self.assertEqual(self.ledger(self.wallet).lines, lines_after_first)
        self.assertBalances(self.wallet, principal=70, bonus=0)

        # later postings do not change the answer of a replay, nor the other way round
        self.consume(self.card, 20)
        self.assertEqual(self.consume(self.card, 30, key=key), first)
        self.assertBalances(self.wallet, principal=50)
        # a resync from another till of another store gets the same answer
        self.assertEqual(
            self.consume(self.card, 30, key=key, user=self.cashier_b, company=self.store_b), first
        )
        self.assertBalances(self.wallet, principal=50)

    def test_consumption_key_reused_for_another_operation(self):
        key = new_key()
        self.consume(self.card, 30, key=key)
        cases = {
            "other amount": lambda: self.consume(self.card, 31, key=key),
            "other card": lambda: self.consume(self.other_card, 30, key=key),
            "top-up": lambda: self.env_as(self.cashier_a, self.store_a)["member.wallet"].api_topup(
                self.card.name, 30, key
            ),
            "withdrawal": lambda: self.wallet.with_env(
                self.env_as(self.manager_a, self.store_a)
            )._withdraw(30, key=key, note="refund"),
        }
        for name, call in cases.items():
            with self.subTest(name), self.assertNothingWritten(UserError, message=REUSED):
                call()
        self.assertEqual(len(self.moves_with(key)), 1)

    def test_topup_twice_posts_once(self):
        key = new_key()
        Wallet = self.env_as(self.cashier_a, self.store_a)["member.wallet"]
        first = Wallet.api_topup(self.card.name, 50, key)
        second = Wallet.api_topup(self.card.name, "50.00", key)
        self.assertEqual(first, second)
        self.assertEqual(first["balance"], 150.0)
        self.assertEqual(len(self.moves_with(key)), 1)
        self.assertBalances(self.wallet, principal=150)
        cases = {
            "other amount": lambda: Wallet.api_topup(self.card.name, 60, key),
            "other card": lambda: Wallet.api_topup(self.other_card.name, 50, key),
            "consumption": lambda: Wallet.api_consume(self.card.name, 50, key),
        }
        for name, call in cases.items():
            with self.subTest(name), self.assertNothingWritten(UserError, message=REUSED):
                call()
        self.assertBalances(self.wallet, principal=150)

    def test_withdrawal_and_adjustment_twice_post_once(self):
        wallet = self.wallet.with_env(self.env_as(self.manager_a, self.store_a))
        key = new_key()
        _move, first = wallet._withdraw(40, key=key, note="Member moves away")
        _move, second = wallet._withdraw(40, key=key, note="Member moves away")
        self.assertEqual(first, second)
        self.assertEqual(len(self.moves_with(key)), 1)
        self.assertBalances(self.wallet, principal=60)
        with self.assertNothingWritten(UserError, message=REUSED):
            wallet._withdraw(41, key=key, note="Member moves away")

        key = new_key()
        _move, first = wallet._adjust("principal", "+5", "Till count", key=key)
        _move, second = wallet._adjust("principal", "+5", "Till count", key=key)
        self.assertEqual(first, second)
        self.assertEqual(len(self.moves_with(key)), 1)
        self.assertBalances(self.wallet, principal=65)
        with self.assertNothingWritten(UserError, message=REUSED):
            wallet._adjust("principal", "+6", "Till count", key=key)

    def test_reversal_twice_posts_once(self):
        spent = self.consume(self.card, 30)
        other = self.consume(self.card, 10)
        self.assertBalances(self.wallet, principal=60)
        Wallet = self.env_as(self.manager_a, self.store_a)["member.wallet"]
        key = new_key()
        first = Wallet.api_reverse(spent["move_id"], key, "Wrong amount")
        second = Wallet.api_reverse(spent["move_id"], key, "Wrong amount")
        self.assertEqual(first, second)
        self.assertEqual(first["balance"], 90.0)
        self.assertEqual(len(self.moves_with(key)), 1)
        self.assertBalances(self.wallet, principal=90)
        # the reversal key used to reverse another posting
        with self.assertNothingWritten(UserError, message=REUSED):
            Wallet.api_reverse(other["move_id"], key, "Wrong amount")
        # a consumption key used as a reversal key
        with self.assertNothingWritten(UserError, message=REUSED):
            Wallet.api_reverse(other["move_id"], spent["idempotency_key"], "Wrong amount")
        # without a key, the second reversal is refused
        Wallet.api_reverse(other["move_id"], None, "Wrong amount")
        with self.assertNothingWritten(UserError, message="already been reversed"):
            Wallet.api_reverse(other["move_id"], None, "Wrong amount")
        self.assertBalances(self.wallet, principal=100)

    def test_wizard_double_click_posts_once(self):
        env = self.env_as(self.cashier_a, self.store_a)
        wizard = env["member.wallet.operation"].create(
            {
                "card_id": self.card.id,
                "operation": "consume",
                "amount": "25",
            }
        )
        wizard.action_confirm()
        wizard.action_confirm()
        self.assertEqual(len(self.moves_with(wizard.idempotency_key)), 1)
        self.assertBalances(self.wallet, principal=75)


@tagged("post_install", "-at_install")
class TestConcurrentIdempotency(CommittedWalletCase):
    """The same key from several tills at the same moment."""

    def _same_key(self, n, func, uid=None):
        """``n`` calls of ``func(env, key)`` with one key, from both stores'
        cashiers (or ``uid`` in store A): all get the same answer."""
        key = new_key("same")
        calls = [
            (
                uid or (self.cashier_a_id if i % 2 == 0 else self.cashier_b_id),
                self.store_b_id if i % 2 and not uid else self.store_a_id,
                lambda env: func(env, key),
            )
            for i in range(n)
        ]
        outcomes = self.run_concurrently(calls, retry="odoo")
        self.assertEqual(Counter(outcome for outcome, _value in outcomes), Counter(ok=n), outcomes)
        answers = [value for _outcome, value in outcomes]
        for answer in answers[1:]:
            self.assertEqual(answer, answers[0])
        return key, answers[0]

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_same_consumption_at_the_same_moment(self):
        for n in (2, 8):
            with self.subTest(spenders=n):
                funded = self.make_funded_card(amount=100)
                key, answer = self._same_key(
                    n,
                    lambda env, key, number=funded.card_number: env["member.wallet"].api_consume(
                        number, 30, key
                    ),
                )
                self.assertEqual(answer["balance"], 70.0)
                ledger = self.committed_ledger(funded.wallet_id)
                self.assertEqual(ledger_problems(ledger), [])
                self.assertEqual(ledger.balance, money(70))
                self.assertEqual(
                    [m["key"] for m in ledger.moves if m["kind"] == "consumption"], [key]
                )

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_same_topup_at_the_same_moment(self):
        funded = self.make_funded_card(amount=100)
        key, answer = self._same_key(
            2, lambda env, key: env["member.wallet"].api_topup(funded.card_number, 50, key)
        )
        self.assertEqual(answer["balance"], 150.0)
        ledger = self.committed_ledger(funded.wallet_id)
        self.assertEqual(ledger_problems(ledger), [])
        self.assertEqual(ledger.balance, money(150))
        self.assertEqual([m["key"] for m in ledger.moves if m["key"] == key], [key])

    def _spent_card(self):
        """A card topped up with 100, then charged 30 in store A (committed)."""
        funded = self.make_funded_card(amount=100)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, self.cashier_a_id, {"allowed_company_ids": [self.store_a_id]})
            funded.spent = env["member.wallet"].api_consume(funded.card_number, 30, new_key())
        return funded

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_same_reversal_at_the_same_moment(self):
        funded = self._spent_card()
        key, answer = self._same_key(
            2,
            lambda env, key: env["member.wallet"].api_reverse(
                funded.spent["move_id"], key, "Wrong card"
            ),
            uid=self.manager_id,
        )
        self.assertEqual(answer["balance"], 100.0)
        ledger = self.committed_ledger(funded.wallet_id)
        self.assertEqual(ledger_problems(ledger), [])
        self.assertEqual(ledger.balance, money(100))
        self.assertEqual([m["key"] for m in ledger.moves if m["kind"] == "reversal"], [key])

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_two_partial_reversals_at_the_same_moment(self):
        """Two managers each give back 20 of a consumption of 30 at the same
        moment: the parts are counted under the lock, one is told only 10
        is left."""
        funded = self._spent_card()
        calls = [
            (
                self.manager_id,
                self.store_a_id,
                lambda env, key=key: env["member.wallet"].api_reverse(
                    funded.spent["move_id"], key, "Returned", amount=20
                ),
            )
            for key in (new_key("part-1"), new_key("part-2"))
        ]
        outcomes = self.run_concurrently(calls, retry="odoo")
        self.assertEqual(sorted(outcome for outcome, _value in outcomes), ["ok", "refused"])
        refusal = next(value for outcome, value in outcomes if outcome == "refused")
        self.assertIn("Only 10", refusal)
        ledger = self.committed_ledger(funded.wallet_id)
        self.assertEqual(ledger_problems(ledger), [])
        self.assertEqual(ledger.balance, money(90))

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_two_reversals_at_the_same_moment(self):
        """Two managers reverse the same posting, each with their own key:
        one reversal, the other is told it was already reversed."""
        funded = self._spent_card()
        calls = [
            (
                self.manager_id,
                self.store_a_id,
                lambda env, key=key: env["member.wallet"].api_reverse(
                    funded.spent["move_id"], key, "Wrong card"
                ),
            )
            for key in (new_key("reverse-1"), new_key("reverse-2"))
        ]
        outcomes = self.run_concurrently(calls, retry="odoo")
        self.assertEqual(sorted(outcome for outcome, _value in outcomes), ["ok", "refused"])
        refusal = next(value for outcome, value in outcomes if outcome == "refused")
        self.assertIn("already been reversed", refusal)
        ledger = self.committed_ledger(funded.wallet_id)
        self.assertEqual(ledger_problems(ledger), [])
        self.assertEqual(ledger.balance, money(100))
        self.assertEqual(len([m for m in ledger.moves if m["kind"] == "reversal"]), 1)
