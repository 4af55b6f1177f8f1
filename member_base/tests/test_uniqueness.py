import threading
import uuid
from unittest.mock import patch

from psycopg2 import IntegrityError
from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, api
from odoo.exceptions import ValidationError
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger

from .common import MemberChainCase


@tagged("post_install", "-at_install", "member_base")
class TestUniqueness(MemberChainCase):
    """Numbers, chips and mobiles are unique across the whole chain, with a
    message a cashier understands."""

    def assertDuplicateRefused(self, model, create, message):
        """Refused with a clear message: the Python check names the duplicate
        before the insert; the unique constraint guards concurrent inserts."""
        with (
            mute_logger("odoo.sql_db"),
            self.assertRefused((IntegrityError, ValidationError), strict=False) as catcher,
        ):
            create()
        if isinstance(catcher.exception, IntegrityError):
            self.assertEqual(self.env[model]._sql_error_to_message(catcher.exception), message)
        else:
            self.assertIn("already", str(catcher.exception))

    def test_card_number(self):
        self.issue_card(self.create_member(), number="AB12-CD34", user=self.cashier_a)
        message = "This card number is already used by another card of the chain."
        for number in ("AB12CD34", "ab12cd34", " ab12 cd34 ", "AB-12-CD-34"):
            with self.subTest(number=number):
                self.assertDuplicateRefused(
                    "member.card",
                    lambda number=number: self.issue_card(
                        self.create_member(user=self.cashier_b), number=number, user=self.cashier_b
                    ),
                    message,
                )
        # also through a plain create, in draft, and across card types
        self.assertDuplicateRefused(
            "member.card",
            lambda: self.make_card(state="draft", card_type=self.type_anonymous, name="ab12cd34"),
            message,
        )

    def test_chip_uid(self):
        self.issue_card(self.create_member(), card_type=self.type_gold, chip_uid="04A1B2C3")
        for uid in ("04:a1:b2:c3", "04 A1 B2 C3", "04a1b2c3"):
            with self.subTest(uid=uid):
                self.assertDuplicateRefused(
                    "member.card",
                    lambda uid=uid: self.issue_card(
                        self.create_member(user=self.cashier_b),
                        card_type=self.type_gold,
                        chip_uid=uid,
                        user=self.cashier_b,
                    ),
                    "This chip UID is already registered on another card.",
                )

    def test_member_number(self):
        member = self.create_member()
        self.assertTrue(member.member_number)
        other = self.create_member(user=self.cashier_b)
        self.assertNotEqual(other.member_number, member.member_number)
        message = "This member number is already used by another member of the chain."
        self.assertDuplicateRefused(
            "res.partner",
            lambda: self.create_member(user=self.cashier_b, member_number=member.member_number),
            message,
        )
        self.assertDuplicateRefused(
            "res.partner",
            lambda: other.with_env(self.env_as(self.manager_b)).write(
                {"member_number": member.member_number}
            ),
            message,
        )

    MOBILE_TAKEN = "This mobile number already belongs to another active member."

    def assertMobileRefused(self, attempt, taken_by=None):
        """A duplicate mobile is refused: by the friendly check (naming the
        member who has it) or by the unique index (its message)."""
        with (
            mute_logger("odoo.sql_db"),
            self.assertRefused((ValidationError, IntegrityError), strict=False) as catcher,
        ):
            attempt()
        error = catcher.exception
        if isinstance(error, IntegrityError):
            self.assertEqual(
                self.env["res.partner"]._sql_error_to_message(error), self.MOBILE_TAKEN
            )
        else:
            self.assertIn("already belongs to member", str(error))
            if taken_by:
                self.assertIn(taken_by.member_number, str(error))

    def test_mobile(self):
        first = self.create_member(member_mobile="13812345678")
        self.assertEqual(first.member_mobile, "+8613812345678")
        for mobile in (
            "+86 138-1234-5678",
            "138 1234 5678",
            "0086-13812345678",
            "8613812345678",
            "１３８１２３４５６７８",
        ):
            with self.subTest(mobile=mobile):
                self.assertMobileRefused(
                    lambda mobile=mobile: self.create_member(
                        user=self.cashier_b, member_mobile=mobile
                    ),
                    taken_by=first,
                )
        second = self.create_member(user=self.cashier_b)
        self.assertMobileRefused(
            lambda: second.with_env(self.env_as(self.cashier_b)).write(
                {"member_mobile": "+86 138 1234 5678"}
            ),
            taken_by=first,
        )
        # the index itself refuses it when the friendly check is bypassed
        self.assertDuplicateRefused(
            "res.partner",
            lambda: self.env.cr.execute(
                "UPDATE res_partner SET member_mobile = %s WHERE id = %s",
                [first.member_mobile, second.id],
            ),
            self.MOBILE_TAKEN,
        )

    def test_mobile_free_again_when_member_archived(self):
        first = self.create_member(member_mobile="13812340000")
        first.with_env(self.env_as(self.manager_a)).active = False
        second = self.create_member(member_mobile="+86 138 1234 0000", user=self.cashier_b)
        self.assertEqual(second.member_mobile, first.member_mobile)
        self.assertMobileRefused(
            lambda: first.with_env(self.env_as(self.manager_a)).write({"active": True}),
            taken_by=second,
        )
        # a contact who is not a member may share it, until they become a member
        contact = self.env_as(self.cashier_a)["res.partner"].create(
            {"name": "Not a member", "member_mobile": "13812340000"}
        )
        self.assertFalse(contact.is_member)
        self.assertEqual(contact.member_mobile, "+8613812340000")
        self.assertMobileRefused(lambda: contact.write({"is_member": True}), taken_by=second)


