from odoo import fields, models
from odoo.tools import SQL

from .member_report_ledger_mixin import POSTING_COLUMNS, POSTINGS_FROM


class MemberReportTopup(models.Model):
    """存款明细: the top-ups, one row per posting: paid-in value, bonus given
    and payment method. A reversed top-up shows in the returns (退货明细)."""

    _name = "member.report.topup"
    _inherit = ["member.report.ledger.mixin"]
    _description = "Top-up Detail"
    _auto = False
    _report_xlsx_fields = (
        "date",
        "company_id",
        "card_id",
        "partner_id",
        "level_id",
        "card_type_id",
        "user_id",
        "journal_id",
        "paid_in",
        "bonus",
        "amount",
        "note",
    )

    paid_in = fields.Monetary(string="Paid-in", readonly=True, help="What the member paid.")
    bonus = fields.Monetary(readonly=True, help="The bonus value given with the top-up.")
    amount = fields.Monetary(string="Stored Value", readonly=True, help="Paid-in + bonus.")
    note = fields.Text(readonly=True)

    def _report_query(self):
        return SQL(
            """
            SELECT m.id AS id, m.date AS date, %(columns)s,
                   COALESCE(s.paid_in, 0) AS paid_in, COALESCE(s.bonus, 0) AS bonus,
                   m.amount AS amount, m.note AS note
              FROM %(postings)s
              CROSS JOIN LATERAL (
                    SELECT SUM(l.amount) FILTER (WHERE l.asset = 'principal') AS paid_in,
                           SUM(l.amount) FILTER (WHERE l.asset = 'bonus') AS bonus
                      FROM member_wallet_line l WHERE l.move_id = m.id) s
             WHERE m.kind = 'topup'
            """,
            columns=POSTING_COLUMNS,
            postings=POSTINGS_FROM,
        )
