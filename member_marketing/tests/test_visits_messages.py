"""Follow-up visits (回访记录) from a reminder, and members' messages (留言)
with staff replies; each store's staff see their own store's."""

import datetime

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_reminders import ReminderCase

D = datetime.date


@tagged("post_install", "-at_install")
class TestVisitsMessages(ReminderCase):
    def test_visit_from_reminder(self):
        member = self.make_member(birthday=D(1990, 3, 15))
        reminder = self.ours(self.run_rule("birthday", D(2027, 3, 12)), member)
        env = self.env_as(self.cashier_a)
        action = reminder.with_env(env).action_record_visit()
        visit = (
            env["member.visit"]
            .with_context(**action["context"])
            .create({"channel": "phone", "outcome": "booked", "next_date": self.today})
        )
        self.assertRecordValues(
            visit,
            [
                {
                    "partner_id": member.id,
                    "reminder_id": reminder.id,
                    "company_id": self.store_a.id,
                    "user_id": self.cashier_a.id,
                }
            ],
        )
        self.assertEqual(reminder.state, "done")
        self.assertEqual(reminder.done_user_id, self.cashier_a)
        # store B does not see it
        self.assertFalse(
            self.env_as(self.cashier_b)["member.visit"].search([("id", "=", visit.id)])
        )
        with self.assertRaises(ValidationError):
            visit.next_date = self.today - datetime.timedelta(days=2)

    def test_message_and_reply(self):
        member = self.make_member()
        env = self.env_as(self.cashier_a)
        message = env["member.message"].create(
            {"partner_id": member.id, "body": "希望周末延长营业时间", "channel": "counter"}
        )
        unanswered = env["member.message"].search([("state", "=", "new")])
        self.assertIn(message, unanswered)
        with self.assertRaises(UserError):
            message.action_reply()
        message.reply = "感谢建议，周末营业至22点。"
        message.action_reply()
        self.assertRecordValues(
            message, [{"state": "answered", "reply_user_id": self.cashier_a.id}]
        )
        self.assertNotIn(message, env["member.message"].search([("state", "=", "new")]))
        with self.assertRaises(UserError):
            env["member.message"].create({"partner_id": member.id, "body": "  "})
        other = self.env_as(self.cashier_b)["member.message"]
        self.assertFalse(other.search([("id", "=", message.id)]))
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            message.with_env(self.env_as(self.cashier_b)).reply = "x"
