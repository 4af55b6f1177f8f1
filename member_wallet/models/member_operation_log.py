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

    # ------------------------------------------------------------------
    # A posting's line of the card's timeline says what it moved
    # ------------------------------------------------------------------

    def _summary_parts(self):
        parts = super()._summary_parts()
        if not (self.operation or "").startswith("wallet_"):
            return parts
        _before, after = self._summary_values()
        amount = after.get("stored_value")
        if amount:
            currency = self.company_id.sudo().currency_id
            sign = "+" if amount > 0 else "−"
            parts.append(self.env._("stored value %s", sign + currency.format(abs(amount))))
        points = after.get("points")
        if points:
            parts.append(self.env._("points %s", f"{points:+d}"))
        return parts
