from odoo import api, models
from odoo.tools import SQL

from odoo.addons.member_wallet.models.member_wallet_booking import BOOKING_COMPANY_SQL

from .member_wallet_move import POS_SOURCE


class MemberWalletLiabilityReport(models.Model):
    _inherit = "member.wallet.liability.report"

    @api.model
    def _unbooked_elsewhere_sql(self):
        """POS debits (and their reversals) that no closed session has booked
        yet: a debit is booked when its order's session is closed, the
        reversal of a returned one (or of a part of it: a partial return) when
        its refund order's session is; a
        debit with no order (cancelled, abandoned) and its reversal never
        are, and add up to zero once reversed."""
        return SQL(
            """(%s) UNION ALL
            SELECT %s AS company_id, m.amount, 1::bigint AS count
              FROM member_wallet_move m
              LEFT JOIN member_wallet_move r ON r.id = m.reversed_move_id
              LEFT JOIN member_pos_payment p ON p.move_id = m.id
              LEFT JOIN member_pos_payment pr ON pr.reversal_move_id = m.id
              LEFT JOIN member_pos_payment_return pp ON pp.reversal_move_id = m.id
              LEFT JOIN pos_order o
                     ON o.id = COALESCE(p.order_id, pr.return_order_id, pp.return_order_id)
              LEFT JOIN pos_session s ON s.id = o.session_id
             WHERE (m.res_model = %s OR r.res_model = %s) AND m.amount <> 0
               AND s.state IS DISTINCT FROM 'closed'""",
            super()._unbooked_elsewhere_sql(),
            BOOKING_COMPANY_SQL,
            POS_SOURCE,
            POS_SOURCE,
        )
