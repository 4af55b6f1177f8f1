from odoo import fields, models


class MemberWalletMove(models.Model):
    """Paid-in value and bonus of a posting apart: a top-up of 500 with a
    bonus of 40 shows 500 and 40, not one +540 (the ledger lines keep them
    apart; these sum them per posting)."""

    _inherit = "member.wallet.move"

    amount_principal = fields.Monetary(
        compute="_compute_amount_parts", string="Paid-in Value", help="Change of the paid-in value."
    )
    amount_bonus = fields.Monetary(
        compute="_compute_amount_parts", string="Bonus Value", help="Change of the bonus value."
    )

    def _compute_amount_parts(self):
        groups = (
            self.env["member.wallet.line"]
            .sudo()
            ._read_group(
                [("move_id", "in", self.ids), ("asset", "in", ("principal", "bonus"))],
                ["move_id", "asset"],
                ["amount:sum"],
            )
        )
        sums = {(move.id, asset): amount for move, asset, amount in groups}
        for move in self:
            move.amount_principal = sums.get((move.id, "principal"), 0.0)
            move.amount_bonus = sums.get((move.id, "bonus"), 0.0)
