import datetime

from odoo import api, fields, models
from odoo.tools import SQL

from .member_reminder_rule_plan import PLAN_REMINDER_KINDS


class MemberReminder(models.Model):
    """Paid membership expiry: one reminder per member and last day of
    their paid membership (an early renewal moves the day, and reminds
    again before the new one)."""

    _inherit = "member.reminder"

    kind = fields.Selection(selection_add=PLAN_REMINDER_KINDS, ondelete={"plan_expiry": "cascade"})

    @api.model
    def _candidates_sql(self, rule, today):
        if rule.kind != "plan_expiry":
            return super()._candidates_sql(rule, today)
        last = today + datetime.timedelta(days=rule.days_before)
        return SQL(
            """
            SELECT p.id AS partner_id, 'plan:' || p.member_plan_valid_until AS occasion,
                   p.member_plan_valid_until AS occasion_date, NULL::numeric AS amount
              FROM res_partner p
             WHERE p.member_plan_level_id IS NOT NULL
               AND p.member_plan_valid_until BETWEEN %s AND %s
            """,
            today,
            last,
        )
