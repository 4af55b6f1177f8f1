from odoo import fields, models
from odoo.tools import SQL

DIRECTIONS = [("in", "In"), ("out", "Out")]
# what moved the goods, from the locations at both ends of the move
MOVE_KINDS = [
    ("receipt", "Receipt"),
    ("sale", "Sale"),
    ("return", "Customer Return"),
    ("vendor_return", "Return to Vendor"),
    ("transfer", "Transfer between Stores"),
    ("adjustment", "Inventory Adjustment"),
    ("scrap", "Scrap"),
    ("other", "Other"),
]


class MemberReportStockMove(models.Model):
    """进出库明细 Stock in/out detail: one row per done stock move (Odoo's
    ``stock.move``) and store it goes into or out of. A move between two
    internal locations of the same store changes nothing and is left out; a
    move out of a store into transit (a transfer to another store) is *out*
    for the first store, the move from transit into the second store is
    *in* for it. The quantity is in the product's unit of measure, signed:
    positive in, negative out."""

    _name = "member.report.stock.move"
    _inherit = ["member.report.mixin"]
    _description = "Stock In/Out Detail"
    _auto = False
    _order = "date desc, id desc"
    _depends = {
        "stock.move": [
            "date",
            "state",
            "product_id",
            "product_qty",
            "location_id",
            "location_dest_id",
            "picking_id",
            "reference",
            "company_id",
            "scrap_id",
        ],
        "stock.location": ["usage", "company_id", "warehouse_id"],
        "product.product": ["product_tmpl_id"],
        "product.template": ["categ_id"],
    }
    _report_xlsx_fields = (
        "date",
        "company_id",
        "direction",
        "kind",
        "reference",
        "product_id",
        "category_id",
        "location_id",
        "location_dest_id",
        "qty_in",
        "qty_out",
        "quantity",
    )

    date = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", string="Store", readonly=True)
    region_id = fields.Many2one("res.company", string="Region", readonly=True)
    move_id = fields.Many2one("stock.move", string="Stock Move", readonly=True)
    picking_id = fields.Many2one("stock.picking", string="Transfer", readonly=True)
    reference = fields.Char(readonly=True)
    direction = fields.Selection(DIRECTIONS, readonly=True)
    kind = fields.Selection(MOVE_KINDS, string="Movement", readonly=True)
    product_id = fields.Many2one("product.product", string="Product", readonly=True)
    category_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    location_id = fields.Many2one("stock.location", string="From", readonly=True)
    location_dest_id = fields.Many2one("stock.location", string="To", readonly=True)
    qty_in = fields.Float(string="Quantity In", readonly=True, digits="Product Unit")
    qty_out = fields.Float(string="Quantity Out", readonly=True, digits="Product Unit")
    quantity = fields.Float(string="Net Quantity", readonly=True, digits="Product Unit")

    def _report_query(self):
        # each done move once per end that lies in a store's internal
        # locations (the store: that location's company); ids stay unique:
        # 2 × move id for the out side, 2 × move id + 1 for the in side. The
        # two sides are two plain selects of stock_move under a UNION ALL
        # (not one CTE read twice, which PostgreSQL materialises whole): a
        # condition on the date reaches each side's scan of stock_move, and
        # its date index
        side = """
                SELECT %(row_id)s AS row_id, m.id, m.date, m.product_id, m.product_qty,
                       m.picking_id, m.scrap_id, m.reference, m.location_id,
                       m.location_dest_id, t.categ_id, %(direction)s::varchar AS direction,
                       %(store)s.company_id AS store_id, %(other)s.usage AS other_usage
                  FROM stock_move m
                  JOIN stock_location src ON src.id = m.location_id
                  JOIN stock_location dst ON dst.id = m.location_dest_id
                  JOIN product_product pp ON pp.id = m.product_id
                  JOIN product_template t ON t.id = pp.product_tmpl_id
                 WHERE m.state = 'done' AND %(store)s.usage = 'internal'
                   AND NOT (%(other)s.usage = 'internal'
                            AND src.company_id = dst.company_id)
        """
        out_side = SQL(
            side,
            row_id=SQL("2 * m.id"),
            direction="out",
            store=SQL.identifier("src"),
            other=SQL.identifier("dst"),
        )
        in_side = SQL(
            side,
            row_id=SQL("2 * m.id + 1"),
            direction="in",
            store=SQL.identifier("dst"),
            other=SQL.identifier("src"),
        )
        return SQL(
            """
            SELECT s.row_id AS id, s.date AS date, s.store_id AS company_id,
                   c.parent_id AS region_id, s.id AS move_id, s.picking_id AS picking_id,
                   s.reference AS reference, s.direction AS direction,
                   CASE
                       WHEN s.other_usage = 'supplier' AND s.direction = 'in' THEN 'receipt'
                       WHEN s.other_usage = 'supplier' THEN 'vendor_return'
                       WHEN s.other_usage = 'customer' AND s.direction = 'out' THEN 'sale'
                       WHEN s.other_usage = 'customer' THEN 'return'
                       WHEN s.other_usage IN ('transit', 'internal') THEN 'transfer'
                       WHEN s.scrap_id IS NOT NULL THEN 'scrap'
                       WHEN s.other_usage = 'inventory' THEN 'adjustment'
                       ELSE 'other'
                   END AS kind,
                   s.product_id AS product_id, s.categ_id AS category_id,
                   s.location_id AS location_id, s.location_dest_id AS location_dest_id,
                   CASE WHEN s.direction = 'in' THEN s.product_qty ELSE 0 END AS qty_in,
                   CASE WHEN s.direction = 'out' THEN s.product_qty ELSE 0 END AS qty_out,
                   CASE WHEN s.direction = 'in' THEN s.product_qty ELSE -s.product_qty END
                       AS quantity
              FROM (%(out_side)s UNION ALL %(in_side)s) s
              JOIN res_company c ON c.id = s.store_id
            """,
            out_side=out_side,
            in_side=in_side,
        )
