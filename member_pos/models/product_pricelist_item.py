from odoo import fields, models


class ProductPricelistItem(models.Model):
    _inherit = "product.pricelist.item"

    member_store_override = fields.Boolean(
        string="Store Override",
        help="The store set this price itself: head office's price sync keeps it when the "
        "product allows a store price.",
    )
