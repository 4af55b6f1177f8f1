"""Bad input is refused with a clear message and nothing is written
(invariant 6): zero, negative, non-numeric, NaN, infinite, too many
decimals, absurd amounts; missing keys, reasons, unknown cards."""

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import WalletCase, new_key

BAD_AMOUNTS = [
    0,
    "0",
    "0.00",
    -5,
    "-5",
    "-0.01",
    "abc",
    "10,5",
    "5 5",
    "0x10",
    float("nan"),
    "NaN",
    float("inf"),
    float("-inf"),
    "Infinity",
    "1.234",
    1.234,
    "0.001",
    1e12,
    "1e12",
    "1e30",
    "1e999999",
    "9" * 400,
    True,
    False,
    None,
    "",
    "   ",
    [10],
    {"amount": 10},
]
# a signed amount is what an adjustment takes: -5 is a deduction, not bad input
BAD_SIGNED_AMOUNTS = [value for value in BAD_AMOUNTS if value not in (-5, "-5", "-0.01")] + [
    "+-5",
    "--5",
]
BAD_POINTS = [
    0,
    "0",
    "abc",
    float("nan"),
    float("inf"),
    "1.5",
    1.5,
    1e12,
    "1e30",
    "99999999999",
    True,
    None,
    "",
    "+-5",
    "--5",
]
CLEAR = (
    "is not an amount",
    "must be greater than zero",
    "more decimals than",
    "above the largest amount",
    "is not a number of points",
    "not a whole number of points",
    "number of points must be greater",
    "more than one operation allows",
)


