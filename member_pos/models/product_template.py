from odoo import api, models


class ProductTemplate(models.Model):
    """What the portal shows a member of the chain's products and services:
    those the tills sell, at the member's own price."""

    _inherit = "product.template"

    @api.model
    def _member_portal_domain(self, companies):
        """The products and services a member can buy at the stores of
        ``companies``: sold at the tills, not the till's own technical
        products (top-up, quick consumption, points deduction, timed charge)."""
        configs = self.env["pos.config"].sudo().search([("company_id", "in", companies.ids)])
        technical = configs.member_topup_product_id | configs.member_quick_product_id
        for xmlid in ("member_pos.product_points_deduction", "member_pos.product_timed_charge"):
            technical |= self.env.ref(xmlid, raise_if_not_found=False) or technical.browse()
        technical = technical.product_tmpl_id
        return [
            ("available_in_pos", "=", True),
            ("sale_ok", "=", True),
            ("id", "not in", technical.ids),
            ("company_id", "in", [False, *companies.ids]),
        ]

    def _member_price(self, level):
        """The price a member of ``level`` pays at the till: the list price
        less the level's discount, as the POS puts it on each line."""
        self.ensure_one()
        discount = level.discount if level else 0.0
        return self.currency_id.round(self.list_price * (1 - discount / 100.0))
