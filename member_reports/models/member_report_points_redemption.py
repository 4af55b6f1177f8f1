from odoo import fields, models
from odoo.tools import SQL

from .member_report_ledger_mixin import POSTING_COLUMNS, POSTINGS_FROM


class MemberReportPointsRedemption(models.Model):
    """积分兑换: the points redemptions, one row per posting: the points
    spent, for which gift and how many, or the cash deduction they gave."""

    _name = "member.report.points.redemption"
    _inherit = ["member.report.ledger.mixin"]
    _description = "Points Redemptions"
    _auto = False
    _report_xlsx_fields = (
        "date",
        "company_id",
        "card_id",
        "partner_id",
        "level_id",
        "user_id",
        "points",
        "product_id",
        "product_qty",
        "cash_amount",
        "note",
    )

    points = fields.Integer(string="Points Redeemed", readonly=True)
    product_id = fields.Many2one("product.product", string="Gift", readonly=True)
    product_qty = fields.Integer(string="Gift Quantity", readonly=True)
    cash_amount = fields.Monetary(string="Cash Value", readonly=True)
    note = fields.Text(readonly=True)

    def _report_query(self):
        return SQL(
            """
            SELECT m.id AS id, m.date AS date, %(columns)s, -m.points AS points,
                   m.points_product_id AS product_id,
                   COALESCE(m.points_product_qty, 0) AS product_qty,
                   COALESCE(m.points_cash_amount, 0) AS cash_amount, m.note AS note
              FROM %(postings)s
             WHERE m.kind = 'redemption'
            """,
            columns=POSTING_COLUMNS,
            postings=POSTINGS_FROM,
        )
