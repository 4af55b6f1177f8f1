import json

from odoo import fields
from odoo.tests import tagged

from .common import FORGED_CONTEXT, RPC_CHANNELS, MemberChainHttpCase


@tagged("post_install", "-at_install", "member_base")
class TestForgedRpc(MemberChainHttpCase):
    """A client of any role, over the web client's JSON-RPC and over
    ``/json/2``, sending every capability flag it can think of in its
    context, cannot change a card's state, PIN, validity or holder, nor the
    operation log: only the card operations do, after their checks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.member = cls.create_member(name="RPC Member")
        cls.other_member = cls.create_member(name="RPC Other Member")
        cls.card = cls.issue_card(cls.member, pin="2468")
        cls.card._do_operation("freeze", reason="Suspicious use")
        cls.other_card = cls.issue_card(cls.other_member)
        cls.log_line = cls.env["member.operation.log"].search(
            [("card_id", "=", cls.card.id), ("operation", "=", "freeze")]
        )

    def test_fixture(self):
        self.assertEqual(self.card.state, "frozen")
        self.assertTrue(self.card.has_pin)
        self.assertEqual(len(self.log_line), 1)

    def test_card_protected_fields(self):
        later = fields.Date.to_string(fields.Date.add(fields.Date.today(), years=30))
        for vals in (
            {"state": "active"},
            {"state": "closed"},
            {"pin_hash": "$pbkdf2-sha512$forged"},
            {"expiry_date": later},
            {"replaced_by_id": self.other_card.id},
            {"replaces_id": self.other_card.id},
            {"type_id": self.type_gold.id},
            {"partner_id": self.other_member.id},
            {"parent_id": self.other_card.id},
            {"issue_company_id": self.store_b.id},
            {"name": "FORGED0001"},
            {"state": "active", "note": "unfrozen at the till"},
        ):
            self.assertForgedWritesRefused("member.card", self.card.id, vals)
        self.assertEqual(self.card.state, "frozen")
        self.assertTrue(self.card._check_pin("2468"))

    def test_card_created_issued(self):
        later = fields.Date.to_string(fields.Date.add(fields.Date.today(), years=30))
        base = {"type_id": self.type_personal.id, "partner_id": self.other_member.id}
        for vals in (
            {"state": "active"},
            {"pin_hash": "$pbkdf2-sha512$forged"},
            {"expiry_date": later},
            {"replaces_id": self.card.id},
        ):
            self.assertForgedCreateRefused("member.card", {**base, **vals})

    def test_issued_card_not_deleted(self):
        self.assertForgedUnlinkRefused("member.card", self.card.id)

    def test_operation_log(self):
        self.assertForgedWritesRefused(
            "member.operation.log", self.log_line.id, {"reason": "nothing happened"}
        )
        self.assertForgedWritesRefused(
            "member.operation.log", self.log_line.id, {"operation": "unfreeze"}
        )
        self.assertForgedUnlinkRefused("member.operation.log", self.log_line.id)
        self.assertForgedCreateRefused(
            "member.operation.log",
            {
                "operation": "unfreeze",
                "user_id": self.manager_a.id,
                "company_id": self.store_a.id,
                "card_id": self.card.id,
                "reason": "forged approval",
            },
        )

    def test_what_is_allowed_goes_through(self):
        """The channels work: what a role may do, it does over both (so the
        refusals above are the guards', not a broken call)."""
        for channel in RPC_CHANNELS:
            with self.subTest(channel=channel):
                note = f"Prefers paper slips ({channel})"
                ok, answer = self.rpc(
                    channel,
                    "cashier_a",
                    "member.card",
                    "write",
                    ids=[self.other_card.id],
                    context={**FORGED_CONTEXT, "allowed_company_ids": self.store_a.ids},
                    vals={"note": note},
                )
                self.assertTrue(ok, answer)
                self.other_card.invalidate_recordset()
                self.assertEqual(self.other_card.note, note)
                ok, answer = self.rpc(
                    channel,
                    "auditor",
                    "member.card",
                    "read",
                    ids=[self.card.id],
                    fields=["state"],
                )
                self.assertTrue(ok, answer)
                self.assertEqual(answer[0]["state"], "frozen")

    def test_operation_over_rpc_is_checked_and_logged(self):
        """The way to unfreeze over RPC is the operation: refused to a
        cashier whatever the context, done and logged for a manager."""
        before = self.log_count(card_id=self.card.id)
        for role, allowed in (("cashier_a", False), ("manager_a", True)):
            with self.subTest(role=role):
                context = {**FORGED_CONTEXT, "allowed_company_ids": self.store_a.ids}
                ok, wizard_id = self.rpc(
                    "json2",
                    role,
                    "member.card.operation",
                    "create",
                    context=context,
                    vals_list=[
                        {"card_id": self.card.id, "operation": "unfreeze", "reason": "Cleared"}
                    ],
                )
                self.assertTrue(ok, wizard_id)
                ok, answer = self.rpc(
                    "json2",
                    role,
                    "member.card.operation",
                    "action_confirm",
                    ids=wizard_id,
                    context=context,
                )
                self.assertEqual(ok, allowed, json.dumps(answer))
                self.card.invalidate_recordset()
                self.assertEqual(self.card.state, "active" if allowed else "frozen")
        self.assertEqual(self.log_count(card_id=self.card.id), before + 1)
        self.assertLogLine(
            self.log_lines(card_id=self.card.id, operation="unfreeze"),
            "unfreeze",
            self.manager_a,
            self.store_a,
            before={"state": "frozen"},
            after={"state": "active"},
            reason="Cleared",
        )

    def test_member_level(self):
        """A member's level is their discount: a cashier cannot raise it
        (nor register a member above the entry level) over RPC, whatever the
        context says; a store manager can, and the change is logged."""
        self.assertEqual(self.member.member_level_id, self.level_basic)
        self.assertForgedWritesRefused(
            "res.partner",
            self.member.id,
            {"member_level_id": self.level_gold.id},
            roles=("cashier_a",),
        )
        self.assertForgedCreateRefused(
            "res.partner",
            {"name": "Gold at birth", "is_member": True, "member_level_id": self.level_gold.id},
            roles=("cashier_a",),
        )
        ok, _answer = self.rpc(
            "json2",
            "manager_a",
            "res.partner",
            "write",
            ids=[self.member.id],
            vals={"member_level_id": self.level_gold.id},
        )
        self.assertTrue(ok, _answer)
        self.member.invalidate_recordset()
        self.assertEqual(self.member.member_level_id, self.level_gold)
        line = self.env["member.operation.log"].search(
            [("partner_id", "=", self.member.id), ("operation", "=", "level")]
        )
        self.assertEqual(len(line), 1)
        self.assertEqual(line.user_id, self.manager_a)
        self.assertIn(self.level_gold.name, line.new_values)
