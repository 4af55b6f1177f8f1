from odoo import models


class ResPartner(models.Model):
    """A member day's extra discount adds to the level's on the member
    price (at most 100%)."""

    _inherit = "res.partner"

    def _member_price_discount(self, company):
        discount = super()._member_price_discount(company)
        if not self.is_member:
            return discount
        _multiplier, extra = self.env["member.day"]._member_day_benefits(self, company)
        return min(discount + extra, 100.0)
