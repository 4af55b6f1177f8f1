"""A member's level changed by hand: store managers only, with a reason,
logged once with it and kept in the history; changes made elsewhere (the
member form) get their history line too."""

import unittest

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import LevelCase


@tagged("post_install", "-at_install")
class TestManualLevelChange(LevelCase):
    def change(self, user, partner, level, reason):
        env = self.env_as(user)
        wizard = env["member.level.change"].create(
            {"partner_id": partner.id, "level_id": level.id, "reason": reason}
        )
        return wizard.action_apply()

    def test_manager_changes_level_with_reason(self):
        member = self.make_member()
        self.change(self.manager_a, member, self.level_gold, "  VIP of the opening week  ")
        self.assertEqual(member.member_level_id, self.level_gold)
        self.assertEqual(member.member_level_date, self.today)
        line = self.log_lines(operation="level", partner_id=member.id)
        self.assertLogLine(
            line,
            "level",
            self.manager_a,
            self.store_a,
            before={"level": self.level_basic.name},
            after={"level": self.level_gold.name},
            reason="VIP of the opening week",
        )
        self.assertRecordValues(
            self.history(member),
            [
                {
                    "level_from_id": self.level_basic.id,
                    "level_to_id": self.level_gold.id,
                    "direction": "up",
                    "origin": "manual",
                    "user_id": self.manager_a.id,
                    "reason": "VIP of the opening week",
                }
            ],
        )
        self.change(self.manager_a, member, self.level_silver, "complaint settled")
        self.assertEqual(self.history(member)[-1].direction, "down")

    def test_reason_required(self):
        member = self.make_member()
        for reason in ("", "   "):
            with (
                self.subTest(reason=reason),
                self.assertWritesNothing(
                    self.level_state, UserError, message="Please give a reason"
                ),
            ):
                self.env_as(self.manager_a)["res.partner"].browse(member.id)._member_change_level(
                    self.level_gold, reason
                )
        self.assertEqual(member.member_level_id, self.level_basic)

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_model")
    def test_cashier_cannot_change_level(self):
        member = self.make_member()
        with self.assertWritesNothing(self.level_state, AccessError):
            self.change(self.cashier_a, member, self.level_gold, "my friend")
        with self.assertWritesNothing(self.level_state, AccessError):
            self.env_as(self.cashier_a)["res.partner"].browse(member.id)._member_change_level(
                self.level_gold, "my friend"
            )
        with self.assertWritesNothing(self.level_state, AccessError):
            self.env_as(self.cashier_a)["res.partner"].browse(member.id).write(
                {"member_level_id": self.level_gold.id}
            )
        with self.assertWritesNothing(self.level_state, AccessError):
            self.env_as(self.manager_a)["res.partner"].browse(member.id).write(
                {"member_level_date": "2000-01-01"}
            )

    def test_change_on_the_form_gets_history(self):
        """A manager setting the level on the member form: member_base's log
        line, and a history line (no reason given there)."""
        member = self.make_member()
        self.env_as(self.manager_a)["res.partner"].browse(member.id).write(
            {"member_level_id": self.level_silver.id}
        )
        self.assertEqual(len(self.log_lines(operation="level", partner_id=member.id)), 1)
        self.assertRecordValues(
            self.history(member),
            [
                {
                    "level_from_id": self.level_basic.id,
                    "level_to_id": self.level_silver.id,
                    "origin": "manual",
                    "user_id": self.manager_a.id,
                    "reason": False,
                }
            ],
        )
        self.assertEqual(member.member_level_date, self.today)

    def test_history_append_only(self):
        member = self.make_member()
        self.change(self.manager_a, member, self.level_gold, "promotion")
        history = self.history(member)
        for user in (self.manager_a, self.admin_user):
            History = self.env_as(user)["member.level.history"]
            with unittest.TestCase.assertRaises(self, (UserError, AccessError)):
                History.browse(history.id).write({"reason": "other"})
            with unittest.TestCase.assertRaises(self, (UserError, AccessError)):
                History.browse(history.id).unlink()
            with unittest.TestCase.assertRaises(self, (UserError, AccessError)):
                History.create(
                    {
                        "partner_id": member.id,
                        "direction": "up",
                        "origin": "manual",
                        "user_id": user.id,
                    }
                )
