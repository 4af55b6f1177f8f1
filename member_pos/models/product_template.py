from odoo import api, fields, models
from odoo.fields import Domain


class ProductTemplate(models.Model):
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
