from odoo import models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # the partners a till preloads that are not members (see
    # pos.config.get_limited_partners_loading), newest first
    _member_pos_non_members = models.Index("(id DESC) WHERE is_member IS NOT TRUE")
