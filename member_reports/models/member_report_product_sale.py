from odoo import fields, models
from odoo.tools import SQL

# the states of a POS order that count as sold (Odoo's own POS analysis)
SOLD_STATES = ("paid", "done", "invoiced")


class MemberReportProductSale(models.Model):
    """商品销售统计 Product sales statistics: one row per line of a paid POS
    order (member_pos), in the store of the order, with the product, its
    category, the cashier, whether the customer was a member and their level
    now; a return is its own order with negative quantities, so the sums are
    net of returns. Top-up lines are not sales (they are stored value, in the
    top-up detail) and are left out."""

    _name = "member.report.product.sale"
    _inherit = ["member.report.mixin"]
    _description = "Product Sales Statistics"
    _auto = False
    _order = "date desc, id desc"
    _depends = {
        "pos.order": ["date_order", "company_id", "partner_id", "state", "user_id", "config_id"],
        "pos.order.line": [
            "order_id",
            "product_id",
            "qty",
            "price_subtotal",
            "price_subtotal_incl",
            "member_topup_card",
            "member_discount",
        ],
        "product.product": ["product_tmpl_id"],
        "product.template": ["categ_id"],
        "res.partner": ["is_member", "member_level_id"],
        "res.company": ["parent_id", "currency_id"],
    }
    _report_xlsx_fields = (
        "date",
        "company_id",
        "order_id",
        "user_id",
        "product_id",
        "category_id",
        "partner_id",
        "level_id",
        "quantity",
        "returned_qty",
        "amount_untaxed",
        "amount",
        "member_amount",
    )

    date = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", string="Store", readonly=True)
    region_id = fields.Many2one("res.company", string="Region", readonly=True)
    config_id = fields.Many2one("pos.config", string="Point of Sale", readonly=True)
    order_id = fields.Many2one("pos.order", string="Order", readonly=True)
    user_id = fields.Many2one("res.users", string="Cashier", readonly=True)
    product_id = fields.Many2one("product.product", string="Product", readonly=True)
    category_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    is_member = fields.Boolean(string="Member", readonly=True)
    level_id = fields.Many2one("member.level", string="Level", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    quantity = fields.Float(string="Quantity", readonly=True, digits="Product Unit")
    returned_qty = fields.Float(string="Returned", readonly=True, digits="Product Unit")
    amount_untaxed = fields.Monetary(string="Untaxed", readonly=True)
    amount = fields.Monetary(string="Sales", readonly=True, help="Tax included.")
    member_amount = fields.Monetary(
        string="Sales to Members", readonly=True, help="Tax included; the part sold to members."
    )
    member_discount = fields.Float(
        string="Member Discount (%)", readonly=True, aggregator="avg", digits="Discount"
    )

    def _report_query(self):
        return SQL(
            """
            SELECT l.id AS id, o.date_order AS date, o.company_id AS company_id,
                   c.parent_id AS region_id, o.config_id AS config_id, o.id AS order_id,
                   o.user_id AS user_id, l.product_id AS product_id,
                   t.categ_id AS category_id, o.partner_id AS partner_id,
                   COALESCE(p.is_member, FALSE) AS is_member,
                   CASE WHEN p.is_member THEN p.member_level_id END AS level_id,
                   c.currency_id AS currency_id,
                   l.qty AS quantity, GREATEST(-l.qty, 0) AS returned_qty,
                   l.price_subtotal AS amount_untaxed, l.price_subtotal_incl AS amount,
                   CASE WHEN p.is_member THEN l.price_subtotal_incl ELSE 0 END AS member_amount,
                   COALESCE(l.member_discount, 0) AS member_discount
              FROM pos_order_line l
              JOIN pos_order o ON o.id = l.order_id
              JOIN res_company c ON c.id = o.company_id
              JOIN product_product pp ON pp.id = l.product_id
              JOIN product_template t ON t.id = pp.product_tmpl_id
              LEFT JOIN res_partner p ON p.id = o.partner_id
             WHERE o.state IN %(states)s AND l.member_topup_card IS NULL
            """,
            states=SOLD_STATES,
        )
