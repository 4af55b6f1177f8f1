from odoo import fields, models


class ProductPricelist(models.Model):
    _inherit = "product.pricelist"

    member_store_sync = fields.Boolean(
        string="Store Price List of the Chain",
        readonly=True,
        help="The store's price list that head office's price sync writes (one per store).",
    )
