from odoo import fields, models


class LoyaltyCard(models.Model):
    """A coupon given as a level's upgrade gift carries the level: once per
    member and level."""

    _inherit = "loyalty.card"

    member_gift_level_id = fields.Many2one(
        "member.level", string="Upgrade Gift of Level", readonly=True, ondelete="set null"
    )

    _member_gift_unique = models.UniqueIndex(
        "(partner_id, member_gift_level_id) WHERE member_gift_level_id IS NOT NULL",
        "This member already received the upgrade gift coupon of this level.",
    )

    # ------------------------------------------------------------------
    # A coupon given as a birthday gift carries the year: once per member
    # and year.
    # ------------------------------------------------------------------
    member_birthday_year = fields.Integer(string="Birthday Gift of Year", readonly=True)

    _member_birthday_unique = models.UniqueIndex(
        "(partner_id, member_birthday_year) WHERE member_birthday_year IS NOT NULL",
        "This member already received this year's birthday coupon.",
    )
