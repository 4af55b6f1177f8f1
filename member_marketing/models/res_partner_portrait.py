from odoo import api, fields, models
from odoo.fields import Domain

from .member_level_review import NO_LEVEL_KEY


class ResPartner(models.Model):
    """The member portrait (会员画像) on the member form: the level and the
    next one, the assets (stored value, points, packages), the RFM and
    pyramid tags, and the consumption behaviour read from the nightly
    ``member.portrait`` row; the product suggestions of the nightly run."""

    _inherit = "res.partner"

    member_portrait_ids = fields.One2many("member.portrait", "partner_id", readonly=True)
    member_portrait_id = fields.Many2one(
        "member.portrait",
        compute="_compute_member_portrait",
        search="_search_member_portrait",
        string="Portrait",
    )
    member_visits_30 = fields.Integer(related="member_portrait_id.visits_30")
    member_visits_90 = fields.Integer(related="member_portrait_id.visits_90")
    member_visits_365 = fields.Integer(related="member_portrait_id.visits_365")
    member_spend_30 = fields.Float(related="member_portrait_id.spend_30")
    member_spend_90 = fields.Float(related="member_portrait_id.spend_90")
    member_spend_365 = fields.Float(related="member_portrait_id.spend_365")
    member_average_ticket = fields.Float(related="member_portrait_id.average_ticket")
    member_last_visit = fields.Date(related="member_portrait_id.last_visit")
    member_favourite_company_id = fields.Many2one(related="member_portrait_id.favourite_company_id")
    member_favourite_categ_ids = fields.Many2many(related="member_portrait_id.favourite_categ_ids")
    member_portrait_date = fields.Date(related="member_portrait_id.computed_date")
    member_level_progress = fields.Float(related="member_portrait_id.level_progress")
    member_next_level_value = fields.Float(related="member_portrait_id.next_level_value")
    member_next_level_id = fields.Many2one(
        "member.level", compute="_compute_member_next_level", string="Next Level"
    )
    member_next_level_rule = fields.Char(compute="_compute_member_next_level", string="To Reach It")
    member_package_count = fields.Integer(
        compute="_compute_member_packages", string="Active Packages"
    )
    member_package_uses = fields.Integer(compute="_compute_member_packages", string="Uses Left")
    member_rfm_tag_ids = fields.Many2many(
        "res.partner.category", compute="_compute_member_segment_tags", string="RFM Segment"
    )
    member_pyramid_tag_ids = fields.Many2many(
        "res.partner.category", compute="_compute_member_segment_tags", string="Pyramid Class"
    )
    member_suggestion_ids = fields.One2many(
        "member.suggestion", "partner_id", string="Suggested Products", readonly=True
    )

    def _compute_member_portrait(self):
        portraits = self.env["member.portrait"].sudo().search([("partner_id", "in", self.ids)])
        by_partner = {p.partner_id.id: p.id for p in portraits}
        for partner in self:
            partner.member_portrait_id = by_partner.get(partner.id, False)

    def _search_member_portrait(self, operator, value):
        return [("member_portrait_ids", operator, value)]

    @api.depends("member_level_id")
    def _compute_member_next_level(self):
        """The lowest level above the member's that an active level rule
        reaches, and what that rule asks."""
        keys = self.env["member.level"]._member_level_keys()
        rules = self.env["member.level.rule"].sudo().search([("state", "=", "active")])
        measures = dict(rules._fields["measure"]._description_selection(self.env))
        for partner in self:
            current = keys.get(partner.member_level_id.id, NO_LEVEL_KEY)
            above = [r for r in rules if keys.get(r.level_id.id, NO_LEVEL_KEY) > current]
            above.sort(key=lambda r: (keys.get(r.level_id.id), r.threshold))
            rule = above[0] if above else None
            partner.member_next_level_id = rule.level_id if rule else False
            partner.member_next_level_rule = (
                self.env._(
                    "%(measure)s %(threshold)s in %(months)s month(s)",
                    measure=measures.get(rule.measure, rule.measure),
                    threshold=f"{rule.threshold:,.2f}",
                    months=rule.period_months,
                )
                if rule
                else False
            )

    def _compute_member_packages(self):
        groups = (
            self.env["member.package"]
            .sudo()
            ._read_group(
                [("partner_id", "in", self.ids), ("state", "=", "active")],
                ["partner_id"],
                ["__count", "uses_remaining:sum"],
            )
        )
        totals = {partner.id: (count, uses) for partner, count, uses in groups}
        for partner in self:
            partner.member_package_count, partner.member_package_uses = totals.get(
                partner.id, (0, 0)
            )

    def _compute_member_segment_tags(self):
        rules = self.env["member.tag.rule"].sudo().search([("kind", "in", ("rfm", "pyramid"))])
        rfm = rules.filtered(lambda r: r.kind == "rfm").category_id
        pyramid = rules.filtered(lambda r: r.kind == "pyramid").category_id
        for partner in self:
            partner.member_rfm_tag_ids = partner.category_id & rfm
            partner.member_pyramid_tag_ids = partner.category_id & pyramid

    @api.model
    def _member_likely_to_buy_domain(self, products):
        """Members the nightly run suggests one of ``products`` to."""
        return Domain("member_suggestion_ids.product_id", "in", products.ids)
