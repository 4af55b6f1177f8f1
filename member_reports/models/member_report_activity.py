from odoo import fields, models
from odoo.tools import SQL

# what counts as a purchase: spending from the card (stored value, a timed
# session, a package use)
PURCHASE_KINDS = ("consumption", "timed", "package_use")


class MemberReportActivity(models.Model):
    """Member activity (head office): one row per wallet, with the member's
    purchases from the card in the last 30, 90 and 365 days (consumptions
    from stored value, timed sessions, package uses), what they spent from
    stored value in the last 365 days, the average ticket and the last
    purchase; in the store the member registered in."""

    _name = "member.report.activity"
    _inherit = ["member.report.mixin"]
    _description = "Member Activity"
    _auto = False
    _order = "last_purchase desc, id desc"
    _depends = {
        "member.wallet.move": ["date", "kind", "amount", "wallet_id"],
        "member.wallet": ["partner_id", "card_id"],
        "res.partner": ["member_level_id", "member_register_company_id"],
        "res.company": ["parent_id"],
    }
    _report_xlsx_fields = (
        "partner_id",
        "company_id",
        "level_id",
        "card_type_id",
        "last_purchase",
        "purchases_30",
        "purchases_90",
        "purchases_365",
        "spent_365",
        "average_ticket",
    )

    company_id = fields.Many2one("res.company", string="Store", readonly=True)
    region_id = fields.Many2one("res.company", string="Region", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Member", readonly=True)
    card_id = fields.Many2one("member.card", string="Card", readonly=True)
    card_type_id = fields.Many2one("member.card.type", string="Card Type", readonly=True)
    level_id = fields.Many2one("member.level", string="Level", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    last_purchase = fields.Datetime(readonly=True)
    purchases_30 = fields.Integer(string="Purchases (30 Days)", readonly=True)
    purchases_90 = fields.Integer(string="Purchases (90 Days)", readonly=True)
    purchases_365 = fields.Integer(string="Purchases (365 Days)", readonly=True)
    spent_365 = fields.Monetary(string="Spent (365 Days)", readonly=True)
    average_ticket = fields.Monetary(
        readonly=True, aggregator="avg", help="Spent from stored value per purchase, 365 days."
    )
    active_30 = fields.Boolean(string="Active (30 Days)", readonly=True)
    active_90 = fields.Boolean(string="Active (90 Days)", readonly=True)
    active_365 = fields.Boolean(string="Active (365 Days)", readonly=True)
    member_count = fields.Integer(string="Members", readonly=True)

    def _report_query(self):
        return SQL(
            """
            SELECT w.id AS id, c.id AS company_id, c.parent_id AS region_id,
                   w.partner_id AS partner_id, w.card_id AS card_id,
                   card.type_id AS card_type_id, p.member_level_id AS level_id,
                   w.currency_id AS currency_id, a.last_purchase AS last_purchase,
                   COALESCE(a.n30, 0) AS purchases_30, COALESCE(a.n90, 0) AS purchases_90,
                   COALESCE(a.n365, 0) AS purchases_365,
                   COALESCE(a.spent, 0) AS spent_365,
                   CASE WHEN a.n_paid > 0 THEN ROUND(a.spent / a.n_paid, 2) ELSE 0 END
                       AS average_ticket,
                   COALESCE(a.n30, 0) > 0 AS active_30, COALESCE(a.n90, 0) > 0 AS active_90,
                   COALESCE(a.n365, 0) > 0 AS active_365, 1 AS member_count
              FROM member_wallet w
              JOIN member_card card ON card.id = w.card_id
              LEFT JOIN res_partner p ON p.id = w.partner_id
              JOIN res_company c ON c.id = COALESCE(p.member_register_company_id,
                                                    card.issue_company_id)
              LEFT JOIN LATERAL (
                    SELECT MAX(m.date) AS last_purchase,
                           COUNT(*) FILTER (WHERE m.date >= now() AT TIME ZONE 'UTC'
                                                           - interval '30 days') AS n30,
                           COUNT(*) FILTER (WHERE m.date >= now() AT TIME ZONE 'UTC'
                                                           - interval '90 days') AS n90,
                           COUNT(*) AS n365,
                           COUNT(*) FILTER (WHERE m.amount < 0) AS n_paid,
                           -SUM(m.amount) AS spent
                      FROM member_wallet_move m
                     WHERE m.wallet_id = w.id AND m.kind IN %(kinds)s
                       AND m.date >= now() AT TIME ZONE 'UTC' - interval '365 days') a ON TRUE
            """,
            kinds=PURCHASE_KINDS,
        )
