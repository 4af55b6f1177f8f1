from odoo import api, fields, models
from odoo.exceptions import ValidationError


class MemberVisit(models.Model):
    """A follow-up visit (回访记录): staff called, messaged or met a member —
    by which channel, with what outcome, and when to follow up next. Made
    from a reminder, it marks the reminder done."""

    _name = "member.visit"
    _description = "Member Follow-up Visit"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Member",
        required=True,
        index=True,
        domain=[("is_member", "=", True)],
        ondelete="cascade",
    )
    reminder_id = fields.Many2one("member.reminder", string="Reminder", ondelete="set null")
    company_id = fields.Many2one(
        "res.company", string="Store", required=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users", string="Staff", required=True, default=lambda self: self.env.user
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    channel = fields.Selection(
        [
            ("phone", "Phone"),
            ("sms", "SMS"),
            ("wechat", "WeChat"),
            ("store", "In Store"),
            ("other", "Other"),
        ],
        required=True,
        default="phone",
    )
    outcome = fields.Selection(
        [
            ("reached", "Reached"),
            ("no_answer", "No Answer"),
            ("booked", "Visit Booked"),
            ("declined", "Not Interested"),
            ("other", "Other"),
        ],
        required=True,
    )
    note = fields.Text()
    next_date = fields.Date(string="Next Follow-up")

    @api.constrains("date", "next_date")
    def _check_next_date(self):
        for visit in self:
            if visit.next_date and visit.next_date < visit.date.date():
                raise ValidationError(self.env._("The next follow-up cannot be before the visit."))

    @api.model_create_multi
    def create(self, vals_list):
        visits = super().create(vals_list)
        visits.reminder_id.filtered(lambda r: r.state == "open").action_done()
        return visits
