from odoo import fields, models
from odoo.tools import SQL

from .member_report_ledger_mixin import POSTING_COLUMNS, POSTINGS_FROM

AGE_BUCKETS = [
    ("0_30", "0–30 Days"),
    ("31_90", "31–90 Days"),
    ("91_180", "91–180 Days"),
    ("181_365", "181–365 Days"),
    ("over_365", "Over a Year"),
]


class MemberReportLiabilityAge(models.Model):
    """Stored-value liability with ageing (head office): how old the unspent
    stored value is. A wallet's balance is taken as the newest of what came
    into it (first in, first out: what was spent went first): one row per
    line that brought stored value in (top-up, bonus, return, adjustment…)
    with the part of it still unspent, in the store whose books took it in,
    aged from its date. The unspent parts of a wallet add up to its balance."""

    _name = "member.report.liability.age"
    _inherit = ["member.report.ledger.mixin"]
    _description = "Stored-Value Liability Ageing"
    _auto = False
    _report_xlsx_fields = (
        "date",
        "company_id",
        "card_id",
        "partner_id",
        "move_kind",
        "age_days",
        "age",
        "amount",
        "unspent",
    )

    age_days = fields.Integer(string="Age (Days)", readonly=True, aggregator="max")
    age = fields.Selection(AGE_BUCKETS, readonly=True)
    amount = fields.Monetary(string="Came In", readonly=True)
    unspent = fields.Monetary(readonly=True, help="The part of it still in the balance.")

    def _report_query(self):
        return SQL(
            """
            WITH inflow AS (
                SELECT l.id, l.date, l.wallet_id, l.move_id, l.amount,
                       SUM(l.amount) OVER (PARTITION BY l.wallet_id
                                           ORDER BY l.date DESC, l.id DESC) AS newer
                  FROM member_wallet_line l
                  JOIN member_wallet wb ON wb.id = l.wallet_id AND wb.balance > 0
                 WHERE l.asset IN ('principal', 'bonus') AND l.amount > 0
            ), aged AS (
                SELECT i.*, LEAST(i.amount, wa.balance - (i.newer - i.amount)) AS unspent,
                       (now() AT TIME ZONE 'UTC')::date - i.date::date AS age_days
                  FROM inflow i
                  JOIN member_wallet wa ON wa.id = i.wallet_id
                 WHERE i.newer - i.amount < wa.balance
            )
            SELECT i.id AS id, i.date AS date, %(columns)s, i.age_days AS age_days,
                   CASE WHEN i.age_days <= 30 THEN '0_30'
                        WHEN i.age_days <= 90 THEN '31_90'
                        WHEN i.age_days <= 180 THEN '91_180'
                        WHEN i.age_days <= 365 THEN '181_365'
                        ELSE 'over_365' END AS age,
                   i.amount AS amount, i.unspent AS unspent
              FROM aged i
              JOIN (%(postings)s) ON m.id = i.move_id
            """,
            columns=POSTING_COLUMNS,
            postings=POSTINGS_FROM,
        )
