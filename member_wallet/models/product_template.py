from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    """A counted package (计次卡) is a service product sold to a member: it
    gives N uses of the service products it covers, valid for a number of
    days or months from the sale. A gift product has a points price
    (积分兑换)."""

    _inherit = "product.template"

    member_package = fields.Boolean(
        string="Member Package",
        help="Selling this product puts a counted package (N uses) on the member's card.",
    )
    member_package_uses = fields.Integer(
        string="Number of Uses", default=10, help="Uses the member gets when buying the package."
    )
    member_package_validity = fields.Integer(
        string="Validity", help="How long the package can be used after the sale. 0: no limit."
    )
    member_package_validity_unit = fields.Selection(
        [("days", "Days"), ("months", "Months")], string="Validity Unit", default="months"
    )
    member_package_product_ids = fields.Many2many(
        "product.product",
        "product_template_member_package_service_rel",
        "template_id",
        "product_id",
        string="Covered Services",
        help="The services one use of the package pays for.",
    )

    member_points_price = fields.Integer(
        string="Points Price",
        help="Points a member gives for one unit of this gift (积分兑换). 0: not a points gift.",
    )

    _member_points_price_not_negative = models.Constraint(
        "CHECK(member_points_price >= 0)", "A points price cannot be negative."
    )

    @api.onchange("member_package")
    def _onchange_member_package(self):
        if self.member_package:
            self.type = "service"

    @api.constrains(
        "member_package",
        "type",
        "member_package_uses",
        "member_package_validity",
        "member_package_product_ids",
    )
    def _check_member_package(self):
        for template in self.filtered("member_package"):
            if template.type != "service":
                raise ValidationError(
                    self.env._("The member package %s must be a service.", template.display_name)
                )
            if template.member_package_uses <= 0:
                raise ValidationError(
                    self.env._(
                        "A member package gives at least one use (%s).", template.display_name
                    )
                )
            if template.member_package_validity < 0:
                raise ValidationError(self.env._("A package's validity cannot be negative."))
            if not template.member_package_product_ids:
                raise ValidationError(
                    self.env._(
                        "Choose the services the member package %s covers.", template.display_name
                    )
                )
            if template.product_variant_ids & template.member_package_product_ids:
                raise ValidationError(self.env._("A member package cannot cover itself."))

    def _member_package_expiry(self, day):
        """Last day a package sold on ``day`` can be used (False: no limit)."""
        self.ensure_one()
        if not self.member_package_validity:
            return False
        if self.member_package_validity_unit == "days":
            return day + relativedelta(days=self.member_package_validity)
        return day + relativedelta(months=self.member_package_validity)
