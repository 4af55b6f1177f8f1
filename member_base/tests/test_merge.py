import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import MemberChainCase


@tagged("post_install", "-at_install", "member_base")
class TestMerge(MemberChainCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the same person registered twice, in two stores
        cls.keep = cls.create_member(name="Liu Yang", user=cls.cashier_a, member_mobile=False)
        cls.keep_card = cls.issue_card(cls.keep, user=cls.cashier_a)
        cls.dup = cls.create_member(
            name="Liu Yang (B)", user=cls.cashier_b, member_mobile="13955556666"
        )
        cls.dup_card = cls.issue_card(cls.dup, card_type=cls.type_gold, user=cls.cashier_b)
        cls.dup_card._do_operation("freeze", reason="Found a duplicate")
        cls.env_manager = cls.env_as(cls.manager_a)

    def log_rows(self):
        self.env.flush_all()
        self.env.cr.execute("SELECT * FROM member_operation_log ORDER BY id")
        return self.env.cr.fetchall()

    def test_merge_wizard(self):
        before_rows = self.log_rows()
        keep_number = self.keep.member_number
        dup_number = self.dup.member_number
        self.assertEqual(self.dup.member_level_id, self.level_gold)
        self.assertEqual(self.keep.member_level_id, self.level_basic)
        wizard = (
            self.env_manager["member.merge"]
            .with_context(active_model="res.partner", active_ids=[self.dup.id, self.keep.id])
            .create({"reason": "Same person, same ID card"})
        )
        self.assertEqual(wizard.partner_ids, self.keep | self.dup)
        self.assertEqual(wizard.dst_partner_id, self.keep, "the oldest member is kept by default")
        wizard.action_merge()

        self.env.invalidate_all()
        self.assertEqual(self.keep.member_number, keep_number)
        self.assertTrue(self.keep.active)
        self.assertFalse(self.dup.active)
        self.assertEqual(self.dup.member_merged_into_id, self.keep)
        self.assertEqual(self.dup.member_number, dup_number, "the archived record keeps its own")
        self.assertEqual(self.keep.member_card_ids, self.keep_card | self.dup_card)
        self.assertEqual(self.dup_card.partner_id, self.keep)
        self.assertEqual(self.dup_card.state, "frozen", "cards keep their state")
        self.assertEqual(self.keep.member_mobile, "+8613955556666", "the mobile moves over")
        self.assertEqual(self.keep.member_level_id, self.level_gold, "the higher level is kept")
        # the log: every earlier line untouched, plus exactly one merge line
        after_rows = self.log_rows()
        self.assertEqual(after_rows[: len(before_rows)], before_rows)
        self.assertEqual(len(after_rows), len(before_rows) + 1)
        line = self.log_lines(operation="merge")
        self.assertLogLine(
            line, "merge", self.manager_a, self.store_a, reason="Same person, same ID card"
        )
        self.assertEqual(line.partner_id, self.keep)
        self.assertEqual(line.member_number, keep_number)
        old, new = json.loads(line.old_values), json.loads(line.new_values)
        self.assertEqual(old["member_number"], dup_number)
        self.assertEqual(old["cards"], [self.dup_card.name])
        self.assertEqual(new["member_number"], keep_number)
        self.assertEqual(sorted(new["cards"]), sorted([self.keep_card.name, self.dup_card.name]))
        # the history of the merged member is reachable from the member kept
        dup_lines = self.log_lines(partner_id=self.dup.id)
        self.assertEqual(len(dup_lines), 3, "register, issue, freeze: still on the old member")
        keep_lines = self.log_lines(partner_id=self.keep.id)
        self.assertEqual(keep_lines.mapped("operation"), ["register", "issue", "merge"])
        self.env.invalidate_all()
        self.assertEqual(
            self.keep.with_env(self.env_as(self.head_office_user)).member_log_count,
            len(keep_lines) + len(dup_lines),
        )
        # store A's staff count only store A's lines (the duplicate's were store B's)
        self.env.invalidate_all()
        self.assertEqual(self.keep.with_env(self.env_as(self.cashier_a)).member_log_count, 3)
        # the merged card is found by the mobile of the member kept
        found = self.env["member.card"]._lookup("13955556666", usable=False)
        self.assertIn(found, self.keep.member_card_ids)

    def test_merge_refusals(self):
        Partner = self.env_manager["res.partner"]
        contact = self.env["res.partner"].create({"name": "Supplier contact"})
        third = self.create_member(user=self.cashier_b, member_mobile=False)
        cases = {
            "into itself": (self.keep, self.keep, "itself"),
            "non-member": (contact, self.keep, "Only active members"),
            "no reason": (self.dup, self.keep, None),
        }
        for label, (sources, destination, message) in cases.items():
            with self.subTest(case=label), self.assertRefused(UserError, message=message):
                Partner._member_merge(sources, destination, "" if message is None else "dup")
        Partner._member_merge(third, self.keep, "duplicate")
        self.assertFalse(third.active)
        with self.assertRefused(UserError, message="Only active members"):
            Partner._member_merge(third, self.dup, "again")
        with self.assertRefused(UserError, message="Only active members"):
            Partner._member_merge(self.dup, third, "again")
        # even brought back from the archive, a merged member stays merged
        third.sudo().active = True
        with self.assertRefused(UserError, message="already merged"):
            Partner._member_merge(third, self.dup, "again")
        # cashiers may not merge
        with self.assertRefused(UserError, message="managers"):
            self.env_as(self.cashier_a)["res.partner"]._member_merge(self.dup, self.keep, "x")
        with self.assertRefused(AccessError):
            self.env_as(self.cashier_a)["member.merge"].create(
                {
                    "partner_ids": [(6, 0, (self.dup | self.keep).ids)],
                    "dst_partner_id": self.keep.id,
                    "reason": "x",
                }
            )

    def test_odoo_partner_merge_refuses_members(self):
        Wizard = self.env["base.partner.merge.automatic.wizard"]
        contact = self.env["res.partner"].create({"name": "Plain contact"})
        for partners in (self.keep | self.dup, self.keep | contact):
            with (
                self.subTest(partners=partners.mapped("name")),
                self.assertRefused(UserError, message="Merge Members"),
            ):
                Wizard._merge(partners.ids, partners[0])
        # plain contacts still merge the Odoo way
        other = self.env["res.partner"].create({"name": "Plain contact"})
        Wizard._merge((contact | other).ids, contact)
        self.assertFalse(other.exists())
