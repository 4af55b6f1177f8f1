import datetime

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import MemberChainCase


@tagged("post_install", "-at_install", "member_base")
class TestBadInput(MemberChainCase):
    """Bad input is refused with a clear message and nothing is written
    (``assertRefused`` compares the member tables before and after)."""

    def assertConstraintRefused(self, model, attempt, message):
        """Refused by an SQL constraint, whose own message the user sees."""
        with (
            mute_logger("odoo.sql_db"),
            self.assertRefused(IntegrityError, strict=False) as catcher,
        ):
            attempt()
        shown = self.env[model]._sql_error_to_message(catcher.exception)
        self.assertIn(message, shown)
        self.assertNotIn("constraint", shown.lower(), "the constraint's message, not a generic one")

    def test_malformed_card_numbers(self):
        member = self.create_member()
        for number in ("AB1", "12", "8" * 33, "卡12345678", "12#45678", "AB_12345"):
            with (
                self.subTest(number=number),
                self.assertRefused((ValidationError, UserError), strict=False),
            ):
                self.issue_card(member, number=number)
        # the type's own format: 62 and 14 digits
        for number in ("6300000000000000", "620000000000001", "62000000000000001"):
            with (
                self.subTest(number=number),
                self.assertRefused(
                    ValidationError, strict=False, message="does not match the format"
                ),
            ):
                self.issue_card(member, card_type=self.type_digits, number=number)
        card = self.issue_card(member, card_type=self.type_digits, number="62-0000-0000-0000-01")
        self.assertEqual(card.name, "6200000000000001")

    def test_card_without_required_holder(self):
        with self.assertRefused(UserError, message="need a registered member"):
            self.issue_card(card_type=self.type_personal)
        card = self.env_as(self.cashier_a)["member.card"].create({"type_id": self.type_personal.id})
        self.assertEqual(card.state, "draft", "a pre-printed card may wait for its holder")
        with self.assertRefused(
            ValidationError, cards=card, strict=False, message="need a registered holder"
        ):
            card._do_operation("activate")
        # a non-member contact cannot hold a card
        contact = self.env["res.partner"].create({"name": "Not a member"})
        with self.assertRefused(ValidationError, strict=False, message="not a member"):
            self.make_card(state="draft", partner=contact)
        # a supplementary card needs its main card
        with self.assertRefused(ValidationError, strict=False, message="parent card"):
            self.issue_card(self.create_member(), card_type=self.type_supplementary)

    def test_expiry_before_issue(self):
        member = self.create_member()
        yesterday = fields.Date.subtract(self.store_a._member_local_today(), days=1)
        self.assertConstraintRefused(
            "member.card",
            lambda: self.issue_card(member, card_type=self.type_anonymous, expiry_date=yesterday),
            "cannot expire before it is issued",
        )

    def test_unknown_operation(self):
        card = self.make_card(state="active").with_env(self.env_as(self.manager_a))
        for operation in ("teleport", "", "FREEZE", "unlink"):
            with (
                self.subTest(operation=operation),
                self.assertRefused(UserError, cards=card, message="Unknown card operation"),
            ):
                card._do_operation(operation, reason="x")
        with self.assertRefused(ValueError):
            card.env["member.card.operation"].create(
                {"card_id": card.id, "operation": "teleport", "reason": "x"}
            )

    def test_card_type_amounts_and_rules(self):
        Type = self.env_as(self.admin_user)["member.card.type"]
        message = "cannot be negative"
        for field in ("issue_fee", "deposit", "balance_ceiling", "validity_months"):
            with self.subTest(field=field):
                self.assertConstraintRefused(
                    "member.card.type",
                    lambda field=field: Type.create({"name": f"Bad {field}", field: -5}),
                    message,
                )
        self.assertConstraintRefused(
            "member.card.type",
            lambda: self.type_personal.with_env(Type.env).write({"issue_fee": -0.01}),
            message,
        )
        for months in (1, 12, 35):
            with (
                self.subTest(months=months),
                self.assertRefused(ValidationError, strict=False, message="at least 36 months"),
            ):
                Type.create(
                    {"name": "Short gift card", "kind": "anonymous", "validity_months": months}
                )
        with self.assertRefused(ValidationError, strict=False, message="at least 36 months"):
            self.type_anonymous.with_env(Type.env).validity_months = 24
        with self.assertRefused(ValidationError, strict=False, message="real name"):
            Type.create(
                {
                    "name": "Named gift card",
                    "kind": "anonymous",
                    "validity_months": 36,
                    "real_name_required": True,
                }
            )
        with self.assertRefused(ValidationError, strict=False, message="regular expression"):
            Type.create({"name": "Broken format", "number_pattern": "^([0-9"})
        # the rules' boundaries are accepted
        Type.create({"name": "Three-year gift card", "kind": "anonymous", "validity_months": 36})
        Type.create({"name": "Forever gift card", "kind": "anonymous", "validity_months": 0})

    def test_levels(self):
        Level = self.env_as(self.admin_user)["member.level"]
        for discount in (-1, 100, 150):
            with self.subTest(discount=discount):
                self.assertConstraintRefused(
                    "member.level",
                    lambda discount=discount: Level.create({"name": "Bad", "discount": discount}),
                    "discount",
                )
        with self.assertRefused(ValidationError, strict=False, message="cannot be negative"):
            Level.create({"name": "Bad minutes", "free_timed_minutes": -10})

    def test_lunar_birthday(self):
        for month, day in ((2, 31), (2, 0), (13, 1), (0, 10), (-1, 5)):
            with (
                self.subTest(month=month, day=day),
                self.assertRefused(ValidationError, strict=False, message="a day from 1 to 30"),
            ):
                self.create_member(
                    birthday_calendar="lunar", birthday_lunar_month=month, birthday_lunar_day=day
                )
        member = self.create_member(
            birthday_calendar="lunar", birthday_lunar_month=8, birthday_lunar_day=15
        )
        with self.assertRefused(ValidationError, strict=False):
            member.birthday_lunar_day = 45

    def test_absurd_birthday(self):
        today = datetime.date.today()
        for birthday in (
            today + datetime.timedelta(days=1),
            datetime.date(1850, 1, 1),
            datetime.date(today.year + 20, 1, 1),
        ):
            with (
                self.subTest(birthday=birthday),
                self.assertRefused(ValidationError, strict=False, message="not plausible"),
            ):
                self.create_member(birthday=birthday)
        member = self.create_member(birthday=datetime.date(1990, 5, 1))
        with self.assertRefused(ValidationError, strict=False, message="not plausible"):
            member.birthday = datetime.date(1800, 5, 1)

    def test_invalid_mobile(self):
        for mobile in (
            "12345",
            "abc",
            "+86 123",
            "1381234567",
            "23812345678",
            "138-1234-567x",
            "+0 12345678",
        ):
            with (
                self.subTest(mobile=mobile),
                self.assertRefused(ValidationError, message="is not a valid mobile number"),
            ):
                self.create_member(member_mobile=mobile)
        member = self.create_member()
        with self.assertRefused(ValidationError, message="is not a valid mobile number"):
            member.member_mobile = "call me"

    def test_bad_pin_at_issue(self):
        member = self.create_member()
        for pin in ("12", "abcd", "123456789", "12 34"):
            with (
                self.subTest(pin=pin),
                self.assertRefused(UserError, strict=False, message="4 to 8 digits"),
            ):
                self.issue_card(member, pin=pin)

    def test_self_referral(self):
        member = self.create_member()
        with self.assertRefused(ValidationError, strict=False, message="refer themselves"):
            member.member_referrer_id = member