@tagged("post_install", "-at_install", "member_base")
class TestConcurrentUniqueness(BaseCase):
    """Two transactions insert the same value at the same moment, each on
    its own cursor and committing: exactly one wins, chain-wide."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    def _cleanup(self, model, ids):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            column = "card_id" if model == "member.card" else "partner_id"
            # the operation log is append-only through the ORM
            cr.execute(f"DELETE FROM member_operation_log WHERE {column} IN %s", [tuple(ids)])
            env[model].browse(ids).exists().unlink()

    def race(self, model, values_list, precheck_domain):
        """Two threads: each checks that nothing matches ``precheck_domain``
        (taking its snapshot), waits for the other, then creates ``model``
        with its values and commits. Returns the outcome of each thread: the
        id created, or the exception."""
        barrier = threading.Barrier(len(values_list))
        outcomes = [None] * len(values_list)

        def run(index):
            for attempt in range(5):
                try:
                    with self.registry.cursor() as cr:
                        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
                        self.assertFalse(env[model].search(precheck_domain))
                        if attempt == 0:
                            barrier.wait(timeout=20)
                        record = env[model].create(values_list[index])
                        env.flush_all()
                        record_id = record.id
                    outcomes[index] = record_id  # committed
                    self.addCleanup(self._cleanup, model, [record_id])
                    return
                except SerializationFailure:
                    continue  # REPEATABLE READ: try again on a new snapshot
                except (IntegrityError, ValidationError) as error:
                    outcomes[index] = error
                    return
                except Exception as error:  # noqa: BLE001 - reported by the test
                    outcomes[index] = error
                    return

        # The test runner holds the registry lock; threads opening an
        # environment would wait for it (the registry is loaded already).
        with mute_logger("odoo.sql_db"), patch.object(Registry, "_lock", DummyRLock()):
            threads = [threading.Thread(target=run, args=(i,)) for i in range(len(values_list))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        self.assertFalse(any(thread.is_alive() for thread in threads))
        return outcomes

    def assertOneWins(self, outcomes, model, domain):
        created = [outcome for outcome in outcomes if isinstance(outcome, int)]
        refused = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
        self.assertEqual(len(created), 1, f"exactly one insert commits: {outcomes}")
        self.assertEqual(len(refused), 1, f"the other is refused: {outcomes}")
        self.assertIsInstance(refused[0], (IntegrityError, ValidationError))
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.assertEqual(env[model].with_context(active_test=False).search(domain).ids, created)
        return refused[0]

    def test_same_card_number(self):
        suffix = uuid.uuid4().int % 10**8
        number = f"77{suffix:08d}"
        with self.registry.cursor() as cr:
            type_id = api.Environment(cr, SUPERUSER_ID, {}).ref("member_base.card_type_personal").id
        values = [
            {"name": f"{number[:4]} {number[4:]}", "type_id": type_id},
            {"name": f"{number[:4]}-{number[4:]}".lower(), "type_id": type_id},
        ]
        domain = [("name", "=", number)]
        outcomes = self.race("member.card", values, domain)
        error = self.assertOneWins(outcomes, "member.card", domain)
        if isinstance(error, IntegrityError):
            self.assertEqual(error.diag.constraint_name, "member_card_name_unique")

    def test_same_member_mobile(self):
        mobile = f"1370{uuid.uuid4().int % 10**7:07d}"
        values = [
            {"name": "Racer One", "is_member": True, "member_mobile": mobile},
            {
                "name": "Racer Two",
                "is_member": True,
                "member_mobile": f"+86 {mobile[:3]}-{mobile[3:7]}-{mobile[7:]}",
            },
        ]
        domain = [("member_mobile", "=", "+86" + mobile)]
        outcomes = self.race("res.partner", values, domain)
        error = self.assertOneWins(outcomes, "res.partner", domain)
        if isinstance(error, IntegrityError):
            self.assertEqual(error.diag.constraint_name, "res_partner_member_mobile_unique")

    def test_same_member_number(self):
        number = f"RACE{uuid.uuid4().int % 10**8:08d}"
        values = [
            {"name": "Racer Three", "is_member": True, "member_number": number},
            {"name": "Racer Four", "is_member": True, "member_number": number},
        ]
        domain = [("member_number", "=", number)]
        outcomes = self.race("res.partner", values, domain)
        self.assertOneWins(outcomes, "res.partner", domain)
