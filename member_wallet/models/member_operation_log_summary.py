from odoo import models


class MemberOperationLog(models.Model):
    """A posting's line of the card's timeline says what it moved: stored
    value and points, signed."""

    _inherit = "member.operation.log"

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
