from decimal import Decimal

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class MemberWallet(models.Model):
    _inherit = "member.wallet"

    def _member_pos_check_daily_limit(self, card_id, since, amount, limit):
        """Refuse a debit that takes the card's spending today (net of
        reversals) above ``limit``; called under the wallet's lock, so the
        tills of every store see each other's spending."""
        self.ensure_one()
        self.env.cr.execute(
            """SELECT COALESCE(-SUM(m.amount), 0)
                 FROM member_wallet_move m
                 LEFT JOIN member_wallet_move r ON r.id = m.reversed_move_id
                WHERE m.wallet_id = %s AND m.card_id = %s AND m.date >= %s
                  AND (m.kind = 'consumption'
                       OR (m.kind = 'reversal' AND r.kind = 'consumption' AND r.date >= %s))""",
            [self.id, card_id, since, since],
        )
        spent = Decimal(str(self.env.cr.fetchone()[0]))
        if spent + amount > Decimal(str(limit)):
            currency = self.currency_id
            raise UserError(
                self.env._(
                    "This payment would take the card over its daily limit of %(limit)s: "
                    "%(left)s left today.",
                    limit=currency.format(limit),
                    left=currency.format(float(max(Decimal(str(limit)) - spent, Decimal(0)))),
                )
            )

    @api.model
    def _member_spend_source_sql(self, date_from, date_to, partner_ids=None):
        """What members spent at the tills without the stored value: each
        paid POS order of a member (returns are orders of their own,
        negative) for its sales, top-up lines left out (a top-up is no
        spending), less what was paid from the member balance (that is in
        the ledger already)."""
        partner_clause = (
            SQL("AND o.partner_id = ANY(%s)", list(partner_ids)) if partner_ids else SQL()
        )
        query = SQL(
            """
            SELECT o.partner_id AS partner_id, o.date_order AS date, 'spend' AS measure,
                   sales.amount - COALESCE(balance.amount, 0) AS amount
              FROM pos_order o
              JOIN LATERAL (SELECT COALESCE(SUM(l.price_subtotal_incl), 0) AS amount
                              FROM pos_order_line l
                             WHERE l.order_id = o.id AND l.member_topup_card IS NULL) sales
                   ON TRUE
              LEFT JOIN LATERAL (SELECT SUM(p.amount) AS amount
                                   FROM pos_payment p
                                   JOIN pos_payment_method pm ON pm.id = p.payment_method_id
                                  WHERE p.pos_order_id = o.id
                                    AND pm.use_payment_terminal = 'member_balance') balance
                   ON TRUE
             WHERE o.partner_id IS NOT NULL
               AND o.state IN ('paid', 'done', 'invoiced')
               AND o.date_order >= %(date_from)s AND o.date_order < %(date_to)s
               AND sales.amount - COALESCE(balance.amount, 0) <> 0
               %(partner_clause)s
            """,
            date_from=date_from,
            date_to=date_to,
            partner_clause=partner_clause,
        )
        return [*super()._member_spend_source_sql(date_from, date_to, partner_ids), query]
