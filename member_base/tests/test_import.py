from collections import defaultdict

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import MemberChainCase

FIELDS = ["name", "member_mobile", "member_card_ids/name", "member_card_ids/type_id"]


@tagged("post_install", "-at_install", "member_base")
class TestMemberImport(MemberChainCase):
    """Members with their cards through Odoo's import (``load``), as the
    Members menu opens it (``default_is_member``)."""

    def importer(self, user=None):
        return self.env_as(user or self.manager_a)["res.partner"].with_context(
            import_file=True, default_is_member=True, tracking_disable=True
        )

    def test_import_members_with_cards(self):
        before = self.log_count()
        result = self.importer().load(
            FIELDS,
            [
                ["Import One", "13700000001", "6600 0001", "MBT Personal"],
                ["Import Two", "+86 137-0000-0002", "6600-0002", "MBT Anonymous"],
                ["Import Three", "", "66000003", "MBT Personal"],
            ],
        )
        self.assertEqual(result["messages"], [])
        members = self.env["res.partner"].browse(result["ids"])
        self.assertEqual(members.mapped("name"), ["Import One", "Import Two", "Import Three"])
        self.assertEqual(
            members.mapped("member_mobile"), ["+8613700000001", "+8613700000002", False]
        )
        numbers = members.mapped("member_number")
        self.assertTrue(all(numbers))
        self.assertEqual(len(set(numbers)), 3)
        for member in members:
            with self.subTest(member=member.name):
                self.assertTrue(member.is_member)
                self.assertEqual(member.member_source, "import")
                self.assertEqual(member.member_register_company_id, self.store_a)
                card = member.member_card_ids
                self.assertEqual(len(card), 1)
                self.assertEqual(card.state, "active")
                self.assertEqual(card.issue_company_id, self.store_a)
                self.assertEqual(
                    sorted(self.log_lines(partner_id=member.id).mapped("operation")),
                    ["import", "register"],
                )
                line = self.log_lines(card_id=card.id)
                self.assertEqual(line.operation, "import")
                self.assertEqual(line.user_id, self.manager_a)
                self.assertEqual(line.company_id, self.store_a)
                self.assertEqual(line.member_number, member.member_number)
        cards = members.member_card_ids
        self.assertEqual(sorted(cards.mapped("name")), ["66000001", "66000002", "66000003"])
        anonymous_type_card = cards.filtered(lambda c: c.type_id == self.type_anonymous)
        self.assertEqual(
            anonymous_type_card.expiry_date,
            anonymous_type_card._default_expiry(),
            "validity from the card type",
        )
        self.assertEqual(self.log_count(), before + 6)
        # imported cards work at once, in every store
        self.assertEqual(
            self.env_as(self.cashier_b)["member.card"]._lookup("13700000001"),
            cards.filtered(lambda c: c.name == "66000001"),
        )

    def test_bad_rows_are_reported_and_nothing_is_written(self):
        existing = self.issue_card(self.create_member(), number="66009999")
        before = self.db_snapshot()
        with mute_logger("odoo.sql_db"):
            result = self.importer().load(
                FIELDS,
                [
                    ["Good Row", "13700000011", "66000011", "MBT Personal"],
                    ["Bad Mobile", "1370000", "66000012", "MBT Personal"],
                    ["Duplicate Card", "13700000013", existing.name, "MBT Personal"],
                    ["Bad Number", "13700000014", "66-#", "MBT Personal"],
                ],
            )
        self.assertFalse(result["ids"])
        by_row = defaultdict(list)
        for message in result["messages"]:
            self.assertEqual(message["type"], "error")
            by_row[message["record"]].append(message["message"])
        self.assertIn("1370000 is not a valid mobile number.", by_row[1])
        self.assertTrue(any(existing.name in text for text in by_row[2]), by_row[2])
        self.assertTrue(any("does not match the format" in text for text in by_row[3]), by_row[3])
        # Odoo repeats the first error of the failed batch on its first row;
        # the good row has no error of its own
        own_errors = set(by_row[0]) - {text for row in (1, 2, 3) for text in by_row[row]}
        self.assertFalse(own_errors)
        self.assertEqual(self.db_snapshot(), before)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Good Row")]))

    def test_import_as_cashier_cannot_activate_cards_directly(self):
        """The import activates cards itself; a column cannot set a state."""
        with mute_logger("odoo.sql_db"):
            result = self.importer(self.cashier_a).load(
                [*FIELDS, "member_card_ids/state"],
                [["Sneaky", "13700000021", "66000021", "MBT Personal", "closed"]],
            )
        self.assertFalse(result["ids"])
        self.assertTrue([m for m in result["messages"] if m["type"] == "error"])
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Sneaky")]))
