from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    member_points_price = fields.Integer(
        string="Points Price",
        help="Points a member gives for one unit of this gift (积分兑换). 0: not a points gift.",
    )

    _member_points_price_not_negative = models.Constraint(
        "CHECK(member_points_price >= 0)", "A points price cannot be negative."
    )
