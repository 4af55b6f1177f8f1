from odoo import fields, models
from odoo.tools import SQL


class MemberReportActivity(models.Model):
    """Member activity (head office): one row per wallet, with the member's
    purchases in the last 30, 90 and 365 days -- from the card (consumptions
    from stored value, timed sessions, package uses) and at the tills (a
    member's paid POS order, whatever paid it: one purchase per order, its
    balance payment or package use not counted again) -- what they spent
    from stored value and what they paid otherwise at the tills (cash, bank
    card; returns deducted) in the last 365 days, the average ticket and the
    last purchase; in the store the member registered in. A member's till
    orders go on the row of their first wallet (a member with two cards is
    not counted twice).

    Read from ``member.report.activity.wallet``, which the refresh keeps
    (``member.report.refresh``: nightly, and *Refresh Now*): the 30, 90 and
    365 days are those before the refresh (*Figures as of*), not before the
    moment the view is read."""

    _name = "member.report.activity"
    _inherit = ["member.report.mixin"]
    _description = "Member Activity"
    _auto = False
    _order = "last_purchase desc, id desc"
    _depends = {
        "member.report.activity.wallet": ["wallet_id", "company_id", "last_purchase"],
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
        "paid_otherwise_365",
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
    spent_365 = fields.Monetary(
        string="Spent (365 Days)", readonly=True, help="Spent from stored value, 365 days."
    )
    paid_otherwise_365 = fields.Monetary(
        string="Paid Otherwise (365 Days)",
        readonly=True,
        help="Paid at the tills by other means than the stored value (cash, bank card, ...), "
        "returns deducted, 365 days.",
    )
    average_ticket = fields.Monetary(
        readonly=True,
        aggregator="avg",
        help="What was spent (stored value and paid otherwise) per paid purchase, 365 days.",
    )
    active_30 = fields.Boolean(string="Active (30 Days)", readonly=True)
    active_90 = fields.Boolean(string="Active (90 Days)", readonly=True)
    active_365 = fields.Boolean(string="Active (365 Days)", readonly=True)
    member_count = fields.Integer(string="Members", readonly=True)
    refreshed_at = fields.Datetime(
        string="Figures as of",
        readonly=True,
        help="When the last refresh ran: the 30, 90 and 365 days end then.",
    )

    def action_refresh_now(self):
        # a list header's button: called on the selected rows (or none), which
        # it does not need
        return self.env["member.report.refresh"].action_refresh_now()

    def init(self):
        super().init()
        # the refresh asks, per POS order of a member, whether the till posted
        # a purchase for it (``res_model = 'pos.order' AND res_id = o.id``):
        # a partial index of the postings of POS orders only. Not a full one
        # on (res_model, res_id): every till's posting would pay for it.
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS member_wallet_move_pos_order_res_id_index
                   ON member_wallet_move (res_id) WHERE res_model = 'pos.order'"""
        )

    def _report_query(self):
        # the figures from the per-wallet table the refresh keeps; the
        # member, card, type and level as they are now (left joins on keys:
        # PostgreSQL leaves out those a pivot does not read)
        return SQL(
            """
            SELECT t.wallet_id AS id, t.company_id AS company_id, c.parent_id AS region_id,
                   w.partner_id AS partner_id, w.card_id AS card_id,
                   card.type_id AS card_type_id, p.member_level_id AS level_id,
                   w.currency_id AS currency_id, t.last_purchase AS last_purchase,
                   t.purchases_30 AS purchases_30, t.purchases_90 AS purchases_90,
                   t.purchases_365 AS purchases_365, t.spent_365::numeric AS spent_365,
                   t.paid_otherwise_365::numeric AS paid_otherwise_365,
                   t.average_ticket::numeric AS average_ticket,
                   t.purchases_30 > 0 AS active_30, t.purchases_90 > 0 AS active_90,
                   t.purchases_365 > 0 AS active_365, 1 AS member_count,
                   (SELECT MAX(r.refreshed_at) FROM member_report_refresh r) AS refreshed_at
              FROM member_report_activity_wallet t
              LEFT JOIN res_company c ON c.id = t.company_id
              LEFT JOIN member_wallet w ON w.id = t.wallet_id
              LEFT JOIN member_card card ON card.id = w.card_id
              LEFT JOIN res_partner p ON p.id = w.partner_id
            """
        )
