from odoo import api, fields, models
from odoo.exceptions import UserError


class MemberMessage(models.Model):
    """A member's message (留言) — at the counter, by phone, or later from
    the portal — and the staff's reply. The unanswered list is the messages
    still *new*."""

    _name = "member.message"
    _description = "Member Message"
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
    company_id = fields.Many2one(
        "res.company", string="Store", required=True, default=lambda self: self.env.company
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    channel = fields.Selection(
        [("counter", "Counter"), ("phone", "Phone"), ("portal", "Portal"), ("sms", "SMS")],
        required=True,
        default="counter",
    )
    body = fields.Text(string="Message", required=True)
    state = fields.Selection(
        [("new", "Unanswered"), ("answered", "Answered"), ("closed", "Closed")],
        default="new",
        required=True,
        readonly=True,
        index=True,
    )
    reply = fields.Text()
    reply_user_id = fields.Many2one("res.users", string="Replied By", readonly=True)
    reply_date = fields.Datetime(string="Replied On", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not (vals.get("body") or "").strip():
                raise UserError(self.env._("The message is empty."))
        return super().create(vals_list)

    def action_reply(self):
        """Record the reply written in ``reply``."""
        for message in self:
            if not (message.reply or "").strip():
                raise UserError(self.env._("Write the reply first."))
        self.write(
            {
                "state": "answered",
                "reply_user_id": self.env.uid,
                "reply_date": fields.Datetime.now(),
            }
        )
        return True

    def action_close(self):
        self.write({"state": "closed"})
        return True
