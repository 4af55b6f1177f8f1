from odoo import fields, models
from odoo.tools import SQL

from odoo.addons.member_wallet.models.member_wallet_line import LINE_KINDS

from .member_report_ledger_mixin import POSTING_COLUMNS, POSTINGS_FROM


class MemberReportLedger(models.Model):
    """收支明细: every stored-value ledger line (paid-in and bonus), money in
    and money out, with the balance of its asset after it."""

    _name = "member.report.ledger"
    _inherit = ["member.report.ledger.mixin"]
    _description = "Income and Expense Detail"
    _auto = False
    _report_xlsx_fields = (
        "date",
        "company_id",
        "posted_company_id",
        "card_id",
        "partner_id",
        "level_id",
        "card_type_id",
        "move_kind",
        "asset",
        "kind",
        "user_id",
        "journal_id",
        "income",
        "expense",
        "amount",
        "balance_after",
    )

    asset = fields.Selection(
        [("principal", "Paid-in Value"), ("bonus", "Bonus Value")], readonly=True
    )
    kind = fields.Selection(LINE_KINDS, string="Line Kind", readonly=True)
    income = fields.Monetary(readonly=True, help="What the line adds to the stored value.")
    expense = fields.Monetary(readonly=True, help="What the line takes from the stored value.")
    amount = fields.Monetary(string="Net", readonly=True)
    balance_after = fields.Monetary(
        string="Balance After",
        readonly=True,
        aggregator=None,
        help="The balance of this asset (paid-in or bonus) after the line.",
    )

    def _report_query(self):
        return SQL(
            """
            SELECT l.id AS id, l.date AS date, %(columns)s,
                   l.asset AS asset, l.kind AS kind,
                   GREATEST(l.amount, 0) AS income, GREATEST(-l.amount, 0) AS expense,
                   l.amount AS amount, l.balance_after AS balance_after
              FROM member_wallet_line l
              JOIN (%(postings)s) ON m.id = l.move_id
             WHERE l.asset IN ('principal', 'bonus')
            """,
            columns=POSTING_COLUMNS,
            postings=POSTINGS_FROM,
        )
