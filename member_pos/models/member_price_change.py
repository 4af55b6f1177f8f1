from odoo import fields, models


class MemberPriceChange(models.Model):
    """One price change, never changed itself: who, when, the old and the
    new price. Either a price the sync wrote, or kept, in a store's price
    list (the store and its price list set), or a change of a fixed member
    price of a level (``member.level.price``: the level set, no store: chain
    data)."""

    _name = "member.price.change"
    _description = "Price Change"
    _order = "id desc"

    product_tmpl_id = fields.Many2one(
        "product.template", string="Product", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one("res.company", string="Store", readonly=True, index=True)
    pricelist_id = fields.Many2one("product.pricelist", readonly=True)
    level_id = fields.Many2one(
        "member.level",
        string="Member Level",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="On a change of a member price: the level it is for (the store's price lists "
        "are not involved).",
    )
    action = fields.Selection(
        [
            ("create", "Price Added"),
            ("update", "Price Changed"),
            ("kept", "Store Override Kept"),
            ("delete", "Price Removed"),
        ],
        required=True,
        readonly=True,
    )
    old_price = fields.Float(digits="Product Price", readonly=True)
    new_price = fields.Float(digits="Product Price", readonly=True)
    user_id = fields.Many2one("res.users", string="Changed By", required=True, readonly=True)
    date = fields.Datetime(string="Changed On", required=True, readonly=True)

    _store_or_level = models.Constraint(
        "CHECK((company_id IS NOT NULL AND pricelist_id IS NOT NULL) OR level_id IS NOT NULL)",
        "A price change is of a store's price list or of a member level's price.",
    )
