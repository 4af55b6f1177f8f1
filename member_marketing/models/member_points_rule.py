from odoo import api, models


class MemberPointsRule(models.Model):
    """Member days multiply the points of every rule (the highest of the
    day's member days), on the store's local date."""

    _inherit = "member.points.rule"

    @api.model
    def _earning_multipliers(self, card, company, day):
        multipliers = super()._earning_multipliers(card, company, day)
        partner = card.sudo().partner_id
        if partner:
            multiplier, _discount = self.env["member.day"]._member_day_benefits(
                partner, company, day
            )
            if multiplier != 1:
                multipliers = [*multipliers, multiplier]
        return multipliers
