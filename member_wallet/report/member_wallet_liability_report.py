from odoo import api, fields, models
from odoo.tools import SQL

from ..models.member_wallet_booking import BOOKING_COMPANY_SQL


class MemberWalletLiabilityReport(models.Model):
    """Stored-value liability per store: what the general ledger holds, what
    the wallet has not booked yet, and what the ledger says the store's
    books should hold. Expected: general ledger + not yet booked = ledger,
    to the cent, in every store at any moment; the ledgers of the chain
    add up to the sum of the wallet balances.

    Read-time SQL (``_table_query``), so that the hooks of other addons
    (what the wallet does not book, what they have not booked yet) are
    always those of the installed addons.
    """

    _name = "member.wallet.liability.report"
    _description = "Stored-Value Liability"
    _auto = False
    _order = "company_id"
    _rec_name = "company_id"
    _depends = {
        "member.wallet.move": ["amount", "booking_id", "company_id", "kind", "reversed_move_id"],
        "member.wallet.booking": ["account_move_id"],
        "member.settlement.line": ["amount", "state", "from_company_id", "to_company_id"],
        "account.move.line": ["balance", "account_id", "company_id", "parent_state"],
        "res.company": ["member_liability_account_id", "parent_path", "chart_template"],
    }

    company_id = fields.Many2one("res.company", string="Store", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    has_books = fields.Boolean(
        string="Keeps Books",
        readonly=True,
        help="The store (or the company whose books it shares) has a chart of accounts. A "
        "store without books books nothing: all its stored value counts as not yet booked.",
    )
    gl_amount = fields.Monetary(
        string="General Ledger",
        readonly=True,
        help="Credit balance of the stored-value liability account in the store's posted "
        "journal entries.",
    )
    unbooked_amount = fields.Monetary(
        string="Not Yet Booked",
        readonly=True,
        help="Stored value of the postings the booking job has not booked yet (and of the "
        "documents other addons have not booked yet).",
    )
    unbooked_count = fields.Integer(string="Postings Not Yet Booked", readonly=True)
    ledger_amount = fields.Monetary(
        string="Ledger",
        readonly=True,
        help="Stored value the store's books should hold: its postings (a reversal counts in "
        "the store of the posting it reverses), plus what settled inter-store lines moved "
        "to it, minus what they moved away.",
    )
    difference = fields.Monetary(
        readonly=True, help="General ledger + not yet booked − ledger: expected 0."
    )

    @property
    def _table_query(self):
        excluded = self.env["member.wallet.move"]._member_booking_excluded_sql()
        return SQL(
            """
            WITH postings AS (
                SELECT %(company)s AS company_id, m.amount, m.booking_id,
                       COALESCE((%(excluded)s), FALSE) AS excluded
                  FROM member_wallet_move m
                  LEFT JOIN member_wallet_move r ON r.id = m.reversed_move_id
                 WHERE m.amount <> 0
            ), ledger AS (
                SELECT company_id, SUM(amount) AS amount,
                       SUM(amount) FILTER (WHERE unbooked) AS unbooked,
                       COUNT(*) FILTER (WHERE unbooked) AS unbooked_count,
                       COUNT(*) FILTER (WHERE NOT excluded) AS count
                  FROM (SELECT *, booking_id IS NULL AND NOT excluded AS unbooked
                          FROM postings) p
              GROUP BY company_id
            ), settled AS (
                SELECT company_id, SUM(amount) AS amount
                  FROM (SELECT to_company_id AS company_id, amount
                          FROM member_settlement_line WHERE state = 'settled'
                        UNION ALL
                        SELECT from_company_id, -amount
                          FROM member_settlement_line WHERE state = 'settled') moved
              GROUP BY company_id
            ), elsewhere AS (
                SELECT company_id, SUM(amount) AS amount, SUM(count) AS count
                  FROM (%(elsewhere)s) pending
              GROUP BY company_id
            ), companies AS (
                -- the liability account of a company is its own or its nearest parent's
                SELECT c.id AS company_id, c.currency_id,
                       (SELECT p.member_liability_account_id
                          FROM res_company p
                         WHERE p.member_liability_account_id IS NOT NULL
                           AND c.parent_path LIKE p.parent_path || '%%'
                      ORDER BY length(p.parent_path) DESC
                         LIMIT 1) AS account_id,
                       EXISTS (SELECT 1 FROM res_company p
                                WHERE p.chart_template IS NOT NULL
                                  AND c.parent_path LIKE p.parent_path || '%%') AS has_books
                  FROM res_company c
            ), gl AS (
                SELECT c.company_id, -SUM(aml.balance) AS amount
                  FROM companies c
                  JOIN account_move_line aml ON aml.company_id = c.company_id
                                            AND aml.account_id = c.account_id
                                            AND aml.parent_state = 'posted'
              GROUP BY c.company_id
            ), report AS (
                SELECT c.company_id, c.currency_id, c.has_books,
                       COALESCE(gl.amount, 0) AS gl_amount,
                       COALESCE(l.amount, 0) + COALESCE(s.amount, 0) AS ledger_amount,
                       CASE WHEN c.has_books
                            THEN COALESCE(l.unbooked, 0) + COALESCE(e.amount, 0)
                            ELSE COALESCE(l.amount, 0) + COALESCE(s.amount, 0) END
                           AS unbooked_amount,
                       CASE WHEN c.has_books
                            THEN COALESCE(l.unbooked_count, 0) + COALESCE(e.count, 0)
                            ELSE COALESCE(l.count, 0) END AS unbooked_count
                  FROM companies c
                  LEFT JOIN ledger l ON l.company_id = c.company_id
                  LEFT JOIN settled s ON s.company_id = c.company_id
                  LEFT JOIN elsewhere e ON e.company_id = c.company_id
                  LEFT JOIN gl ON gl.company_id = c.company_id
                 WHERE l.company_id IS NOT NULL OR s.company_id IS NOT NULL
                    OR e.company_id IS NOT NULL OR gl.company_id IS NOT NULL
            )
            SELECT company_id AS id, company_id, currency_id, has_books, gl_amount,
                   unbooked_amount, unbooked_count, ledger_amount,
                   gl_amount + unbooked_amount - ledger_amount AS difference
              FROM report
            """,
            company=BOOKING_COMPANY_SQL,
            excluded=excluded,
            elsewhere=self._unbooked_elsewhere_sql(),
        )

    @api.model
    def _unbooked_elsewhere_sql(self):
        """Stored value of postings that other addons book themselves (see
        ``member.wallet.move._member_booking_excluded_sql``) and have not
        booked yet, as a query of ``(company_id, amount, count)`` rows
        (credit positive). An addon that books postings itself (member_pos:
        the POS session closing) adds its pending ones with ``UNION ALL``."""
        return SQL(
            "SELECT NULL::integer AS company_id, 0::numeric AS amount, 0::bigint AS count "
            "WHERE FALSE"
        )

    def action_book_now(self):
        """Book now, then show the report again."""
        return self.env["member.wallet.booking"].action_book_now()
