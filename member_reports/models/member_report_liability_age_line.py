from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.member_wallet.models.member_wallet_booking import BOOKING_COMPANY_SQL
from odoo.addons.member_wallet.models.member_wallet_move import MOVE_KINDS


class MemberReportLiabilityAgeLine(models.Model):
    """The unspent stored value of the liability ageing, one row per ledger
    line that brought stored value into a wallet and is not spent yet (first
    in, first out: a wallet's balance is the newest of what came in), with
    what the report shows of its posting (immutable: a posting is never
    edited). Written only by ``_refresh_wallets`` (set-based SQL) for the
    wallets posted to since the last refresh; the age is computed when the
    report is read (``member.report.liability.age``), so it is always
    today's."""

    _name = "member.report.liability.age.line"
    _description = "Unspent Stored Value per Inflow"
    _log_access = False
    _rec_name = "line_id"

    line_id = fields.Many2one("member.wallet.line", required=True, readonly=True)
    wallet_id = fields.Many2one("member.wallet", required=True, readonly=True, ondelete="cascade")
    move_id = fields.Many2one("member.wallet.move", readonly=True)
    date = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", string="Store", readonly=True)
    posted_company_id = fields.Many2one("res.company", string="Done In", readonly=True)
    user_id = fields.Many2one("res.users", readonly=True)
    journal_id = fields.Many2one("account.journal", readonly=True)
    move_kind = fields.Selection(MOVE_KINDS, readonly=True)
    move_card_id = fields.Many2one("member.card", readonly=True)
    amount = fields.Float(digits=(16, 2), readonly=True)
    unspent = fields.Float(digits=(16, 2), readonly=True)

    _line_unique = models.UniqueIndex("(line_id)")
    _wallet = models.Index("(wallet_id)")
    _company_date = models.Index("(company_id, date)")
    _date = models.Index("(date DESC, line_id DESC)")

    @api.model
    def _refresh_wallets(self, dirty):
        """Recompute the rows of the wallets in the temporary table
        ``dirty`` (None: every wallet, the table emptied first)."""
        cr = self.env.cr
        if dirty:
            dirty = SQL.identifier(dirty)
            cr.execute(
                SQL(
                    "DELETE FROM member_report_liability_age_line t USING %s x"
                    " WHERE t.wallet_id = x.wallet_id",
                    dirty,
                )
            )
            wallets = SQL("JOIN %s x ON x.wallet_id = wb.id", dirty)
        else:
            # not TRUNCATE (its lock): the reports are read meanwhile
            cr.execute("DELETE FROM member_report_liability_age_line")
            wallets = SQL("")
        cr.execute("SET LOCAL work_mem = '64MB'")
        # each inflow with what came in after it (``newer``, its own
        # included): the part of it the balance still holds is what the
        # newer inflows leave of the balance
        cr.execute(
            SQL(
                """
                INSERT INTO member_report_liability_age_line
                       (line_id, wallet_id, move_id, date, company_id, posted_company_id,
                        user_id, journal_id, move_kind, move_card_id, amount, unspent)
                WITH inflow AS (
                    SELECT l.id, l.date, l.wallet_id, l.move_id, l.amount, wb.balance,
                           SUM(l.amount) OVER (PARTITION BY l.wallet_id
                                               ORDER BY l.date DESC, l.id DESC) AS newer
                      FROM member_wallet wb
                      %(wallets)s
                      JOIN member_wallet_line l ON l.wallet_id = wb.id
                     WHERE wb.balance > 0
                       AND l.asset IN ('principal', 'bonus') AND l.amount > 0
                )
                SELECT i.id, i.wallet_id, i.move_id, i.date, %(company)s, m.company_id,
                       m.user_id, m.journal_id, m.kind, m.card_id, i.amount,
                       LEAST(i.amount, i.balance - (i.newer - i.amount))
                  FROM inflow i
                  JOIN member_wallet_move m ON m.id = i.move_id
                  LEFT JOIN LATERAL (
                        SELECT rm.id, rm.company_id
                          FROM member_wallet_move rm WHERE rm.id = m.reversed_move_id
                         LIMIT 1) r ON TRUE
                 WHERE i.newer - i.amount < i.balance
                """,
                wallets=wallets,
                company=BOOKING_COMPANY_SQL,
            )
        )
        rows = cr.rowcount
        cr.execute("RESET work_mem")
        if not dirty:
            cr.execute("ANALYZE member_report_liability_age_line")
        return rows
