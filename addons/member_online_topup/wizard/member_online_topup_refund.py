from odoo import api, fields, models
from odoo.exceptions import UserError


class MemberOnlineTopupRefund(models.TransientModel):
    """Refund (part of) an online top-up by its original route, from its
    wallet posting: the wallet is debited and the provider refunds."""

    _name = "member.online.topup.refund"
    _description = "Refund of an Online Top-up"

    move_id = fields.Many2one("member.wallet.move", string="Top-up", required=True, readonly=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount = fields.Monetary(string="Amount to Refund", required=True)
    reason = fields.Char(required=True)

    @api.model
    def _transaction_of(self, move):
        if move.res_model != "payment.transaction" or move.kind != "topup":
            raise UserError(self.env._("This posting is not an online top-up."))
        return self.env["payment.transaction"].sudo().browse(move.res_id).exists()

    def action_refund(self):
        self.ensure_one()
        tx = self._transaction_of(self.move_id)
        if not tx:
            raise UserError(self.env._("This posting is not an online top-up."))
        tx.with_env(self.env)._member_refund_topup(self.amount, self.reason)
        return {"type": "ir.actions.act_window_close"}
