from odoo import fields, models


class MemberPosPaymentReturn(models.Model):
    """A part of a member-balance payment given back to the card by a
    partial return (退货): the share of the returned lines in what the order
    paid from the balance, reversed on the payment's debit. The refund
    order's session books it. Written by the POS service only."""

    _name = "member.pos.payment.return"
    _description = "Member Balance Given Back by a Partial Return"
    _order = "id"

    payment_id = fields.Many2one(
        "member.pos.payment", required=True, readonly=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one(related="payment_id.company_id", store=True, string="Store")
    currency_id = fields.Many2one(related="payment_id.currency_id")
    return_order_id = fields.Many2one(
        "pos.order", string="Return", required=True, readonly=True, index=True, ondelete="restrict"
    )
    amount = fields.Monetary(readonly=True)
    reversal_move_id = fields.Many2one(
        "member.wallet.move", string="Reversal", required=True, readonly=True, ondelete="restrict"
    )

    _reversal_unique = models.UniqueIndex(
        "(reversal_move_id)", "This reversal already has its return."
    )