@tagged("post_install", "-at_install")
class TestWalletBadInput(WalletCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.make_card()
        cls.wallet = cls.wallet_of(cls.card)
        cls.topup(cls.card, 100)
        cls.wallet.with_env(cls.env_as(cls.manager_a, cls.store_a))._adjust(
            "points", "+100", "Welcome", key=new_key()
        )

    def assertRefusedClearly(self, call, values):
        for value in values:
            with (
                self.subTest(value=value),
                self.assertNothingWritten((ValidationError, UserError)) as catcher,
            ):
                call(value)
            message = str(catcher.exception)
            self.assertTrue(any(clear in message for clear in CLEAR), f"{value!r}: {message}")
        self.assertBalances(self.wallet, principal=100, bonus=0, points=100)

    def test_consume(self):
        Wallet = self.env_as(self.cashier_a, self.store_a)["member.wallet"]
        self.assertRefusedClearly(
            lambda value: Wallet.api_consume(self.card.name, value, new_key()), BAD_AMOUNTS
        )
        wallet = self.wallet.with_env(Wallet.env)
        self.assertRefusedClearly(lambda value: wallet._consume(value, key=new_key()), BAD_AMOUNTS)

    def test_what_the_message_quotes(self):
        """A JSON-RPC client may send a mapping or a list as the amount: the
        refusal quotes what was sent, whole."""
        Wallet = self.env_as(self.cashier_a, self.store_a)["member.wallet"]
        for value, quoted in (({"a": 1}, "{'a': 1}"), ([5], "[5]")):
            with (
                self.subTest(value=value),
                self.assertNothingWritten((ValidationError, UserError)) as catcher,
            ):
                Wallet.api_consume(self.card.name, value, new_key())
            self.assertEqual(str(catcher.exception), f"{quoted} is not an amount.")

    def test_topup(self):
        Wallet = self.env_as(self.cashier_a, self.store_a)["member.wallet"]
        self.assertRefusedClearly(
            lambda value: Wallet.api_topup(self.card.name, value, new_key()), BAD_AMOUNTS
        )
        wallet = self.wallet.with_env(Wallet.env)
        self.assertRefusedClearly(lambda value: wallet._topup(value, key=new_key()), BAD_AMOUNTS)

    def test_topup_payment_method(self):
        """The payment method an API client names must be a journal of the
        store: none that does not exist, none of another store (found by
        member_tests' fuzzing: a journal id of -1 reached the database)."""
        Wallet = self.env_as(self.cashier_a, self.store_a)["member.wallet"]
        for journal_id in (-1, 2_000_000_000, True, "1", self.store_b.member_cash_journal_id.id):
            with (
                self.subTest(journal_id=journal_id),
                self.assertNothingWritten(UserError, "Unknown payment method"),
            ):
                Wallet.api_topup(self.card.name, 10, new_key(), journal_id=journal_id)
        journal = self.store_a.member_cash_journal_id
        answer = Wallet.api_topup(self.card.name, 10, new_key(), journal_id=journal.id)
        move = self.env["member.wallet.move"].browse(answer["move_id"])
        self.assertEqual(move.journal_id, journal)
        self.assertBalances(self.wallet, principal=110, bonus=0, points=100)

    def test_withdraw(self):
        wallet = self.wallet.with_env(self.env_as(self.manager_a, self.store_a))
        self.assertRefusedClearly(
            lambda value: wallet._withdraw(value, key=new_key(), note="Refund"), BAD_AMOUNTS
        )

    def test_adjust(self):
        wallet = self.wallet.with_env(self.env_as(self.manager_a, self.store_a))
        for asset in ("principal", "bonus"):
            with self.subTest(asset=asset):
                self.assertRefusedClearly(
                    lambda value, asset=asset: wallet._adjust(asset, value, "Fix", key=new_key()),
                    BAD_SIGNED_AMOUNTS,
                )
        self.assertRefusedClearly(
            lambda value: wallet._adjust("points", value, "Fix", key=new_key()), BAD_POINTS
        )

    def test_largest_amount_per_operation(self):
        Wallet = self.env_as(self.cashier_a, self.store_a)["member.wallet"]
        self.assertRefusedClearly(
            lambda value: Wallet.api_topup(self.card.name, value, new_key()), ["100000.01"]
        )
        Wallet.api_topup(self.card.name, 100000, new_key())
        self.set_param("max_amount", "500")
        with self.assertNothingWritten(ValidationError, message="above the largest amount"):
            Wallet.api_consume(self.card.name, "500.01", new_key())
        Wallet.api_consume(self.card.name, 500, new_key())
        self.assertBalances(self.wallet, principal=100000 + 100 - 500)

    def test_wizard_amounts(self):
        env = self.env_as(self.cashier_a, self.store_a)
        for value in ("0", "-5", "abc", "nan", "inf", "1.234", "1e30", ""):
            wizard = env["member.wallet.operation"].create(
                {
                    "card_id": self.card.id,
                    "operation": "consume",
                    "amount": value or " ",
                }
            )
            with self.subTest(value=value), self.assertNothingWritten((ValidationError, UserError)):
                wizard.action_confirm()

    def test_missing_key_reason_or_card(self):
        cashier = self.env_as(self.cashier_a, self.store_a)["member.wallet"]
        manager_env = self.env_as(self.manager_a, self.store_a)
        wallet = self.wallet.with_env(manager_env)
        for key in (None, False, ""):
            with (
                self.subTest(key=key),
                self.assertNothingWritten(UserError, message="idempotency key"),
            ):
                cashier.api_consume(self.card.name, 10, key)
            with (
                self.subTest(key=key),
                self.assertNothingWritten(UserError, message="idempotency key"),
            ):
                cashier.api_topup(self.card.name, 10, key)
        for reason in (None, "", "   "):
            with (
                self.subTest(reason=reason),
                self.assertNothingWritten(UserError, message="reason"),
            ):
                wallet._adjust("principal", "+10", reason, key=new_key())
            with (
                self.subTest(reason=reason),
                self.assertNothingWritten(UserError, message="reason"),
            ):
                wallet._withdraw(10, key=new_key(), note=reason)
        with self.assertNothingWritten(UserError, message="Unknown balance"):
            wallet._adjust("gold", "+10", "Fix", key=new_key())
        for card_ref, message in (
            ("MW000000000", "No member card matches"),
            (-1, "Unknown card"),
            (10**9, "Unknown card"),
            ("", "Nothing was read"),
            ("!!!", "not a card number"),
        ):
            with self.subTest(card=card_ref), self.assertNothingWritten(UserError, message=message):
                cashier.api_consume(card_ref, 10, new_key())
        with self.assertNothingWritten(UserError, message="Unknown posting"):
            manager_env["member.wallet"].api_reverse(10**9, new_key(), "Fix")
        self.assertBalances(self.wallet, principal=100, points=100)
