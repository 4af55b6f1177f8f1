from odoo import fields, models


class AccountMove(models.Model):
    """Journal entries of inter-store settlements keep a link to their
    settlement (the stored-value bookings link to their entry:
    ``member.wallet.booking.account_move_id``)."""

    _inherit = "account.move"

    member_settlement_id = fields.Many2one(
        "member.settlement",
        string="Inter-store Settlement",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
    )
