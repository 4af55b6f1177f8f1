from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    member_level_discount = fields.Float(
        related="member_level_id.discount", string="Member Level Discount (%)"
    )

    # the partners a till preloads that are not members (see
    # pos.config.get_limited_partners_loading), newest first
    _member_pos_non_members = models.Index("(id DESC) WHERE is_member IS NOT TRUE")

    @api.model
    def _load_pos_data_fields(self, config):
        # the till applies the level's discount (member prices) when the member
        # becomes the order's customer; the server checks it at sync
        return [*super()._load_pos_data_fields(config), "is_member", "member_level_discount"]
