from odoo import fields, models
from odoo.tools import SQL

from .member_report_product_sale import SOLD_STATES


class MemberReportConversion(models.Model):
    """Conversion of customers into members (head office): one row per paid
    POS order (member_pos) with its sales (top-ups left out: they are
    stored value, not sales), in the store of the order, saying whether the
    customer was a member. The pivot shows per store and month the orders
    and sales made by members beside all of them; *Member Orders (%)*
    averages to the share of orders made by members."""

    _name = "member.report.conversion"
    _inherit = ["member.report.mixin"]
    _description = "Member Conversion"
    _auto = False
    _order = "date desc, id desc"
    _depends = {
        "pos.order": ["date_order", "company_id", "partner_id", "state", "config_id"],
        "pos.order.line": ["order_id", "price_subtotal_incl", "member_topup_card"],
        "res.partner": ["is_member", "member_level_id"],
        "res.company": ["parent_id", "currency_id"],
    }
    _report_xlsx_fields = (
        "date",
        "company_id",
        "order_id",
        "partner_id",
        "is_member",
        "order_count",
        "member_order_count",
        "amount",
        "member_amount",
    )

    date = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", string="Store", readonly=True)
    region_id = fields.Many2one("res.company", string="Region", readonly=True)
    config_id = fields.Many2one("pos.config", string="Point of Sale", readonly=True)
    order_id = fields.Many2one("pos.order", string="Order", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    is_member = fields.Boolean(string="Member", readonly=True)
    level_id = fields.Many2one("member.level", string="Level", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    order_count = fields.Integer(string="Orders", readonly=True)
    member_order_count = fields.Integer(string="Member Orders", readonly=True)
    member_order_share = fields.Float(
        string="Member Orders (%)",
        readonly=True,
        aggregator="avg",
        help="100 for an order of a member, 0 otherwise: averaged, the share of orders "
        "made by members.",
    )
    amount = fields.Monetary(string="Sales", readonly=True)
    member_amount = fields.Monetary(string="Sales to Members", readonly=True)

    def _report_query(self):
        return SQL(
            """
            SELECT o.id AS id, o.date_order AS date, o.company_id AS company_id,
                   c.parent_id AS region_id, o.config_id AS config_id, o.id AS order_id,
                   o.partner_id AS partner_id, COALESCE(p.is_member, FALSE) AS is_member,
                   CASE WHEN p.is_member THEN p.member_level_id END AS level_id,
                   c.currency_id AS currency_id, 1 AS order_count,
                   CASE WHEN p.is_member THEN 1 ELSE 0 END AS member_order_count,
                   CASE WHEN p.is_member THEN 100.0 ELSE 0.0 END AS member_order_share,
                   s.amount AS amount,
                   CASE WHEN p.is_member THEN s.amount ELSE 0 END AS member_amount
              FROM pos_order o
              JOIN res_company c ON c.id = o.company_id
              LEFT JOIN res_partner p ON p.id = o.partner_id
              JOIN LATERAL (
                    SELECT SUM(l.price_subtotal_incl) AS amount
                      FROM pos_order_line l
                     WHERE l.order_id = o.id AND l.member_topup_card IS NULL
                    HAVING COUNT(*) > 0) s ON TRUE
             WHERE o.state IN %(states)s
            """,
            states=SOLD_STATES,
        )
