from odoo import api, fields, models
from odoo.tools import SQL

# what counts as a purchase: spending from the card (stored value, a timed
# session, a package use)
PURCHASE_KINDS = ("consumption", "timed", "package_use")


class MemberReportActivityWallet(models.Model):
    """Member Activity's figures, one row per wallet, as of the refresh that
    computed them (``member.report.refresh``): the purchases of the 30, 90
    and 365 days before that refresh, from the card and at the tills, what
    was spent and paid otherwise, the last purchase, and the store the
    member counts in. Written only by ``_refresh_wallets`` (set-based SQL);
    ``next_change`` is when one of the wallet's windows loses a purchase,
    so that the refresh after it recomputes the wallet even without new
    postings. The report ``member.report.activity`` reads it."""

    _name = "member.report.activity.wallet"
    _description = "Member Activity per Wallet"
    _log_access = False
    _rec_name = "wallet_id"

    wallet_id = fields.Many2one("member.wallet", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", string="Store", readonly=True)
    last_purchase = fields.Datetime(readonly=True)
    purchases_30 = fields.Integer(readonly=True)
    purchases_90 = fields.Integer(readonly=True)
    purchases_365 = fields.Integer(readonly=True)
    spent_365 = fields.Float(digits=(16, 2), readonly=True)
    paid_otherwise_365 = fields.Float(digits=(16, 2), readonly=True)
    average_ticket = fields.Float(digits=(16, 2), readonly=True)
    next_change = fields.Datetime(readonly=True)
    computed_at = fields.Datetime(readonly=True)

    _wallet_unique = models.UniqueIndex("(wallet_id)")
    _company_last_purchase = models.Index("(company_id, last_purchase)")
    _last_purchase = models.Index("(last_purchase DESC, wallet_id DESC)")
    _next_change = models.Index("(next_change) WHERE next_change IS NOT NULL")

    @api.model
    def _refresh_wallets(self, dirty, moment):
        """Recompute the rows of the wallets in the temporary table
        ``dirty`` (None: every wallet, the table emptied first) as of
        ``moment`` (naive UTC): the windows are the 30, 90 and 365 days
        before it."""
        cr = self.env.cr
        if dirty:
            dirty = SQL.identifier(dirty)
            cr.execute(
                SQL(
                    "DELETE FROM member_report_activity_wallet t USING %s x"
                    " WHERE t.wallet_id = x.wallet_id",
                    dirty,
                )
            )
            wallets = SQL("JOIN %s x ON x.wallet_id = w.id", dirty)
        else:
            # not TRUNCATE (its lock): the reports are read meanwhile
            cr.execute("DELETE FROM member_report_activity_wallet")
            wallets = SQL("")
        cr.execute("SET LOCAL work_mem = '64MB'")
        cr.execute(
            SQL(
                """INSERT INTO member_report_activity_wallet
                          (wallet_id, company_id, last_purchase, purchases_30, purchases_90,
                           purchases_365, spent_365, paid_otherwise_365, average_ticket,
                           next_change, computed_at)
                   %s""",
                self._rows_sql(wallets, moment),
            )
        )
        rows = cr.rowcount
        cr.execute("RESET work_mem")
        if not dirty:
            cr.execute("ANALYZE member_report_activity_wallet")
        return rows

    @api.model
    def _rows_sql(self, wallets, moment):
        """The rows of the wallets joined by ``wallets`` (an SQL join on
        ``w``), as of ``moment``. The card's purchases: what a till posted
        (the balance paid by an order, from its session; a package used on
        an order) is counted with the order. The tills: one purchase per paid
        order of the member (a return is no purchase, its amount is
        deducted), on the member's first wallet."""
        return SQL(
            """
            SELECT w.id, c.id,
                   GREATEST(a.last_purchase, po.last_purchase),
                   COALESCE(a.n30, 0) + COALESCE(po.n30, 0),
                   COALESCE(a.n90, 0) + COALESCE(po.n90, 0),
                   COALESCE(a.n365, 0) + COALESCE(po.n365, 0),
                   COALESCE(a.spent, 0),
                   COALESCE(po.paid_otherwise, 0),
                   CASE WHEN COALESCE(a.n_paid, 0) + COALESCE(po.n_paid, 0) > 0
                        THEN ROUND((COALESCE(a.spent, 0) + COALESCE(po.paid_otherwise, 0))
                                   / (COALESCE(a.n_paid, 0) + COALESCE(po.n_paid, 0)), 2)
                        ELSE 0 END,
                   LEAST(a.first_30 + interval '30 days', a.first_90 + interval '90 days',
                         a.first_365 + interval '365 days',
                         po.first_30 + interval '30 days', po.first_90 + interval '90 days',
                         po.first_365 + interval '365 days'),
                   %(moment)s::timestamp
              FROM member_wallet w
              %(wallets)s
              JOIN member_card card ON card.id = w.card_id
              LEFT JOIN res_partner p ON p.id = w.partner_id
              JOIN res_company c ON c.id = COALESCE(p.member_register_company_id,
                                                    card.issue_company_id)
              LEFT JOIN LATERAL (
                    SELECT MAX(m.date) AS last_purchase,
                           COUNT(*) FILTER (WHERE counted AND m.date >= %(since_30)s) AS n30,
                           COUNT(*) FILTER (WHERE counted AND m.date >= %(since_90)s) AS n90,
                           COUNT(*) FILTER (WHERE counted) AS n365,
                           COUNT(*) FILTER (WHERE counted AND m.amount < 0) AS n_paid,
                           -SUM(m.amount) AS spent,
                           MIN(m.date) FILTER (WHERE m.date >= %(since_30)s) AS first_30,
                           MIN(m.date) FILTER (WHERE m.date >= %(since_90)s) AS first_90,
                           MIN(m.date) AS first_365
                      FROM member_wallet_move m,
                           LATERAL (SELECT m.res_model IS NULL
                                           OR m.res_model NOT IN ('pos.order', 'pos.session')
                                           AS counted) k
                     WHERE m.wallet_id = w.id AND m.kind IN %(kinds)s
                       AND m.date >= %(since)s) a ON TRUE
              LEFT JOIN LATERAL (
                    SELECT MAX(o.date_order) FILTER (WHERE o.bought) AS last_purchase,
                           COUNT(*) FILTER (WHERE o.bought AND o.date_order >= %(since_30)s)
                               AS n30,
                           COUNT(*) FILTER (WHERE o.bought AND o.date_order >= %(since_90)s)
                               AS n90,
                           COUNT(*) FILTER (WHERE o.bought) AS n365,
                           COUNT(*) FILTER (WHERE o.sales > 0) AS n_paid,
                           SUM(o.sales - o.balance) AS paid_otherwise,
                           MIN(o.date_order) FILTER (WHERE o.date_order >= %(since_30)s)
                               AS first_30,
                           MIN(o.date_order) FILTER (WHERE o.date_order >= %(since_90)s)
                               AS first_90,
                           MIN(o.date_order) AS first_365
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
            wallets=wallets,
            kinds=PURCHASE_KINDS,
            moment=moment,
            since=SQL("%s::timestamp - interval '365 days'", moment),
            since_30=SQL("%s::timestamp - interval '30 days'", moment),
            since_90=SQL("%s::timestamp - interval '90 days'", moment),
        )
