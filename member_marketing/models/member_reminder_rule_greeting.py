from odoo import api, fields, models
from odoo.exceptions import ValidationError


class MemberReminderRule(models.Model):
    """Greetings are reminder rules: the birthday rule, which may also post
    the level's birthday gift, and the holiday rule (节日问候), which greets
    every member on the holidays it lists. Both send their SMS through the
    reminders' queue, with consent (marketing)."""

    _inherit = "member.reminder.rule"

    kind = fields.Selection(
        selection_add=[("holiday", "Holiday Greeting")], ondelete={"holiday": "cascade"}
    )
    holiday_ids = fields.Many2many(
        "member.holiday", string="Holidays", help="Holiday greeting: the holidays greeted on."
    )
    send_email = fields.Boolean(
        string="Send E-mail",
        help="Also e-mail the reminder to members with an e-mail address (a marketing "
        "e-mail skips the addresses on Odoo's blacklist).",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail Template",
        domain="[('model', '=', 'member.reminder')]",
        ondelete="restrict",
    )
    birthday_gift = fields.Boolean(
        string="Give the Birthday Gift",
        default=True,
        help="Birthday: with the greeting, post the birthday gift of the member's level (its "
        "birthday points, its birthday coupon), once per member and year.",
    )

    @api.onchange("kind")
    def _onchange_kind(self):
        res = super()._onchange_kind()
        if self.kind == "holiday":
            self.message_type = "marketing"
        return res

    @api.constrains("kind", "holiday_ids", "send_email", "mail_template_id")
    def _check_holidays(self):
        for rule in self:
            if rule.send_email and not rule.mail_template_id:
                raise ValidationError(
                    self.env._("Choose the e-mail template of the reminder %s.", rule.name)
                )
            if rule.kind == "holiday" and not rule.holiday_ids:
                raise ValidationError(
                    self.env._("The holiday greeting %s needs at least one holiday.", rule.name)
                )
