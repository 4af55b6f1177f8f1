from odoo import api, fields, models
from odoo.exceptions import UserError

# the longest message a member may write on the portal
PORTAL_MESSAGE_MAX = 2000
# at most this many portal messages per member and hour
PORTAL_MESSAGE_RATE = 5


class MemberMessage(models.Model):
    """A member's message (留言) — at the counter, by phone, or from the
    portal — and the staff's reply. The unanswered list is the messages
    still *new*; a message written on the portal gives the store's managers
    a to-do activity, done when someone replies."""

    _name = "member.message"
    _inherit = ["mail.thread", "mail.activity.mixin"]
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
        self._member_activities_done()
        return True

    def action_close(self):
        self.write({"state": "closed"})
        self._member_activities_done()
        return True

    # ------------------------------------------------------------------
    # Messages from the portal
    # ------------------------------------------------------------------

    @api.model
    def _portal_post(self, partner, store, body):
        """The member ``partner`` writes ``body`` to ``store`` from the
        portal. The caller (the portal controller) vouches for ``partner``
        being the logged-in member; the store must be one of the chain's
        stores, the text not empty nor too long, and a member writes at most
        ``PORTAL_MESSAGE_RATE`` messages an hour. Written as superuser (a
        portal user only reads their own messages), with a to-do for the
        store's managers."""
        _ = self.env._
        body = (body or "").strip()
        if not body:
            raise UserError(_("Please write your message."))
        if len(body) > PORTAL_MESSAGE_MAX:
            raise UserError(
                _("Your message is too long: at most %s characters.", PORTAL_MESSAGE_MAX)
            )
        if not store or store not in partner._member_portal_stores():
            raise UserError(_("Please choose one of our stores."))
        hour_ago = fields.Datetime.subtract(fields.Datetime.now(), hours=1)
        recent = self.sudo().search_count(
            [("partner_id", "=", partner.id), ("channel", "=", "portal"), ("date", ">", hour_ago)]
        )
        if recent >= PORTAL_MESSAGE_RATE:
            raise UserError(_("You have written many messages in the last hour: please wait."))
        message = (
            self.sudo()
            .with_company(store)
            .with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": store.id,
                    "channel": "portal",
                    "body": body,
                }
            )
        )
        summary = _("Reply to %s's message", partner.name)
        for user in message._member_store_managers():
            message.activity_schedule(
                "mail.mail_activity_data_todo", summary=summary, note=body, user_id=user.id
            )
        return message.with_env(self.env)

    def _member_store_managers(self):
        """Who answers this message: the managers of its store (those whose
        main store it is, else those who may work there)."""
        self.ensure_one()
        group = self.env.ref("member_base.group_member_manager")
        Users = self.env["res.users"].sudo()
        domain = [("all_group_ids", "in", group.id), ("share", "=", False)]
        return Users.search([*domain, ("company_id", "=", self.company_id.id)]) or Users.search(
            [*domain, ("company_ids", "in", self.company_id.id)]
        )

    def _member_activities_done(self):
        todo = self.env.ref("mail.mail_activity_data_todo")
        self.sudo().activity_ids.filtered(lambda a: a.activity_type_id == todo).action_feedback(
            feedback=self.env._("Answered by %s", self.env.user.name)
        )
