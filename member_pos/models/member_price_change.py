from odoo import fields, models


class MemberPriceChange(models.Model):
    """One price the sync wrote, or kept, in a store's price list: who, when,
    the old and the new price. Written by the sync only, never changed."""

    _name = "member.price.change"
    _description = "Price Sync Change"
    _order = "id desc"

    product_tmpl_id = fields.Many2one(
        "product.template", string="Product", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", string="Store", required=True, readonly=True, index=True
    )
    pricelist_id = fields.Many2one("product.pricelist", required=True, readonly=True)
    action = fields.Selection(
        [("create", "Price Added"), ("update", "Price Changed"), ("kept", "Store Override Kept")],
        required=True,
        readonly=True,
    )
    old_price = fields.Float(digits="Product Price", readonly=True)
    new_price = fields.Float(digits="Product Price", readonly=True)
    user_id = fields.Many2one("res.users", string="Synced By", required=True, readonly=True)
    date = fields.Datetime(string="Synced On", required=True, readonly=True)
