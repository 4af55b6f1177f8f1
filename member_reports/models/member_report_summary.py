from odoo import fields, models
from odoo.tools import SQL

from .member_report_ledger_mixin import POSTING_COLUMNS, POSTINGS_FROM


class MemberReportSummary(models.Model):
    """汇总明细: the summary per store and day. One row per ledger line with
    its figure in its column (top-up, bonus, consumption, returns, other
    stored value, points earned and redeemed, package uses); the list and
    the pivot group them by store and day (the store's local day). Rows
    rather than pre-summed days, so that a month's summary reads the
    month's lines through the date index, and the store rules apply."""

    _name = "member.report.summary"
    _inherit = ["member.report.ledger.mixin"]
    _description = "Daily Summary"
    _auto = False
    _order = "date desc, id desc"
    _report_day_field = "day"
    _report_xlsx_groupby = ("day:day", "company_id")
    _report_xlsx_fields = (
        "day",
        "company_id",
        "topup",
        "bonus",
        "consumption",
        "reversal",
        "other",
        "net",
        "points_earned",
        "points_redeemed",
        "points_other",
        "package_uses",
    )

    day = fields.Date(readonly=True, help="The day in the store's time zone.")
    topup = fields.Monetary(string="Top-ups", readonly=True, help="Paid-in value topped up.")
    bonus = fields.Monetary(string="Bonus Given", readonly=True)
    consumption = fields.Monetary(string="Consumption", readonly=True)
    reversal = fields.Monetary(
        string="Returns",
        readonly=True,
        help="Stored value moved by reversals: positive when a consumption was given back, "
        "negative when a top-up was taken back.",
    )
    other = fields.Monetary(
        string="Other Stored Value",
        readonly=True,
        help="Package sales and timed sessions paid from stored value, withdrawals, "
        "adjustments, expiries, transfers, opening balances (signed).",
    )
    net = fields.Monetary(
        string="Net Stored Value",
        readonly=True,
        help="Top-ups + bonus − consumption + returns + other.",
    )
    points_earned = fields.Integer(readonly=True)
    points_redeemed = fields.Integer(readonly=True)
    points_other = fields.Integer(
        string="Points Adjusted",
        readonly=True,
        help="Adjustments, expiries, reversals and other changes of points (signed).",
    )
    package_uses = fields.Integer(readonly=True)

    def _report_query(self):
        money = SQL("l.asset IN ('principal', 'bonus')")
        return SQL(
            """
            SELECT l.id AS id, l.date AS date, %(columns)s,
                   (l.date AT TIME ZONE 'UTC'
                           AT TIME ZONE COALESCE(c.member_tz, 'Asia/Shanghai'))::date AS day,
                   CASE WHEN m.kind = 'topup' AND l.asset = 'principal'
                        THEN l.amount ELSE 0 END AS topup,
                   CASE WHEN m.kind = 'topup' AND l.asset = 'bonus'
                        THEN l.amount ELSE 0 END AS bonus,
                   CASE WHEN m.kind = 'consumption' AND %(money)s
                        THEN -l.amount ELSE 0 END AS consumption,
                   CASE WHEN m.kind = 'reversal' AND %(money)s
                        THEN l.amount ELSE 0 END AS reversal,
                   CASE WHEN m.kind NOT IN ('topup', 'consumption', 'reversal') AND %(money)s
                        THEN l.amount ELSE 0 END AS other,
                   CASE WHEN %(money)s THEN l.amount ELSE 0 END AS net,
                   CASE WHEN l.asset = 'points' AND l.kind = 'earn'
                        THEN l.amount ELSE 0 END::integer AS points_earned,
                   CASE WHEN l.asset = 'points' AND l.kind = 'redemption'
                        THEN -l.amount ELSE 0 END::integer AS points_redeemed,
                   CASE WHEN l.asset = 'points' AND l.kind NOT IN ('earn', 'redemption')
                        THEN l.amount ELSE 0 END::integer AS points_other,
                   CASE WHEN l.asset = 'package' AND l.kind = 'package_use'
                        THEN -l.amount ELSE 0 END::integer AS package_uses
              FROM member_wallet_line l
              JOIN (%(postings)s) ON m.id = l.move_id
            """,
            columns=POSTING_COLUMNS,
            postings=POSTINGS_FROM,
            money=money,
        )
