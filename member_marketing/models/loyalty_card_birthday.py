from odoo import fields, models


class LoyaltyCard(models.Model):
    """A coupon given as a birthday gift carries the year: once per member
    and year."""

    _inherit = "loyalty.card"

    member_birthday_year = fields.Integer(string="Birthday Gift of Year", readonly=True)

    _member_birthday_unique = models.UniqueIndex(
        "(partner_id, member_birthday_year) WHERE member_birthday_year IS NOT NULL",
        "This member already received this year's birthday coupon.",
    )
