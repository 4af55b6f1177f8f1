from odoo import fields, models

from .member_wallet_move import MOVE_KINDS


class MemberOperationLog(models.Model):
    """Every wallet posting also has its line in the operation log (one per
    posting, written by the posting path), so a card's timeline shows money
    and lifecycle operations together."""

    _inherit = "member.operation.log"

    operation = fields.Selection(
        selection_add=[(f"wallet_{kind}", label) for kind, label in MOVE_KINDS],
        ondelete={f"wallet_{kind}": "cascade" for kind, _label in MOVE_KINDS},
    )
