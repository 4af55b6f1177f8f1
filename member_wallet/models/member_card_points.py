from odoo import fields, models


class MemberCard(models.Model):
    """Points on the card form: its wallet's lots and points history, and
    the redeem / adjust buttons."""

    _inherit = "member.card"

    points_lot_ids = fields.Many2many(
        "member.points.lot", compute="_compute_points_history", string="Points Lots"
    )
    points_line_ids = fields.Many2many(
        "member.wallet.line", compute="_compute_points_history", string="Points History"
    )

    def _compute_points_history(self):
        Lot = self.env["member.points.lot"]
        Line = self.env["member.wallet.line"]
        for card in self:
            wallet = card.wallet_id
            if not wallet:
                card.points_lot_ids = Lot
                card.points_line_ids = Line
                continue
            card.points_lot_ids = Lot.search(
                [("wallet_id", "=", wallet.id)], order="date_earned desc, id desc", limit=200
            )
            card.points_line_ids = Line.search(
                [("wallet_id", "=", wallet.id), ("asset", "=", "points")], limit=200
            )

    def _action_open_points(self, operation):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Points"),
            "res_model": "member.points.redeem",
            "view_mode": "form",
            "target": "new",
            "context": {"default_card_id": self.id, "default_operation": operation},
        }

    def action_points_redeem(self):
        return self._action_open_points("gift")

    def action_points_adjust(self):
        return self._action_open_points("add")
