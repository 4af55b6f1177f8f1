from odoo import fields, models
from odoo.tools import SQL

from .member_report_ledger_mixin import POSTING_COLUMNS, POSTINGS_FROM

POINTS_LINE_KINDS = [
    ("earn", "Earned"),
    ("adjustment", "Adjusted"),
    ("expiry", "Expired"),
    ("redemption", "Redeemed"),
    ("reversal", "Reversed"),
    ("opening", "Opening Balance"),
    ("transfer", "Transfer"),
]


class MemberReportPoints(models.Model):
    """加减积分: every change of points, one row per ledger line: earned,
    adjusted by hand (with the reason), expired, redeemed, reversed."""

    _name = "member.report.points"
    _inherit = ["member.report.ledger.mixin"]
    _description = "Points Changes"
    _auto = False
    _report_xlsx_fields = (
        "date",
        "company_id",
        "card_id",
        "partner_id",
        "level_id",
        "user_id",
        "kind",
        "points_in",
        "points_out",
        "points",
        "balance_after",
        "sale_amount",
        "note",
    )

    kind = fields.Selection(POINTS_LINE_KINDS, string="Change", readonly=True)
    points_in = fields.Integer(string="Points Added", readonly=True)
    points_out = fields.Integer(string="Points Taken", readonly=True)
    points = fields.Integer(string="Net Points", readonly=True)
    balance_after = fields.Integer(string="Points After", readonly=True, aggregator=None)
    sale_amount = fields.Monetary(
        string="Amount Spent",
        readonly=True,
        help="For points earned: the sale they were earned on.",
    )
    note = fields.Text(string="Reason", readonly=True)

    def _report_query(self):
        return SQL(
            """
            SELECT l.id AS id, l.date AS date, %(columns)s, l.kind AS kind,
                   GREATEST(l.amount, 0)::integer AS points_in,
                   GREATEST(-l.amount, 0)::integer AS points_out,
                   l.amount::integer AS points, l.balance_after::integer AS balance_after,
                   CASE WHEN l.kind = 'earn' THEN COALESCE(m.points_sale_amount, 0) ELSE 0 END
                       AS sale_amount,
                   m.note AS note
              FROM member_wallet_line l
              JOIN (%(postings)s) ON m.id = l.move_id
             WHERE l.asset = 'points'
            """,
            columns=POSTING_COLUMNS,
            postings=POSTINGS_FROM,
        )
