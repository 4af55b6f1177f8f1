"""Property-based tests (hypothesis) of the wallet's services, on real
PostgreSQL: each example runs in a savepoint rolled back after it.

* The wallet API takes whatever a client sends (amount strings, numbers,
  None, huge, negative, NaN; card references of every shape): it answers
  or refuses with a business error, never a server error, and a refusal
  writes nothing.
* A stateful test drives one card through top-ups, consumptions, refunds
  and reversals (whole and partial) against a model of its stored value:
  after every step the balance is the ledger's sum and the model's.
* Another drives one card's points through earnings, redemptions,
  reversals of both, days passing and the expiry job, against a model of
  its points lots (oldest first, valid one month): after every step the
  points are the ledger's sum and the model's, lot by lot, and a
  redemption never spends points past their date.

Bounded and derandomized (``derandomize=True``), so that a CI run is
reproducible; hypothesis keeps no example database.
"""

import base64
import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from odoo.tests import freeze_time, tagged

from odoo.addons.member_base.tests.common import REFUSALS
from odoo.addons.member_wallet.tests.common import WalletCase, ledger_problems, money, new_key

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
STATEFUL = settings(FUZZ, max_examples=30, stateful_step_count=12)

amounts = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=12),
    st.sampled_from(["30", "0.01", "100", "100.01", "1e2", "1e400", " 5 ", "5,00", "-0", "NaN"]),
    st.lists(st.integers(), max_size=2),
)
card_refs = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.sampled_from(["", "  ", "%E?", ";E?", "MC1.1.1.X.Y", "13912345678"]),
)
MISSING_ID = 2_000_000_000  # the posting of a refused operation: none
CENTS = st.integers(min_value=1, max_value=50_000).map(lambda cents: Decimal(cents).scaleb(-2))


