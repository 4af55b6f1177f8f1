from odoo import api, fields, models
from odoo.exceptions import ValidationError

REMINDER_KINDS = [
    ("birthday", "Birthday"),
    ("anniversary", "Membership Anniversary"),
    ("low_balance", "Low Balance"),
    ("inactivity", "Long Inactivity"),
    ("card_expiry", "Card Expiry"),
    ("package_expiry", "Package Expiry"),
    ("points_expiry", "Points Expiry"),
    ("holiday", "Holiday Greeting"),
    ("plan_expiry", "Paid Membership Expiry"),
]

# kinds whose SMS is marketing (needs the member's consent) unless set otherwise
MARKETING_KINDS = {"birthday", "anniversary", "inactivity", "holiday"}


class MemberReminderRule(models.Model):
    """How one kind of reminder is made: on or off, how many days ahead,
    its threshold (low balance: the amount; inactivity: the days), and the
    SMS sent with it (a template on ``member.reminder``), marketing (only to
    members who consented, with the opt-out) or service."""

    _name = "member.reminder.rule"
    _description = "Member Reminder Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    kind = fields.Selection(REMINDER_KINDS, required=True)
    active = fields.Boolean(default=True)
    days_before = fields.Integer(
        string="Days Ahead",
        default=3,
        help="Birthdays, anniversaries and expiries: remind this many days before the day "
        "(0: on the day).",
    )
    threshold = fields.Float(
        digits=(16, 2),
        help="Low balance: remind when the stored value falls below this amount. "
        "Inactivity: after this many days without any posting.",
    )
    send_sms = fields.Boolean(string="Send SMS", default=True)
    message_type = fields.Selection(
        [("marketing", "Marketing (needs consent)"), ("service", "Service")],
        required=True,
        default="service",
    )
    sms_template_id = fields.Many2one(
        "sms.template",
        string="SMS Template",
        domain="[('model', '=', 'member.reminder')]",
        ondelete="restrict",
    )

    _kind_unique = models.UniqueIndex(
        "(kind) WHERE active", "There is one active reminder rule per kind."
    )

    @api.onchange("kind")
    def _onchange_kind(self):
        self.message_type = "marketing" if self.kind in MARKETING_KINDS else "service"

    @api.constrains("days_before", "threshold", "kind", "send_sms", "sms_template_id")
    def _check_settings(self):
        for rule in self:
            if not 0 <= rule.days_before <= 366:
                raise ValidationError(
                    self.env._("Remind from 0 to 366 days ahead, not %s.", rule.days_before)
                )
            if rule.threshold < 0:
                raise ValidationError(self.env._("The threshold cannot be negative."))
            if rule.kind == "inactivity" and rule.threshold < 1:
                raise ValidationError(
                    self.env._("The inactivity reminder needs a number of days (threshold).")
                )
            if rule.kind == "low_balance" and not rule.threshold:
                raise ValidationError(
                    self.env._("The low balance reminder needs an amount (threshold).")
                )
            if rule.send_sms and not rule.sms_template_id:
                raise ValidationError(
                    self.env._("Choose the SMS template of the reminder %s.", rule.name)
                )

    # ------------------------------------------------------------------
    # Greetings are reminder rules: the birthday rule, which may also post
    # the level's birthday gift, and the holiday rule (节日问候), which greets
    # every member on the holidays it lists. Both send their SMS through the
    # reminders' queue, with consent (marketing).
    # ------------------------------------------------------------------
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
