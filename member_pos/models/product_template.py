from odoo import api, fields, models
from odoo.fields import Domain


class ProductTemplate(models.Model):
    """The chain's catalogue in the stores (which stores sell a product, a
    store's own price) and what the portal shows a member of it: the
    products and services the tills sell, at the member's own price."""

    _inherit = "product.template"

    member_store_ids = fields.Many2many(
        "res.company",
        "product_template_member_store_rel",
        "product_tmpl_id",
        "company_id",
        string="Sold in Stores",
        domain=[("member_company_kind", "=", "store")],
        help="The stores whose points of sale offer this product; empty: every store. "
        "A chain product has no company and is shared by every store's catalogue.",
    )
    member_price_override = fields.Boolean(
        string="Store Price Allowed",
        help="Head office lets the stores keep their own price of this product: the price "
        "sync leaves a store's overriding price alone.",
    )
    member_level_price_ids = fields.One2many(
        "member.level.price",
        "product_tmpl_id",
        string="Member Prices",
        help="A fixed price per member level (会员价), set by head office: a member of that "
        "level pays it at the till instead of the level's discount on this product.",
    )

    def _load_pos_data_domain(self, data, config):
        # a list, as Odoo's: other addons append to it
        return [
            *super()._load_pos_data_domain(data, config),
            "|",
            ("member_store_ids", "=", False),
            ("member_store_ids", "in", config.company_id.ids),
        ]

    @api.model
    def load_product_from_pos(self, config_id, domain, offset=0, limit=0):
        """The till's search of products it has not loaded finds only those
        its store sells too."""
        store = self.env["pos.config"].browse(config_id).company_id
        domain = Domain(domain) & (
            Domain("member_store_ids", "=", False) | Domain("member_store_ids", "in", store.ids)
        )
        return super().load_product_from_pos(config_id, domain, offset=offset, limit=limit)

    @api.model
    def _member_portal_domain(self, companies):
        """The products and services a member can buy at the stores of
        ``companies``: sold at the tills (in one of those stores), not the
        till's own technical products (top-up, quick consumption, points
        deduction, timed charge)."""
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
            "|",
            ("member_store_ids", "=", False),
            ("member_store_ids", "in", companies.ids),
        ]

    def _member_price(self, level):
        """The price a member of ``level`` pays at the till: the level's
        fixed price of the product (never above the list price), else the
        list price less the level's discount, as the POS puts it on each
        line."""
        self.ensure_one()
        fixed = self.env["member.level.price"]._member_prices(self, level).get(self.id)
        if fixed is not None:
            return self.currency_id.round(min(fixed, self.list_price))
        discount = level.discount if level else 0.0
        return self.currency_id.round(self.list_price * (1 - discount / 100.0))