@tagged("post_install", "-at_install")
class TestWalletFuzz(WalletCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.make_card()
        cls.topup(cls.card, 100)
        cls.wallet = cls.wallet_of(cls.card)

    def isolated(self):
        """A savepoint for one example (closed with ``rollback=True``)."""
        self.env.flush_all()
        return self.env.cr.savepoint(flush=False)

    @settings(FUZZ, max_examples=12)
    @given(amount=amounts, card_ref=st.one_of(st.just("card"), card_refs))
    def test_api_consume_answers_or_refuses(self, amount, card_ref):
        ref = self.card.name if card_ref == "card" else card_ref
        savepoint = self.isolated()
        try:
            before = self.db_state()
            env = self.env_as(self.cashier_a, self.store_a)
            try:
                answer = env["member.wallet"].api_consume(ref, amount, new_key())
            except REFUSALS:
                self.assertEqual(self.db_state(), before, f"refused {amount!r} wrote")
                return
            # accepted: a real amount of at most the 100 held, in cents
            spent = money(100) - money(answer["balance"])
            self.assertEqual(money(amount), spent)
            self.assertGreater(spent, 0)
            self.assertEqual(ledger_problems(self.ledger(self.wallet)), [])
        finally:
            savepoint.close(rollback=True)
            self.env.clear()

    @FUZZ
    @given(amount=amounts, journal=st.sampled_from([None, 0, -1, 10**9, "x", True]))
    def test_api_topup_answers_or_refuses(self, amount, journal):
        savepoint = self.isolated()
        try:
            before = self.db_state()
            env = self.env_as(self.manager_a, self.store_a)
            try:
                answer = env["member.wallet"].api_topup(
                    self.card.name, amount, new_key(), journal_id=journal
                )
            except REFUSALS:
                self.assertEqual(self.db_state(), before, f"refused {amount!r} wrote")
                return
            self.assertEqual(money(answer["principal"]), money(100) + money(amount))
            self.assertEqual(ledger_problems(self.ledger(self.wallet)), [])
        finally:
            savepoint.close(rollback=True)
            self.env.clear()

    @FUZZ
    @given(move=st.one_of(card_refs, st.just("move")), amount=amounts)
    def test_api_reverse_answers_or_refuses(self, move, amount):
        savepoint = self.isolated()
        try:
            topup = self.wallet.last_move_id
            move_ref = topup.id if move == "move" else move
            before = self.db_state()
            env = self.env_as(self.manager_a, self.store_a)
            try:
                env["member.wallet"].api_reverse(move_ref, new_key(), "fuzz", amount=amount)
            except REFUSALS:
                self.assertEqual(self.db_state(), before, f"refused {move!r} {amount!r} wrote")
                return
            self.assertEqual(ledger_problems(self.ledger(self.wallet)), [])
            self.assertLessEqual(money(self.ledger(self.wallet).balance), money(100))
        finally:
            savepoint.close(rollback=True)
            self.env.clear()

    @settings(FUZZ, max_examples=15)
    @given(
        rows=st.lists(
            st.tuples(
                st.one_of(st.just("card"), card_refs.map(str)),
                amounts.map(lambda value: "" if value is None else str(value)),
                amounts.map(lambda value: "" if value is None else str(value)),
                st.one_of(st.integers(-5, 10**6).map(str), st.text(max_size=5)),
                st.one_of(st.dates().map(str), st.text(max_size=8)),
            ),
            max_size=5,
        ),
        encoding=st.sampled_from(["utf-8", "gb18030"]),
    )
    def test_opening_import_dry_run(self, rows, encoding):
        """The opening-balance import's dry run reads any file: a clear
        refusal or one line a row (good or with its reason), nothing posted."""
        lines = ["Card Number,Principal,Bonus,Points,Points Date"]
        for card, principal, bonus, points, date in rows:
            card = self.card.name if card == "card" else card
            cells = [card, principal, bonus, points, date]
            lines.append(",".join('"{}"'.format(cell.replace('"', '""')) for cell in cells))
        data = ("\n".join(lines) + "\n").encode(encoding, errors="replace")
        savepoint = self.isolated()
        try:
            before = self.db_state()
            env = self.env_as(self.head_office_user, self.store_a)
            try:
                wizard = env["member.opening.import"].create(
                    {
                        "file_data": base64.b64encode(data),
                        "file_name": "opening.csv",
                        "company_id": self.store_a.id,
                    }
                )
                wizard.action_check()
            except REFUSALS:
                self.assertEqual(self.db_state(), before)
                return
            self.assertLessEqual(len(wizard.line_ids), len(rows))
            for line in wizard.line_ids:
                self.assertIn(line.status, ("ok", "error", "already"))
                if line.status == "error":
                    self.assertTrue(line.message)
            self.assertEqual(self.db_state(), before, "a dry run posted")
        finally:
            savepoint.close(rollback=True)
            self.env.clear()

    def test_ledger_state_machine(self):
        case = self
        seen = {"accepted": set(), "refused": set()}

        class WalletMachine(RuleBasedStateMachine):
            """One card's stored value (no bonus: the paid-in value is the
            balance) against its model: ``balance`` and, per posting, what
            is left to reverse (signed)."""

            postings = Bundle("postings")

            def __init__(self):
                super().__init__()
                self.savepoint = case.isolated()
                self.card = case.make_card()
                self.wallet = case.wallet_of(self.card)
                self.balance = Decimal(0)
                self.left = {}
                self.whole = set()  # reversed whole: never again
                self.manager = case.env_as(case.manager_a, case.store_a)

            def teardown(self):
                self.savepoint.close(rollback=True)
                case.env.clear()

            def attempt(self, what, expected_ok, call):
                """Run ``call``; it must succeed iff ``expected_ok``, and a
                refusal writes nothing."""
                before = case.db_state()
                try:
                    result = call()
                except REFUSALS as error:
                    case.assertFalse(expected_ok, f"{what} refused: {error}")
                    case.assertEqual(case.db_state(), before, f"a refused {what} wrote")
                    seen["refused"].add(what)
                    return None
                case.assertTrue(expected_ok, f"{what} accepted, the model refuses it")
                seen["accepted"].add(what)
                return result

            @rule(target=postings, amount=CENTS)
            def top_up(self, amount):
                move, _answer = case.topup(self.card, amount)
                self.balance += amount
                self.left[move.id] = amount
                return move.id

            @rule(target=postings, amount=CENTS)
            def consume(self, amount):
                answer = self.attempt(
                    "consume",
                    amount <= self.balance,
                    lambda: case.consume(self.card, str(amount)),
                )
                if answer is None:
                    return -1
                self.balance -= amount
                self.left[answer["move_id"]] = -amount
                return answer["move_id"]

            @rule(target=postings, amount=CENTS)
            def refund(self, amount):
                wallet = self.wallet.with_env(self.manager)
                result = self.attempt(
                    "refund",
                    amount <= self.balance,
                    lambda: wallet._withdraw(amount, key=new_key(), note="fuzz refund"),
                )
                if result is None:
                    return -1
                self.balance -= amount
                self.left[result[0].id] = -amount
                return result[0].id

            @rule(move_id=consumes(postings))
            def reverse_whole(self, move_id):
                left = self.left.get(move_id, Decimal(0))
                ok = move_id in self.left and move_id not in self.whole and left != 0
                ok = ok and self.balance - left >= 0
                Wallet = self.manager["member.wallet"]
                result = self.attempt(
                    "reverse whole",
                    ok,
                    lambda: Wallet.api_reverse(
                        move_id if move_id > 0 else MISSING_ID, new_key(), "fuzz whole"
                    ),
                )
                if result is not None:
                    self.balance -= left
                    self.left[move_id] = Decimal(0)
                    self.whole.add(move_id)

            @rule(move_id=postings, share=st.sampled_from([10, 50, 100, 150]))
            def reverse_part(self, move_id, share):
                left = self.left.get(move_id, Decimal(0))
                # a share of what is left (above 100: more than is left)
                amount = (abs(left) * share / 100).quantize(Decimal("0.01")) or Decimal("0.01")
                sign = 1 if left > 0 else -1
                ok = move_id in self.left and move_id not in self.whole and left != 0
                ok = ok and amount <= abs(left) and self.balance - sign * amount >= 0
                Wallet = self.manager["member.wallet"]
                result = self.attempt(
                    "reverse part",
                    ok,
                    lambda: Wallet.api_reverse(
                        move_id if move_id > 0 else MISSING_ID,
                        new_key(),
                        "fuzz part",
                        amount=str(amount),
                    ),
                )
                if result is not None:
                    self.balance -= sign * amount
                    self.left[move_id] = left - sign * amount

            @invariant()
            def balance_is_the_ledger_and_the_model(self):
                ledger = case.ledger(self.wallet)
                case.assertEqual(ledger_problems(ledger), [])
                case.assertEqual(ledger.balance, money(self.balance))
                case.assertGreaterEqual(ledger.balance, 0)

        run_state_machine_as_test(WalletMachine, settings=STATEFUL)
        # the examples reached every operation, accepted and refused
        operations = {"consume", "refund", "reverse whole", "reverse part"}
        self.assertEqual(seen["accepted"], operations)
        self.assertEqual(seen["refused"], operations)

    def test_points_state_machine(self):
        seen = {"accepted": set(), "refused": set(), "expired": 0}
        PointsMachine.case, PointsMachine.seen = self, seen
        run_state_machine_as_test(
            PointsMachine, settings=settings(STATEFUL, max_examples=40, stateful_step_count=20)
        )
        # the examples reached every operation, accepted and refused, and
        # points expired
        self.assertEqual(seen["accepted"], {"redeem", "reverse earn", "reverse redemption"})
        self.assertTrue({"redeem", "reverse earn", "reverse nothing"} <= seen["refused"])
        self.assertGreater(seen["expired"], 0)


class PointsMachine(RuleBasedStateMachine):
    """One card's points against a model of its lots: ``{lot id: [earned,
    last valid day, remaining]}``, what each redemption took from which lot,
    and the day (Shanghai). Earning rule: 1 point per yuan; points valid
    one month (rolling). Driven by ``TestWalletFuzz.test_points_state_machine``
    (``case``: that test; ``seen``: what the examples reached)."""

    postings = Bundle("points postings")
    case = None
    seen = None

    def __init__(self):
        super().__init__()
        self.savepoint = self.case.isolated()
        self.clock = freeze_time("2027-01-10 04:00:00")  # noon in Shanghai
        self.frozen = self.clock.start()
        env = self.case.env
        env["member.points.rule"].search([]).active = False
        env["member.points.rule"].create(
            {
                "name": "fuzz 1 per yuan",
                "amount_step": 1,
                "points_per_step": 1,
                "apply_level_multiplier": False,
                "birthday_multiplier": 1,
            }
        )
        if "member.day" in env:  # member_marketing's member days multiply
            env["member.day"].search([]).active = False
        self.case.set_param("points_expiry_policy", "rolling")
        self.case.set_param("points_expiry_months", 1)
        self.card = self.case.make_card()
        self.wallet = self.case.wallet_of(self.card)
        self.day = datetime.date(2027, 1, 10)
        self.lots = {}
        self.taken = {}  # redemption move id: [(lot id, points)]
        self.kinds = {}  # move id: ("earn", points, lot id) or ("redemption", points)
        self.reversed = set()
        self.cashier = self.case.env_as(self.case.cashier_a, self.case.store_a)
        self.manager = self.case.env_as(self.case.manager_a, self.case.store_a)

    def teardown(self):
        self.clock.stop()
        self.savepoint.close(rollback=True)
        self.case.env.clear()

    def attempt(self, what, expected_ok, call):
        before = self.case.db_state()
        try:
            result = call()
        except REFUSALS as error:
            self.case.assertFalse(expected_ok, f"{what} refused: {error}")
            self.case.assertEqual(self.case.db_state(), before, f"a refused {what} wrote")
            self.seen["refused"].add(what)
            return None
        self.case.assertTrue(expected_ok, f"{what} accepted, the model refuses it")
        self.seen["accepted"].add(what)
        return result

    # the model ------------------------------------------------------
    def total(self):
        return sum(lot[2] for lot in self.lots.values())

    def due(self):
        return [i for i, lot in self.lots.items() if lot[2] > 0 and lot[1] < self.day]

    def expire_due(self):
        for lot_id in self.due():
            self.seen["expired"] += 1
            self.lots[lot_id][2] = 0

    def take_fifo(self, points, first=None):
        order = sorted(
            (i for i, lot in self.lots.items() if lot[2] > 0),
            key=lambda i: (i != first, self.lots[i][0], i),
        )
        taken = []
        for lot_id in order:
            if points <= 0:
                break
            take = min(points, self.lots[lot_id][2])
            self.lots[lot_id][2] -= take
            taken.append((lot_id, take))
            points -= take
        return taken

    # the operations -------------------------------------------------
    @rule(target=postings, amount=st.integers(min_value=1, max_value=400))
    def earn(self, amount):
        Lot = self.cashier["member.points.lot"]
        move, answer = Lot._earn(
            self.wallet.with_env(self.cashier),
            amount,
            key=new_key(),
            card=self.card.with_env(self.cashier),
        )
        self.case.assertEqual(answer["points_earned"], amount)
        lot = self.case.env["member.points.lot"].search([("move_id", "=", move.id)])
        self.case.assertEqual(len(lot), 1)
        valid = self.day + relativedelta(months=1) - datetime.timedelta(days=1)
        self.case.assertEqual((lot.date_earned, lot.date_expiry), (self.day, valid))
        self.lots[lot.id] = [self.day, valid, amount]
        self.kinds[move.id] = ("earn", amount, lot.id)
        return move.id

    @rule(target=postings, points=st.integers(min_value=1, max_value=600))
    def redeem(self, points):
        available = self.total() - sum(self.lots[i][2] for i in self.due())
        Lot = self.cashier["member.points.lot"]
        result = self.attempt(
            "redeem",
            points <= available,
            lambda: Lot._redeem(
                self.wallet.with_env(self.cashier),
                points=points,
                key=new_key(),
                card=self.card.with_env(self.cashier),
            ),
        )
        if result is None:
            return -1
        self.expire_due()  # under the same lock, before the spend
        self.taken[result[0].id] = self.take_fifo(points)
        self.kinds[result[0].id] = ("redemption", points)
        return result[0].id

    @rule(move_id=consumes(postings))
    def reverse(self, move_id):
        kind = self.kinds.get(move_id)
        ok = kind is not None and move_id not in self.reversed
        if kind and kind[0] == "earn":
            ok = ok and self.total() >= kind[1]
        Wallet = self.manager["member.wallet"]
        result = self.attempt(
            f"reverse {kind[0] if kind else 'nothing'}",
            ok,
            lambda: Wallet.api_reverse(
                move_id if move_id > 0 else MISSING_ID, new_key(), "fuzz points"
            ),
        )
        if result is None:
            return
        self.reversed.add(move_id)
        if kind[0] == "earn":
            self.take_fifo(kind[1], first=kind[2])
        else:  # the points go back to the lots they came from
            for lot_id, points in self.taken[move_id]:
                self.lots[lot_id][2] += points

    @rule(days=st.sampled_from([1, 2, 15, 30, 31, 45]))
    def days_pass(self, days):
        self.frozen.tick(datetime.timedelta(days=days))
        self.day += datetime.timedelta(days=days)

    @rule()
    def expiry_job(self):
        self.case.env["member.points.lot"]._expire_due()
        self.expire_due()

    @invariant()
    def points_are_the_ledger_the_lots_and_the_model(self):
        ledger = self.case.ledger(self.wallet)
        self.case.assertEqual(ledger_problems(ledger), [])
        self.case.assertEqual(ledger.points, self.total())
        self.case.assertGreaterEqual(ledger.points, 0)
        lots = self.case.env["member.points.lot"].search([("wallet_id", "=", self.wallet.id)])
        lots.invalidate_recordset()
        self.case.assertEqual(
            {lot.id: lot.points_remaining for lot in lots},
            {lot_id: lot[2] for lot_id, lot in self.lots.items()},
        )
