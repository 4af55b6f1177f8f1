from odoo import fields, models
from odoo.tools import SQL

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
    aged from its date. The unspent parts of a wallet add up to its balance.

    Read from ``member.report.liability.age.line``, which the refresh keeps
    (``member.report.refresh``: nightly, and *Refresh Now*): the balances as
    of the last refresh (*Figures as of*), aged from today."""

    _name = "member.report.liability.age"
    _inherit = ["member.report.ledger.mixin"]
    _description = "Stored-Value Liability Ageing"
    _auto = False
    _depends = {
        "member.report.liability.age.line": ["line_id", "wallet_id", "unspent"],
        "member.wallet": ["partner_id", "card_id", "currency_id"],
        "member.card": ["type_id"],
        "res.partner": ["member_level_id"],
        "res.company": ["parent_id"],
    }
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
    refreshed_at = fields.Datetime(
        string="Figures as of",
        readonly=True,
        help="When the last refresh ran: postings made since then are not in the figures yet.",
    )

    def action_refresh_now(self):
        # a list header's button: called on the selected rows (or none), which
        # it does not need
        return self.env["member.report.refresh"].action_refresh_now()

    def _report_query(self):
        # the unspent inflows from the table the refresh keeps (a wallet's
        # rows recomputed when it is posted to); the age from today; the
        # member, card, type and level as they are now
        return SQL(
            """
            SELECT t.line_id AS id, t.date AS date, t.date AS move_date,
                   t.company_id AS company_id, c.parent_id AS region_id,
                   t.posted_company_id AS posted_company_id, t.user_id AS user_id,
                   t.journal_id AS journal_id, w.partner_id AS partner_id,
                   COALESCE(t.move_card_id, w.card_id) AS card_id, card.type_id AS card_type_id,
                   p.member_level_id AS level_id, t.move_id AS move_id,
                   t.move_kind AS move_kind, w.currency_id AS currency_id,
                   a.age_days AS age_days,
                   CASE WHEN a.age_days <= 30 THEN '0_30'
                        WHEN a.age_days <= 90 THEN '31_90'
                        WHEN a.age_days <= 180 THEN '91_180'
                        WHEN a.age_days <= 365 THEN '181_365'
                        ELSE 'over_365' END AS age,
                   t.amount::numeric AS amount, t.unspent::numeric AS unspent,
                   (SELECT MAX(r.refreshed_at) FROM member_report_refresh r) AS refreshed_at
              FROM member_report_liability_age_line t
              CROSS JOIN LATERAL (
                    SELECT (now() AT TIME ZONE 'UTC')::date - t.date::date AS age_days) a
              LEFT JOIN res_company c ON c.id = t.company_id
              LEFT JOIN member_wallet w ON w.id = t.wallet_id
              LEFT JOIN member_card card ON card.id = COALESCE(t.move_card_id, w.card_id)
              LEFT JOIN res_partner p ON p.id = w.partner_id
            """
        )
