from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import float_compare, float_round


class MemberLevelPrice(models.Model):
    """A fixed member price (会员价) of a chain product for the members of one
    level, set by head office on the product: at the till, the line of that
    product for a member of that level gets the discount that brings its
    unit price to this price, instead of the level's discount; the server
    checks it when the order syncs. Chain data like the product (no
    company); every change is logged in ``member.price.change``."""

    _name = "member.level.price"
    _inherit = ["pos.load.mixin"]
    _description = "Member Price per Level"
    _order = "product_tmpl_id, level_id"

    product_tmpl_id = fields.Many2one(
        "product.template",
        string="Product",
        required=True,
        index=True,
        ondelete="cascade",
    )
    level_id = fields.Many2one(
        "member.level",
        string="Member Level",
        required=True,
        index=True,
        ondelete="restrict",
    )
    price = fields.Float(
        string="Member Price",
        digits="Product Price",
        required=True,
        help="What a member of this level pays for one unit at the till (taxes as on the "
        "product's price). Above the till's price: no discount.",
    )
    currency_id = fields.Many2one(related="product_tmpl_id.currency_id")

    _product_level_unique = models.Constraint(
        "UNIQUE(product_tmpl_id, level_id)",
        "A product has one member price per member level.",
    )

    @api.constrains("price")
    def _check_price(self):
        for record in self:
            if float_compare(record.price, 0.0, precision_digits=6) < 0:
                raise ValidationError(
                    self.env._(
                        "The member price of %(product)s for %(level)s cannot be negative.",
                        product=record.product_tmpl_id.display_name,
                        level=record.level_id.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # The log: who changed which member price (member.price.change)
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._member_log(
            [
                ("create", record.product_tmpl_id, record.level_id, 0.0, record.price)
                for record in records
            ]
        )
        return records

    def write(self, vals):
        before = {
            record.id: (record.product_tmpl_id, record.level_id, record.price) for record in self
        }
        res = super().write(vals)
        entries = []
        for record in self:
            product, level, price = before[record.id]
            if (product, level) != (record.product_tmpl_id, record.level_id):
                entries += [
                    ("delete", product, level, price, 0.0),
                    ("create", record.product_tmpl_id, record.level_id, 0.0, record.price),
                ]
            elif float_compare(price, record.price, precision_digits=self._member_digits()):
                entries.append(("update", product, level, price, record.price))
        self._member_log(entries)
        return res

    def unlink(self):
        entries = [
            ("delete", record.product_tmpl_id, record.level_id, record.price, 0.0)
            for record in self
        ]
        res = super().unlink()
        self._member_log(entries)
        return res

    def _member_digits(self):
        return self.env["decimal.precision"].precision_get("Product Price")

    def _member_log(self, entries):
        """One ``member.price.change`` line per entry ``(action, product,
        level, old price, new price)``, by the current user, now (the log is
        read-only to everyone: written as superuser)."""
        if not entries:
            return
        now, user = fields.Datetime.now(), self.env.user
        self.env["member.price.change"].sudo().create(
            [
                {
                    "product_tmpl_id": product.id,
                    "level_id": level.id,
                    "action": action,
                    "old_price": old,
                    "new_price": new,
                    "user_id": user.id,
                    "date": now,
                }
                for action, product, level, old, new in entries
            ]
        )

    # ------------------------------------------------------------------
    # The till and the server's check at sync
    # ------------------------------------------------------------------

    @api.model
    def _member_prices(self, templates, level):
        """``{product.template id: member price}`` of ``templates`` for
        ``level`` (as superuser: the server's check)."""
        if not templates or not level:
            return {}
        prices = self.sudo().search_fetch(
            [("product_tmpl_id", "in", templates.ids), ("level_id", "=", level.id)],
            ["product_tmpl_id", "price"],
        )
        return {price.product_tmpl_id.id: price.price for price in prices}

    @api.model
    def _member_discount(self, price, price_unit):
        """The line discount (%) that brings ``price_unit`` to the member
        ``price``: ``(1 - price / price_unit) * 100`` rounded to the
        discount's decimals (the till computes it the same way), never
        negative (a member price above the unit price: 0)."""
        if float_compare(price_unit, 0.0, precision_digits=6) <= 0:
            return 0.0
        digits = self.env["decimal.precision"].precision_get("Discount")
        discount = float_round((1.0 - price / price_unit) * 100.0, precision_digits=digits)
        return min(max(discount, 0.0), 100.0)

    @api.model
    def _load_pos_data_domain(self, data, config):
        # the member prices of the products the till may sell (its store's),
        # including those it loads later (limited loading): a few per product
        # that has one
        store = config.company_id
        return [
            ("product_tmpl_id.available_in_pos", "=", True),
            ("product_tmpl_id.sale_ok", "=", True),
            ("product_tmpl_id.company_id", "in", [False, store.id]),
            "|",
            ("product_tmpl_id.member_store_ids", "=", False),
            ("product_tmpl_id.member_store_ids", "in", store.ids),
        ]

    @api.model
    def _load_pos_data_fields(self, config):
        return ["id", "product_tmpl_id", "level_id", "price"]

    def _unrelevant_records(self, config):
        # a till's cached prices that no longer apply there (no active field:
        # removed prices are dropped by filter_local_data itself)
        domain = Domain(self._load_pos_data_domain({}, config)) & Domain("id", "in", self.ids)
        return (self - self.search(domain)).ids
