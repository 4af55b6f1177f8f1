from odoo import fields, models
from odoo.tools import SQL

# what counts as a purchase: spending from the card (stored value, a timed
# session, a package use)
PURCHASE_KINDS = ("consumption", "timed", "package_use")


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
    not counted twice)."""

    _name = "member.report.activity"
    _inherit = ["member.report.mixin"]
    _description = "Member Activity"
    _auto = False
    _order = "last_purchase desc, id desc"
    _depends = {
        "member.wallet.move": ["date", "kind", "amount", "wallet_id", "res_model"],
        "pos.order": ["partner_id", "date_order", "state"],
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

    def init(self):
        super().init()
        # the view asks, per POS order of a member, whether the till posted
        # a purchase for it (``res_model = 'pos.order' AND res_id = o.id``):
        # a partial index of the postings of POS orders only. Not a full one
        # on (res_model, res_id): every till's posting would pay for it.
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS member_wallet_move_pos_order_res_id_index
                   ON member_wallet_move (res_id) WHERE res_model = 'pos.order'"""
        )

    def _report_query(self):
        since = SQL("now() AT TIME ZONE 'UTC' - interval '365 days'")
        return SQL(
            """
            SELECT w.id AS id, c.id AS company_id, c.parent_id AS region_id,
                   w.partner_id AS partner_id, w.card_id AS card_id,
                   card.type_id AS card_type_id, p.member_level_id AS level_id,
                   w.currency_id AS currency_id,
                   GREATEST(a.last_purchase, po.last_purchase) AS last_purchase,
                   COALESCE(a.n30, 0) + COALESCE(po.n30, 0) AS purchases_30,
                   COALESCE(a.n90, 0) + COALESCE(po.n90, 0) AS purchases_90,
                   COALESCE(a.n365, 0) + COALESCE(po.n365, 0) AS purchases_365,
                   COALESCE(a.spent, 0) AS spent_365,
                   COALESCE(po.paid_otherwise, 0) AS paid_otherwise_365,
                   CASE WHEN COALESCE(a.n_paid, 0) + COALESCE(po.n_paid, 0) > 0
                        THEN ROUND((COALESCE(a.spent, 0) + COALESCE(po.paid_otherwise, 0))
                                   / (COALESCE(a.n_paid, 0) + COALESCE(po.n_paid, 0)), 2)
                        ELSE 0 END AS average_ticket,
                   COALESCE(a.n30, 0) + COALESCE(po.n30, 0) > 0 AS active_30,
                   COALESCE(a.n90, 0) + COALESCE(po.n90, 0) > 0 AS active_90,
                   COALESCE(a.n365, 0) + COALESCE(po.n365, 0) > 0 AS active_365,
                   1 AS member_count
              FROM member_wallet w
              JOIN member_card card ON card.id = w.card_id
              LEFT JOIN res_partner p ON p.id = w.partner_id
              JOIN res_company c ON c.id = COALESCE(p.member_register_company_id,
                                                    card.issue_company_id)
              -- the card: what a till posted (the balance paid by an order, from
              -- its session; a package used on an order) is counted with the order
              LEFT JOIN LATERAL (
                    SELECT MAX(m.date) AS last_purchase,
                           COUNT(*) FILTER (WHERE counted AND m.date >= now() AT TIME ZONE 'UTC'
                                                                  - interval '30 days') AS n30,
                           COUNT(*) FILTER (WHERE counted AND m.date >= now() AT TIME ZONE 'UTC'
                                                                  - interval '90 days') AS n90,
                           COUNT(*) FILTER (WHERE counted) AS n365,
                           COUNT(*) FILTER (WHERE counted AND m.amount < 0) AS n_paid,
                           -SUM(m.amount) AS spent
                      FROM member_wallet_move m,
                           LATERAL (SELECT m.res_model IS NULL
                                           OR m.res_model NOT IN ('pos.order', 'pos.session')
                                           AS counted) k
                     WHERE m.wallet_id = w.id AND m.kind IN %(kinds)s
                       AND m.date >= %(since)s) a ON TRUE
              -- the tills: one purchase per paid order of the member (a return
              -- is no purchase, its amount is deducted), on the first wallet
              LEFT JOIN LATERAL (
                    SELECT MAX(o.date_order) FILTER (WHERE o.bought) AS last_purchase,
                           COUNT(*) FILTER (WHERE o.bought AND o.date_order
                                            >= now() AT TIME ZONE 'UTC' - interval '30 days')
                               AS n30,
                           COUNT(*) FILTER (WHERE o.bought AND o.date_order
                                            >= now() AT TIME ZONE 'UTC' - interval '90 days')
                               AS n90,
                           COUNT(*) FILTER (WHERE o.bought) AS n365,
                           COUNT(*) FILTER (WHERE o.sales > 0) AS n_paid,
                           SUM(o.sales - o.balance) AS paid_otherwise
                      FROM (
                            SELECT o.date_order, sales.amount AS sales,
                                   COALESCE(balance.amount, 0) AS balance,
                                   sales.amount > 0 OR EXISTS (
                                        SELECT 1 FROM member_wallet_move pm
                                         WHERE pm.res_model = 'pos.order' AND pm.res_id = o.id
                                           AND pm.kind IN %(kinds)s) AS bought
                              FROM pos_order o
                              JOIN LATERAL (
                                    SELECT COALESCE(SUM(l.price_subtotal_incl), 0) AS amount
                                      FROM pos_order_line l
                                     WHERE l.order_id = o.id AND l.member_topup_card IS NULL
                                   ) sales ON TRUE
                              LEFT JOIN LATERAL (
                                    SELECT SUM(pp.amount) AS amount
                                      FROM pos_payment pp
                                      JOIN pos_payment_method pmt
                                        ON pmt.id = pp.payment_method_id
                                     WHERE pp.pos_order_id = o.id
                                       AND pmt.use_payment_terminal = 'member_balance'
                                   ) balance ON TRUE
                             WHERE o.partner_id = w.partner_id
                               AND o.state IN ('paid', 'done', 'invoiced')
                               AND o.date_order >= %(since)s
                               AND w.id = (SELECT MIN(w2.id) FROM member_wallet w2
                                            WHERE w2.partner_id = w.partner_id)
                           ) o) po ON TRUE
            """,
            kinds=PURCHASE_KINDS,
            since=since,
        )
