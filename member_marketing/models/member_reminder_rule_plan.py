from odoo import fields, models

PLAN_REMINDER_KINDS = [("plan_expiry", "Paid Membership Expiry")]


class MemberReminderRule(models.Model):
    """The reminder before a paid membership runs out (renew to keep the
    level)."""

    _inherit = "member.reminder.rule"

    kind = fields.Selection(selection_add=PLAN_REMINDER_KINDS, ondelete={"plan_expiry": "cascade"})
