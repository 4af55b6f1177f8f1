from odoo import api, models
from odoo.tools import SQL

# The source every POS debit of the stored value carries (see member.pos.payment).
POS_SOURCE = "pos.session"


class MemberWalletMove(models.Model):
    _inherit = "member.wallet.move"

    @api.model
    def _member_booking_excluded_sql(self):
        """POS debits and their reversals are the POS session's to book: its
        closing books the sale against the member-balance payment method,
        whose account is the stored-value liability."""
        return SQL(
            "(%s) OR m.res_model = %s OR r.res_model = %s",
            super()._member_booking_excluded_sql(),
            POS_SOURCE,
            POS_SOURCE,
        )
