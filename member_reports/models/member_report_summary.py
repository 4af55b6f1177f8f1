from odoo import fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from .member_report_ledger_mixin import POSTING_COLUMNS, POSTINGS_FROM
from .member_report_summary_day import SUMMARY_DAY, SUMMARY_FIGURES

# the fields a condition may name and still be answered by the table's days
SUMMARY_DAY_FIELDS = {"day", "company_id", "region_id", "currency_id"}
MONEY_FIGURES = ("topup", "bonus", "consumption", "reversal", "other", "net")


class MemberReportSummary(models.Model):
    """汇总明细: the summary per store and day. One row per ledger line with
    its figure in its column (top-up, bonus, consumption, returns, other
    stored value, points earned and redeemed, package uses); the list and
    the pivot group them by store and day (the store's local day).

    The lines dated before the refresh's watermark are also summed per
    store and day in ``member.report.summary.day`` (``source = 'day'``
    rows, negative ids): a domain on the store, region and day only reads
    those days and the lines after the watermark (a year's pivot reads a
    few thousand rows, not the year's lines); any other condition reads the
    ledger's lines only (``_report_source_domain``). Exact and current
    either way."""

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

    source = fields.Selection(
        [("line", "Ledger Line"), ("day", "Day (pre-aggregated)")],
        readonly=True,
        help="A ledger line, or a store's day summed by the refresh (the lines dated before "
        "its watermark).",
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
        figures = SQL(", ").join(
            SQL("%s AS %s", expression, SQL.identifier(name))
            for name, expression in SUMMARY_FIGURES.items()
        )
        day_figures = SQL(", ").join(
            SQL(
                "d.%s%s AS %s",
                SQL.identifier(name),
                SQL("::numeric" if name in MONEY_FIGURES else ""),
                SQL.identifier(name),
            )
            for name in SUMMARY_FIGURES
        )
        # the ledger's lines (every one of them: the raw side), then the
        # table's days (negative ids), each row saying which it is
        return SQL(
            """
            SELECT l.id AS id, 'line' AS source, l.date AS date, %(columns)s,
                   %(day)s AS day, %(figures)s
              FROM member_wallet_line l
              JOIN (%(postings)s) ON m.id = l.move_id
             UNION ALL
            SELECT -d.id AS id, 'day' AS source, d.date AS date, d.date AS move_date,
                   d.company_id AS company_id, c.parent_id AS region_id,
                   NULL::int4 AS posted_company_id, NULL::int4 AS user_id,
                   NULL::int4 AS journal_id, NULL::int4 AS partner_id, NULL::int4 AS card_id,
                   NULL::int4 AS card_type_id, NULL::int4 AS level_id, NULL::int4 AS move_id,
                   NULL::varchar AS move_kind, d.currency_id AS currency_id,
                   d.day AS day, %(day_figures)s
              FROM member_report_summary_day d
              JOIN res_company c ON c.id = d.company_id
            """,
            columns=POSTING_COLUMNS,
            postings=POSTINGS_FROM,
            day=SUMMARY_DAY,
            figures=figures,
            day_figures=day_figures,
        )

    # ------------------------------------------------------------------
    # The table's days, or the ledger's lines
    # ------------------------------------------------------------------

    def _search(self, domain, *args, **kwargs):
        return super()._search(self._report_source_domain(domain), *args, **kwargs)

    def _read_group(self, domain, *args, **kwargs):
        # chosen before the ledger mixin adds its bounds on the dates
        return super()._read_group(self._report_source_domain(domain), *args, **kwargs)

    def _report_source_domain(self, domain):
        """``domain`` reading the table's days for the lines it holds (those
        dated before its watermark) and the ledger's lines after it, when
        every condition is on what the table has (``SUMMARY_DAY_FIELDS``:
        store, region, day, currency); else (an operator, payment method,
        member, card, card type, level, tag, posting, or a condition on the
        date and time itself) the ledger's lines only, so that the figures
        stay exact. A domain already choosing (``source``), or naming rows
        by id (reading records, an export of the rows selected), is kept."""
        domain = Domain(domain)
        names = set()
        for condition in domain.iter_conditions():
            names.add(str(condition.field_expr).split(".")[0])
        if "source" in names or "id" in names:
            return domain
        until = self.env["member.report.refresh"]._summary_until()
        if until and names <= SUMMARY_DAY_FIELDS:
            return domain & (Domain("source", "=", "day") | Domain("date", ">=", until))
        return domain & Domain("source", "=", "line")
