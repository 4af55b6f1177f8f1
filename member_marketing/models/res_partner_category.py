from odoo import api, fields, models


class ResPartnerCategory(models.Model):
    """Odoo's partner tags serve as member tags: manual ones are given by
    hand as usual; a tag kept by an automatic tag rule is *automatic*."""

    _inherit = "res.partner.category"

    member_tag_rule_ids = fields.One2many("member.tag.rule", "category_id", string="Tag Rules")
    member_automatic = fields.Boolean(
        string="Automatic",
        compute="_compute_member_automatic",
        store=True,
        help="Kept by an automatic tag rule: recomputed every night.",
    )

    @api.depends("member_tag_rule_ids")
    def _compute_member_automatic(self):
        for category in self:
            category.member_automatic = bool(category.member_tag_rule_ids)
