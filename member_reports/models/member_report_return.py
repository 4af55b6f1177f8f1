from odoo import fields, models
from odoo.tools import SQL

from odoo.addons.member_wallet.models.member_wallet_move import MOVE_KINDS

from .member_report_ledger_mixin import POSTING_COLUMNS, POSTINGS_FROM


class MemberReportReturn(models.Model):
    """退货明细: the reversals (returns), whole or partial, one row per
    posting, with the posting each reverses. A row counts in the books of
    the store of the reversed posting (``company_id``), wherever it was done
    (``posted_company_id``)."""

    _name = "member.report.return"
    _inherit = ["member.report.ledger.mixin"]
    _description = "Returns and Reversals"
    _auto = False
    _report_xlsx_fields = (
        "date",
        "company_id",
        "posted_company_id",
        "card_id",
        "partner_id",
        "user_id",
        "reversed_move_id",
        "reversed_kind",
        "reversed_date",
        "reversal_partial",
        "paid_in",
        "bonus",
        "amount",
        "points",
        "package_uses",
        "note",
    )

    reversed_move_id = fields.Many2one("member.wallet.move", string="Reverses", readonly=True)
    reversed_kind = fields.Selection(MOVE_KINDS, string="Reversed Kind", readonly=True)
    reversed_date = fields.Datetime(string="Reversed Posting Date", readonly=True)
    reversal_partial = fields.Boolean(string="Partial", readonly=True)
    paid_in = fields.Monetary(
        string="Paid-in Change", readonly=True, help="Positive: given back to the member."
    )
    bonus = fields.Monetary(string="Bonus Change", readonly=True)
    amount = fields.Monetary(string="Stored Value Change", readonly=True)
    points = fields.Integer(string="Points Change", readonly=True)
    package_uses = fields.Integer(string="Package Uses Change", readonly=True)
    note = fields.Text(string="Reason", readonly=True)

    def _report_query(self):
        return SQL(
            """
            SELECT m.id AS id, m.date AS date, %(columns)s,
                   m.reversed_move_id AS reversed_move_id, r.kind AS reversed_kind,
                   r.date AS reversed_date, COALESCE(m.reversal_partial, FALSE) AS reversal_partial,
                   COALESCE(s.paid_in, 0) AS paid_in, COALESCE(s.bonus, 0) AS bonus,
                   m.amount AS amount, m.points AS points,
                   COALESCE(s.package_uses, 0)::integer AS package_uses, m.note AS note
              FROM %(postings)s
              CROSS JOIN LATERAL (
                    SELECT SUM(l.amount) FILTER (WHERE l.asset = 'principal') AS paid_in,
                           SUM(l.amount) FILTER (WHERE l.asset = 'bonus') AS bonus,
                           SUM(l.amount) FILTER (WHERE l.asset = 'package') AS package_uses
                      FROM member_wallet_line l WHERE l.move_id = m.id) s
             WHERE m.kind = 'reversal'
            """,
            columns=POSTING_COLUMNS,
            postings=POSTINGS_FROM,
        )
