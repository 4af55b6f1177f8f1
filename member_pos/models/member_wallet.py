from decimal import Decimal

from odoo import models
from odoo.exceptions import UserError


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
