from odoo import fields, models

from .member_reminder import SMS_STATES


class MemberCampaignLine(models.Model):
    """One member reached by a campaign: their coupon, their SMS and their
    e-mail. Unique per campaign and member, and written in the same
    transaction as what it sends: what makes a restarted campaign send
    nothing twice."""

    _name = "member.campaign.line"
    _description = "Member Campaign Line"
    _order = "id"
    _rec_name = "partner_id"

    campaign_id = fields.Many2one(
        "member.campaign", required=True, readonly=True, index=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Member",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    coupon_id = fields.Many2one("loyalty.card", string="Coupon", readonly=True)
    coupon_code = fields.Char(related="coupon_id.code", string="Coupon Code")
    coupon_points = fields.Float(readonly=True, help="The points the coupon was given.")
    points_now = fields.Integer(string="Points Now", readonly=True)
    weekly_spend = fields.Float(string="Average Weekly Spend", digits=(16, 2), readonly=True)
    points_year_end = fields.Integer(string="Points at Year End", readonly=True)
    points_year_end_value = fields.Float(
        string="Their Value", digits=(16, 2), readonly=True, help="What they can redeem then."
    )
    sms_state = fields.Selection(SMS_STATES, string="SMS", default="none", readonly=True)
    sms_uuid = fields.Char(string="SMS Reference", readonly=True)
    email_state = fields.Selection(
        [
            ("none", "Not Sent"),
            ("queued", "Queued"),
            ("no_email", "No E-mail"),
            ("blacklisted", "Opted Out"),
        ],
        string="E-mail",
        default="none",
        readonly=True,
    )

    _member_unique = models.UniqueIndex(
        "(campaign_id, partner_id)", "This member was already reached by this campaign."
    )

    def _member_sms_values(self):
        """The named values of this line's SMS (``SMS_PURPOSE_VALUES``)."""
        self.ensure_one()
        return {
            "name": self.partner_id.name or "",
            "coupon_code": self.coupon_code or "",
            "points_now": str(self.points_now),
            "points_year_end": str(self.points_year_end),
            "points_year_end_value": f"{self.points_year_end_value:.2f}",
        }

    def _queue_sms(self):
        campaign = self.campaign_id
        campaign.ensure_one()
        bodies = self.env["mail.render.mixin"]._render_template(
            campaign.sms_body, self._name, self.ids, engine="inline_template"
        )
        results = self.env["res.partner"]._member_sms_queue(
            [(line.partner_id.id, bodies[line.id]) for line in self],
            marketing=True,
            company=campaign.company_id or None,
            purpose="campaign",
            values=[line._member_sms_values() for line in self],
        )
        rows = [
            (line.id, "queued", result.uuid)
            if isinstance(result, models.BaseModel)
            else (line.id, result, None)
            for line, result in zip(self, results, strict=True)
        ]
        self.env.flush_all()
        self.env.cr.execute(
            """
            UPDATE member_campaign_line l SET sms_state = v.state, sms_uuid = v.uuid
              FROM unnest(%s::int[], %s::varchar[], %s::varchar[]) AS v(id, state, uuid)
             WHERE l.id = v.id
            """,
            [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]],
        )
        self.invalidate_recordset(["sms_state", "sms_uuid"])

    def _queue_email(self):
        """E-mail these lines with the campaign's template, through Odoo's mail
        queue (one batch): to the members with an e-mail address that is not
        on Odoo's blacklist (a campaign is marketing); the others are marked
        and counted as skipped. A line e-mailed or skipped once is never
        e-mailed again."""
        campaign = self.campaign_id
        campaign.ensure_one()
        lines = self.sudo().filtered(lambda line: line.email_state == "none")
        with_email = lines.filtered(lambda line: line.partner_id.email_normalized)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT email FROM mail_blacklist WHERE active AND email = ANY(%s)",
            [with_email.partner_id.mapped("email_normalized")],
        )
        blocked = {row[0] for row in self.env.cr.fetchall()}
        to_send = with_email.filtered(lambda line: line.partner_id.email_normalized not in blocked)
        (lines - with_email).write({"email_state": "no_email"})
        (with_email - to_send).write({"email_state": "blacklisted"})
        if to_send:
            to_send.write({"email_state": "queued"})
            campaign.mail_template_id.sudo().send_mail_batch(to_send.ids)
        return to_send
