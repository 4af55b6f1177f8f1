from odoo import fields, models, tools


class MemberStockReport(models.Model):
    """Products × stores for head office (总部商品查询): on hand and reserved
    in the store's internal locations, in transit towards the store (shipped
    transfers not yet received), and the store's last POS sale. A view over
    the quants, the transfers and the POS lines, each aggregated once."""

    _name = "member.stock.report"
    _description = "Products and Stock across Stores"
    _auto = False
    _order = "company_id, product_id"

    product_id = fields.Many2one("product.product", string="Product", readonly=True)
    product_tmpl_id = fields.Many2one("product.template", string="Product Template", readonly=True)
    categ_id = fields.Many2one("product.category", string="Category", readonly=True)
    categ_l1_id = fields.Many2one("product.category", string="Category Level 1", readonly=True)
    categ_l2_id = fields.Many2one("product.category", string="Category Level 2", readonly=True)
    categ_l3_id = fields.Many2one("product.category", string="Category Level 3", readonly=True)
    company_id = fields.Many2one("res.company", string="Store", readonly=True)
    region_id = fields.Many2one("res.company", string="Region", readonly=True)
    qty_on_hand = fields.Float(string="On Hand", digits="Product Unit", readonly=True)
    qty_reserved = fields.Float(string="Reserved", digits="Product Unit", readonly=True)
    qty_available = fields.Float(string="Available", digits="Product Unit", readonly=True)
    qty_in_transit = fields.Float(string="In Transit", digits="Product Unit", readonly=True)
    last_sale_date = fields.Datetime(string="Last Sale", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        # One row per (product, store) that has stock, goods coming or a sale.
        self.env.cr.execute(
            f"""
            CREATE VIEW {self._table} AS (
                WITH stock AS (
                    SELECT q.product_id, l.company_id,
                           SUM(q.quantity) AS on_hand, SUM(q.reserved_quantity) AS reserved
                      FROM stock_quant q
                      JOIN stock_location l ON l.id = q.location_id
                     WHERE l.usage = 'internal' AND l.company_id IS NOT NULL
                  GROUP BY q.product_id, l.company_id
                ), transit AS (
                    SELECT tl.product_id, t.dest_company_id AS company_id,
                           SUM(tl.qty_in_transit) AS in_transit
                      FROM member_stock_transfer_line tl
                      JOIN member_stock_transfer t ON t.id = tl.transfer_id
                     WHERE t.state = 'in_transit' AND tl.qty_in_transit > 0
                  GROUP BY tl.product_id, t.dest_company_id
                ), sale AS (
                    SELECT pol.product_id, po.company_id, MAX(po.date_order) AS last_sale
                      FROM pos_order_line pol
                      JOIN pos_order po ON po.id = pol.order_id
                     WHERE po.state IN ('paid', 'done', 'invoiced') AND pol.qty > 0
                  GROUP BY pol.product_id, po.company_id
                ), pairs AS (
                    SELECT product_id, company_id FROM stock
                     UNION SELECT product_id, company_id FROM transit
                     UNION SELECT product_id, company_id FROM sale
                )
                SELECT ROW_NUMBER() OVER (ORDER BY pairs.company_id, pairs.product_id) AS id,
                       pairs.product_id,
                       pp.product_tmpl_id,
                       pt.categ_id,
                       NULLIF(split_part(pc.parent_path, '/', 1), '')::int AS categ_l1_id,
                       NULLIF(split_part(pc.parent_path, '/', 2), '')::int AS categ_l2_id,
                       NULLIF(split_part(pc.parent_path, '/', 3), '')::int AS categ_l3_id,
                       pairs.company_id,
                       CASE WHEN parent.member_company_kind = 'region'
                            THEN parent.id END AS region_id,
                       COALESCE(stock.on_hand, 0) AS qty_on_hand,
                       COALESCE(stock.reserved, 0) AS qty_reserved,
                       COALESCE(stock.on_hand, 0) - COALESCE(stock.reserved, 0) AS qty_available,
                       COALESCE(transit.in_transit, 0) AS qty_in_transit,
                       sale.last_sale AS last_sale_date
                  FROM pairs
                  JOIN product_product pp ON pp.id = pairs.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  JOIN res_company store ON store.id = pairs.company_id
             LEFT JOIN res_company parent ON parent.id = store.parent_id
             LEFT JOIN product_category pc ON pc.id = pt.categ_id
             LEFT JOIN stock ON stock.product_id = pairs.product_id
                            AND stock.company_id = pairs.company_id
             LEFT JOIN transit ON transit.product_id = pairs.product_id
                              AND transit.company_id = pairs.company_id
             LEFT JOIN sale ON sale.product_id = pairs.product_id
                           AND sale.company_id = pairs.company_id
                 WHERE store.member_company_kind = 'store'
            )
            """  # noqa: S608 - the table name is the model's
        )
