"""No overdraft under concurrency (invariant 3).

Odoo 19's own eWallet, 8 tills × 100 from a card holding 100 at the same
moment: all accepted, −700. Here every spender is a thread with its own
cursor and transaction that commits for real, released at the same moment by
a barrier, retried on serialization failures as an HTTP request is.
"""

from collections import Counter

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import (
    INSUFFICIENT,
    NOT_ENOUGH_POINTS,
    CommittedWalletCase,
    ledger_problems,
    money,
    new_key,
)

MUTED = ("odoo.sql_db", "odoo.service.model")


@tagged("post_install", "-at_install")
class TestWalletConcurrency(CommittedWalletCase):
    def _spenders(self, n, func, two_stores=False):
        """``n`` calls of ``func(env, key)``, each with its own key; with
        ``two_stores`` every other one is store B's cashier in store B."""
        calls = []
        for i in range(n):
            if two_stores and i % 2:
                uid, company = self.cashier_b_id, self.store_b_id
            else:
                uid, company = self.cashier_a_id, self.store_a_id
            key = new_key(f"conc-{n}-{i}")
            calls.append((uid, company, lambda env, key=key: func(env, key)))
        return calls

    def assertOneWinner(self, outcomes, refusal):
        """Exactly one spender got through; every other one got a clear
        refusal (never a crash, never a second success)."""
        kinds = Counter(outcome for outcome, _value in outcomes)
        self.assertEqual(kinds["ok"], 1, f"outcomes: {outcomes}")
        self.assertEqual(kinds["ok"] + kinds["refused"] + kinds["busy"], len(outcomes))
        for outcome, value in outcomes:
            if outcome == "refused":
                self.assertIn(refusal, value)
        self.assertEqual(kinds["busy"], 0, "a spender ran out of retries")

    def _check_wallet(self, wallet_id, kind, spends, companies=None):
        ledger = self.committed_ledger(wallet_id)
        self.assertEqual(ledger_problems(ledger), [])
        spent = [move for move in ledger.moves if move["kind"] == kind]
        self.assertEqual(len(spent), spends, f"{kind} postings: {ledger.moves}")
        if companies:
            self.assertTrue({move["company_id"] for move in spent} <= set(companies))
        return ledger

    # ------------------------------------------------------------------
    # Stored value
    # ------------------------------------------------------------------

    def _spend_whole_balance(self, n, two_stores=False):
        funded = self.make_funded_card(amount=100)

        def consume(env, key):
            return env["member.wallet"].api_consume(funded.card_number, 100, key)

        outcomes = self.run_concurrently(self._spenders(n, consume, two_stores), retry="odoo")
        self.assertOneWinner(outcomes, INSUFFICIENT)
        # api_consume authorises apart, at READ COMMITTED: the tills queued on
        # the card's lock, none had to be rolled back and retried
        self.assertEqual(self.retries, 0, "a debit failed to serialize and was retried")
        answer = next(value for outcome, value in outcomes if outcome == "ok")
        self.assertEqual(answer["balance"], 0.0)
        self.assertEqual(answer["kind"], "consumption")
        ledger = self._check_wallet(
            funded.wallet_id, "consumption", 1, companies=[self.store_a_id, self.store_b_id]
        )
        self.assertEqual((ledger.principal, ledger.bonus, ledger.balance), (0, 0, 0))
        return ledger

    @mute_logger(*MUTED)
    def test_2_tills_spend_the_whole_balance(self):
        self._spend_whole_balance(2)

    @mute_logger(*MUTED)
    def test_8_tills_spend_the_whole_balance(self):
        self._spend_whole_balance(8)

    @mute_logger(*MUTED)
    def test_16_tills_spend_the_whole_balance(self):
        self._spend_whole_balance(16)

    @mute_logger(*MUTED)
    def test_2_tills_in_two_stores(self):
        self._spend_whole_balance(2, two_stores=True)

    @mute_logger(*MUTED)
    def test_8_tills_in_two_stores(self):
        self._spend_whole_balance(8, two_stores=True)

    @mute_logger(*MUTED)
    def test_16_tills_in_two_stores(self):
        self._spend_whole_balance(16, two_stores=True)

    @mute_logger(*MUTED)
    def test_partial_spends_stop_at_zero(self):
        """8 tills × 10 from 50 (two stores): exactly 5 get through."""
        funded = self.make_funded_card(amount=50)

        def consume(env, key):
            return env["member.wallet"].api_consume(funded.card_number, 10, key)

        outcomes = self.run_concurrently(self._spenders(8, consume, two_stores=True), retry="own")
        kinds = Counter(outcome for outcome, _value in outcomes)
        self.assertEqual(kinds, Counter(ok=5, refused=3), outcomes)
        self.assertEqual(self.retries, 0, "a debit failed to serialize and was retried")
        for outcome, value in outcomes:
            if outcome == "refused":
                self.assertIn(INSUFFICIENT, value)
        balances = sorted(value["balance"] for outcome, value in outcomes if outcome == "ok")
        self.assertEqual(balances, [0.0, 10.0, 20.0, 30.0, 40.0])
        ledger = self._check_wallet(funded.wallet_id, "consumption", 5)
        self.assertEqual(ledger.balance, money(0))

    # ------------------------------------------------------------------
    # Points
    # ------------------------------------------------------------------

    def _redeem_all_points(self, n, two_stores=False):
        """In the caller's transaction (REPEATABLE READ): the losers fail to
        serialize, are retried, and then see no points left."""
        funded = self.make_funded_card(amount=0, points=100)

        def redeem(env, key):
            wallet = env["member.wallet"].browse(funded.wallet_id)
            return env["member.points.lot"]._redeem(wallet, 100, key=key)[1]

        outcomes = self.run_concurrently(self._spenders(n, redeem, two_stores), retry="odoo")
        self.assertOneWinner(outcomes, NOT_ENOUGH_POINTS)
        answer = next(value for outcome, value in outcomes if outcome == "ok")
        self.assertEqual(answer["points"], 0)
        ledger = self.committed_ledger(funded.wallet_id)
        self.assertEqual(ledger_problems(ledger), [])
        self.assertEqual(ledger.points, 0)
        spent = [line for line in ledger.lines if line["asset"] == "points" and line["amount"] < 0]
        self.assertEqual(len(spent), 1, ledger.lines)
        self.assertEqual(spent[0]["amount"], -100)

    @mute_logger(*MUTED)
    def test_2_tills_redeem_all_points(self):
        self._redeem_all_points(2)

    @mute_logger(*MUTED)
    def test_8_tills_redeem_all_points(self):
        self._redeem_all_points(8)

    @mute_logger(*MUTED)
    def test_16_tills_redeem_all_points(self):
        self._redeem_all_points(16)

    @mute_logger(*MUTED)
    def test_8_tills_redeem_all_points_in_two_stores(self):
        self._redeem_all_points(8, two_stores=True)
