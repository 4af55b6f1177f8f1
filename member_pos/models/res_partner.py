from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    member_level_discount = fields.Float(
        compute="_compute_member_level_discount",
        string="Member Level Discount (%)",
        help="The member price's discount today in the current store: the level's, plus what "
        "later addons add (member days).",
    )

    # the partners a till preloads that are not members (see
    # pos.config.get_limited_partners_loading), newest first
    _member_pos_non_members = models.Index("(id DESC) WHERE is_member IS NOT TRUE")

    @api.depends_context("company")
    def _compute_member_level_discount(self):
        company = self.env.company
        for partner in self:
            partner.member_level_discount = (
                partner._member_price_discount(company) if partner.is_member else 0.0
            )

    @api.model
    def _load_pos_data_fields(self, config):
        # the till applies the level's discount (member prices) when the member
        # becomes the order's customer; the server checks it at sync
        return [*super()._load_pos_data_fields(config), "is_member", "member_level_discount"]
