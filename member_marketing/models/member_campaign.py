import datetime
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# members handled per chunk (and per commit in the cron)
CHUNK_SIZE = 500


class MemberCampaign(models.Model):
    """A campaign sends a segment's members a coupon of an Odoo ``loyalty``
    coupon program, an SMS (marketing: to those who consented, with the
    opt-out) and/or an e-mail (not to an address on Odoo's blacklist). It
    runs in the background in chunks (the daily cron, or *Send Now* for the
    first chunk): each member gets one campaign line — unique per campaign —
    holding their coupon, SMS and e-mail, so a run stopped by
    a restart goes on where it stopped and nobody receives anything twice.
    Redemptions are counted on the campaign."""

    _name = "member.campaign"
    _description = "Member Campaign"
    _order = "id desc"

    name = fields.Char(required=True)
    segment_id = fields.Many2one("member.segment", required=True, ondelete="restrict")
    program_id = fields.Many2one(
        "loyalty.program",
        string="Coupon Program",
        domain="[('program_type', '=', 'coupons')]",
        ondelete="restrict",
        help="Each member receives one coupon of this program.",
    )
    coupon_points = fields.Float(
        default=1, help="Points on each coupon (what one use of its reward costs)."
    )
    coupon_expiration_date = fields.Date(string="Coupons Valid Until")
    sms_body = fields.Text(
        string="SMS",
        translate=False,
        help="Placeholders: {{ object.partner_id.name }}, {{ object.coupon_id.code }}…",
    )
    points_projection = fields.Boolean(
        string="Value of Your Points",
        help="Give each member's line their figures for the SMS: points now, the points "
        "they will hold at the end of the year at their average weekly spend, and what "
        "those points will be worth.",
    )
    projection_weeks = fields.Integer(
        string="Average Over (weeks)", default=12, help="The weeks of spend averaged."
    )
    points_per_yuan = fields.Float(string="Points per Yuan Spent", default=1.0, digits=(16, 4))
    yuan_per_point = fields.Float(string="Value of a Point (yuan)", default=0.01, digits=(16, 4))
    mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail",
        domain="[('model', '=', 'member.campaign.line')]",
        ondelete="restrict",
        help="Also e-mail each member reached (their line's figures, e.g. the template "
        "“The value of your points”), through Odoo's mail queue; not to an address on "
        "Odoo's blacklist; members without an e-mail are counted as skipped.",
    )
    company_id = fields.Many2one(
        "res.company",
        string="Sent As",
        help="The company whose SMS gateway sends; empty: each member's store.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("sending", "Sending"), ("done", "Sent"), ("cancel", "Cancelled")],
        default="draft",
        required=True,
        readonly=True,
    )
    line_ids = fields.One2many("member.campaign.line", "campaign_id", readonly=True)
    member_total = fields.Integer(string="Members", readonly=True)
    line_count = fields.Integer(compute="_compute_counts", string="Reached")
    coupon_count = fields.Integer(compute="_compute_counts", string="Coupons")
    sms_count = fields.Integer(compute="_compute_counts", string="SMS Queued")
    email_count = fields.Integer(compute="_compute_counts", string="E-mails Queued")
    email_skipped_count = fields.Integer(
        compute="_compute_counts",
        string="E-mails Skipped",
        help="Members reached without an e-mail address, or whose address opted out.",
    )
    redeemed_count = fields.Integer(compute="_compute_counts", string="Coupons Redeemed")

    @api.constrains("points_projection", "projection_weeks", "points_per_yuan", "yuan_per_point")
    def _check_projection(self):
        for campaign in self.filtered("points_projection"):
            if (
                campaign.projection_weeks < 1
                or min(campaign.points_per_yuan, campaign.yuan_per_point) < 0
            ):
                raise ValidationError(
                    self.env._(
                        "The points projection needs at least one week and no negative rate."
                    )
                )

    @api.constrains("program_id", "sms_body", "coupon_points", "mail_template_id")
    def _check_content(self):
        for campaign in self:
            if (
                not campaign.program_id
                and not (campaign.sms_body or "").strip()
                and not campaign.mail_template_id
            ):
                raise ValidationError(
                    self.env._(
                        "The campaign %s sends nothing: choose a coupon program, write an SMS "
                        "or choose an e-mail.",
                        campaign.name,
                    )
                )
            if campaign.program_id and campaign.program_id.program_type != "coupons":
                raise ValidationError(self.env._("Choose a coupon program."))
            if campaign.program_id and campaign.coupon_points <= 0:
                raise ValidationError(self.env._("A coupon carries at least some points."))

    def _compute_counts(self):
        self.env["member.campaign.line"].flush_model()
        self.env["loyalty.card"].flush_model(["points"])
        self.env.cr.execute(
            """
            SELECT l.campaign_id, COUNT(*), COUNT(l.coupon_id),
                   COUNT(*) FILTER (WHERE l.sms_state = 'queued'),
                   COUNT(*) FILTER (WHERE c.points < l.coupon_points),
                   COUNT(*) FILTER (WHERE l.email_state = 'queued'),
                   COUNT(*) FILTER (WHERE l.email_state IN ('no_email', 'blacklisted'))
              FROM member_campaign_line l
              LEFT JOIN loyalty_card c ON c.id = l.coupon_id
             WHERE l.campaign_id = ANY(%s)
             GROUP BY l.campaign_id
            """,
            [self.ids],
        )
        counts = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for campaign in self:
            lines, coupons, sms, redeemed, emails, skipped = counts.get(
                campaign.id, (0, 0, 0, 0, 0, 0)
            )
            campaign.line_count = lines
            campaign.coupon_count = coupons
            campaign.sms_count = sms
            campaign.redeemed_count = redeemed
            campaign.email_count = emails
            campaign.email_skipped_count = skipped

    def action_send(self):
        """Start sending: the members are those of the segment now; the first
        chunk goes at once, the rest with the cron."""
        for campaign in self:
            if campaign.state != "draft":
                raise UserError(self.env._("The campaign %s was already started.", campaign.name))
            campaign.write(
                {
                    "state": "sending",
                    "member_total": self.env["res.partner"].search_count(
                        campaign.segment_id._partner_domain()
                    ),
                }
            )
            campaign._send_chunk()
        return True

    def action_cancel(self):
        self.filtered(lambda c: c.state in ("draft", "sending")).write({"state": "cancel"})
        return True

    @api.model
    def _cron_send(self):
        """Go on with the campaigns being sent, chunk by chunk, each committed
        with the cron's progress."""
        cron = self.env["ir.cron"]
        for campaign in self.search([("state", "=", "sending")]):
            while campaign.state == "sending":
                done = campaign._send_chunk()
                if not cron._commit_progress(done):
                    return

    def _points_projection(self, partners):
        """``{partner_id: figures}`` of "the value of your points" (seed 001),
        in two queries: the points the members hold (all their wallets), their
        average weekly spend over the campaign's weeks (what the level review
        counts as spend), the points they will hold at the end of the year at
        that pace, and what those are worth."""
        self.ensure_one()
        Review = self.env["member.level.review"]
        company = Review._review_company()
        tz = company._member_store_facts().tz
        today = company._member_local_today()
        date_from = Review._period_start(
            today - datetime.timedelta(weeks=self.projection_weeks), 0, tz
        )
        date_to = Review._period_start(today + datetime.timedelta(days=1), 0, tz)
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            "SELECT partner_id, SUM(points) FROM member_wallet WHERE partner_id = ANY(%s)"
            " GROUP BY partner_id",
            [partners.ids],
        )
        points = dict(cr.fetchall())
        cr.execute(
            SQL(
                "SELECT src.partner_id, SUM(src.amount) FROM (%s) src"
                " WHERE src.measure = 'spend' GROUP BY src.partner_id",
                SQL(" UNION ALL ").join(
                    Review._measure_source_sql(date_from, date_to, partner_ids=partners.ids)
                ),
            )
        )
        spend = {pid: float(amount) for pid, amount in cr.fetchall()}
        weeks_left = (datetime.date(today.year, 12, 31) - today).days / 7
        figures = {}
        for partner in partners:
            weekly = round(spend.get(partner.id, 0) / self.projection_weeks, 2)
            year_end = int(
                (points.get(partner.id) or 0) + round(weekly * weeks_left * self.points_per_yuan)
            )
            figures[partner.id] = {
                "points_now": points.get(partner.id) or 0,
                "weekly_spend": weekly,
                "points_year_end": year_end,
                "points_year_end_value": round(year_end * self.yuan_per_point, 2),
            }
        return figures

    def _send_chunk(self):
        """The next members of the segment without a line: their coupons
        (one create), their lines (one create), their SMS (one render, one
        create), their e-mails (one batch into Odoo's mail queue). Returns
        how many; the campaign is done when none is left."""
        self.ensure_one()
        Partner = self.env["res.partner"].sudo()
        reached = (
            self.env["member.campaign.line"]
            .sudo()
            .search([("campaign_id", "=", self.id)])
            .partner_id
        )
        partners = Partner.search(
            [*self.segment_id._partner_domain(), ("id", "not in", reached.ids)],
            order="id",
            limit=CHUNK_SIZE,
        )
        if not partners:
            self.state = "done"
            return 0
        coupons = self.env["loyalty.card"]
        if self.program_id:
            coupons = (
                self.env["loyalty.card"]
                .sudo()
                .with_context(tracking_disable=True)
                .create(
                    [
                        {
                            "program_id": self.program_id.id,
                            "partner_id": partner.id,
                            "points": self.coupon_points,
                            "expiration_date": self.coupon_expiration_date,
                        }
                        for partner in partners
                    ]
                )
            )
        figures = self._points_projection(partners) if self.points_projection else {}
        lines = (
            self.env["member.campaign.line"]
            .sudo()
            .create(
                [
                    {
                        "campaign_id": self.id,
                        "partner_id": partner.id,
                        "coupon_id": coupons[index].id if coupons else False,
                        "coupon_points": self.coupon_points if coupons else 0,
                        **figures.get(partner.id, {}),
                    }
                    for index, partner in enumerate(partners)
                ]
            )
        )
        if (self.sms_body or "").strip():
            lines._queue_sms()
        if self.mail_template_id:
            lines._queue_email()
        _logger.info("Campaign %s: %s member(s) reached", self.name, len(partners))
        if len(partners) < CHUNK_SIZE:
            self.state = "done"
        return len(partners)
