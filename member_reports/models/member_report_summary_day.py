import logging

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.member_wallet.models.member_wallet_booking import BOOKING_COMPANY_SQL

_logger = logging.getLogger(__name__)

# the summary's figures of a ledger line ``l`` of a posting ``m``, in the
# order of SUMMARY_FIGURES (the report's columns and this table's)
_MONEY = SQL("l.asset IN ('principal', 'bonus')")
SUMMARY_FIGURES = {
    "topup": SQL("CASE WHEN m.kind = 'topup' AND l.asset = 'principal' THEN l.amount ELSE 0 END"),
    "bonus": SQL("CASE WHEN m.kind = 'topup' AND l.asset = 'bonus' THEN l.amount ELSE 0 END"),
    "consumption": SQL("CASE WHEN m.kind = 'consumption' AND %s THEN -l.amount ELSE 0 END", _MONEY),
    "reversal": SQL("CASE WHEN m.kind = 'reversal' AND %s THEN l.amount ELSE 0 END", _MONEY),
    "other": SQL(
        "CASE WHEN m.kind NOT IN ('topup', 'consumption', 'reversal') AND %s"
        " THEN l.amount ELSE 0 END",
        _MONEY,
    ),
    "net": SQL("CASE WHEN %s THEN l.amount ELSE 0 END", _MONEY),
    "points_earned": SQL(
        "CASE WHEN l.asset = 'points' AND l.kind = 'earn' THEN l.amount ELSE 0 END::integer"
    ),
    "points_redeemed": SQL(
        "CASE WHEN l.asset = 'points' AND l.kind = 'redemption' THEN -l.amount ELSE 0 END::integer"
    ),
    "points_other": SQL(
        "CASE WHEN l.asset = 'points' AND l.kind NOT IN ('earn', 'redemption')"
        " THEN l.amount ELSE 0 END::integer"
    ),
    "package_uses": SQL(
        "CASE WHEN l.asset = 'package' AND l.kind = 'package_use'"
        " THEN -l.amount ELSE 0 END::integer"
    ),
}
# the local day of a line in the time zone of the store ``c`` whose books it goes to
SUMMARY_DAY = SQL(
    "(l.date AT TIME ZONE 'UTC' AT TIME ZONE COALESCE(c.member_tz, 'Asia/Shanghai'))::date"
)


class MemberReportSummaryDay(models.Model):
    """The daily summary (汇总明细) pre-aggregated: one row per store (whose
    books the lines go to), local day and currency, with the summary's
    figures summed over the ledger lines dated before the refresh's
    watermark (``member.report.refresh.summary_until``). Ledger lines are
    never edited or deleted, and a posting is dated with its transaction's
    start, so each refresh adds the lines dated between the last watermark
    and its own (every one of them committed when it reads): an upsert of
    their sums, nothing read twice. The summary (``member.report.summary``)
    reads this table for those lines and the ledger for the lines after it,
    so its figures stay exact and current."""

    _name = "member.report.summary.day"
    _description = "Daily Summary per Store and Day"
    _log_access = False
    _order = "day desc, company_id"
    _rec_name = "day"

    company_id = fields.Many2one("res.company", string="Store", required=True, readonly=True)
    day = fields.Date(required=True, readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    date = fields.Datetime(readonly=True, help="The day's local midnight, in UTC.")
    topup = fields.Float(digits=(16, 2), readonly=True)
    bonus = fields.Float(digits=(16, 2), readonly=True)
    consumption = fields.Float(digits=(16, 2), readonly=True)
    reversal = fields.Float(digits=(16, 2), readonly=True)
    other = fields.Float(digits=(16, 2), readonly=True)
    net = fields.Float(digits=(16, 2), readonly=True)
    points_earned = fields.Integer(readonly=True)
    points_redeemed = fields.Integer(readonly=True)
    points_other = fields.Integer(readonly=True)
    package_uses = fields.Integer(readonly=True)
    lines = fields.Integer(readonly=True, help="Ledger lines summed.")

    _company_day_currency_unique = models.UniqueIndex("(company_id, day, currency_id)")
    _date = models.Index("(date DESC, id DESC)")

    @api.model
    def _sums_sql(self, date_from, date_to):
        """The lines dated in ``[date_from, date_to)`` (``date_from`` None:
        every line before ``date_to``) summed per store, local day and
        currency."""
        bounds = SQL("l.date < %s", date_to)
        if date_from:
            bounds = SQL("l.date >= %s AND %s", date_from, bounds)
        figures = SQL(", ").join(
            SQL("SUM(%s)", expression) for expression in SUMMARY_FIGURES.values()
        )
        return SQL(
            """
            SELECT c.id AS company_id, %(day)s AS day, w.currency_id AS currency_id,
                   (%(day)s::timestamp AT TIME ZONE COALESCE(c.member_tz, 'Asia/Shanghai'))
                       AT TIME ZONE 'UTC' AS date,
                   %(figures)s, COUNT(*) AS lines
              FROM member_wallet_line l
              JOIN member_wallet_move m ON m.id = l.move_id
              LEFT JOIN LATERAL (
                    SELECT rm.id, rm.company_id
                      FROM member_wallet_move rm WHERE rm.id = m.reversed_move_id
                     LIMIT 1) r ON TRUE
              JOIN res_company c ON c.id = %(company)s
              JOIN member_wallet w ON w.id = l.wallet_id
             WHERE %(bounds)s
             GROUP BY 1, 2, 3, 4
            """,
            day=SUMMARY_DAY,
            figures=figures,
            company=BOOKING_COMPANY_SQL,
            bounds=bounds,
        )

    def _columns(self):
        return SQL(", ").join(
            SQL.identifier(name)
            for name in ("company_id", "day", "currency_id", "date", *SUMMARY_FIGURES, "lines")
        )

    @api.model
    def _rebuild(self, date_to):
        """Every line dated before ``date_to`` (None: the table left empty).
        The rows written."""
        cr = self.env.cr
        # not TRUNCATE (its lock): the reports are read meanwhile
        cr.execute("DELETE FROM member_report_summary_day")
        if not date_to:
            return 0
        cr.execute("SET LOCAL work_mem = '256MB'")
        cr.execute(
            SQL(
                "INSERT INTO member_report_summary_day (%s) %s",
                self._columns(),
                self._sums_sql(None, date_to),
            )
        )
        rows = cr.rowcount
        cr.execute("RESET work_mem")
        cr.execute("ANALYZE member_report_summary_day")
        return rows

    @api.model
    def _add_lines(self, date_from, date_to):
        """Add the lines dated in ``[date_from, date_to)`` to the sums (one
        upsert). The rows written."""
        updates = SQL(", ").join(
            SQL(
                "%s = member_report_summary_day.%s + EXCLUDED.%s",
                SQL.identifier(name),
                SQL.identifier(name),
                SQL.identifier(name),
            )
            for name in (*SUMMARY_FIGURES, "lines")
        )
        self.env.cr.execute(
            SQL(
                """INSERT INTO member_report_summary_day (%s) %s
                   ON CONFLICT (company_id, day, currency_id) DO UPDATE SET %s""",
                self._columns(),
                self._sums_sql(date_from, date_to),
                updates,
            )
        )
        return self.env.cr.rowcount
