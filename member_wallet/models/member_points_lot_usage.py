from odoo import fields, models


class MemberPointsLotUsage(models.Model):
    """Which lots a points ledger line drew on (or gave back to): positive
    points were taken from the lot, negative points were restored to it
    (the reversal of a redemption). Append-only, like the ledger."""

    _name = "member.points.lot.usage"
    _inherit = ["member.append.only.mixin"]
    _description = "Points Lot Use"
    _order = "id desc"

    lot_id = fields.Many2one(
        "member.points.lot",
        string="Lot",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    line_id = fields.Many2one(
        "member.wallet.line",
        string="Ledger Line",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    move_id = fields.Many2one(related="line_id.move_id", string="Posting")
    kind = fields.Selection(related="line_id.kind", string="Kind")
    date = fields.Datetime(related="line_id.date", string="Date")
    company_id = fields.Many2one(
        "res.company",
        string="Store",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    wallet_id = fields.Many2one(related="lot_id.wallet_id", string="Wallet")
    points = fields.Integer(
        required=True,
        readonly=True,
        help="Points taken from the lot; negative when given back to it.",
    )

    _points_not_zero = models.Constraint(
        "CHECK(points <> 0)", "A lot use moves at least one point."
    )

    def _append_only_message(self, operation):
        if operation == "create":
            return self.env._("Points lots are written by the wallet service only.")
        return self.env._("A lot use cannot be changed: reverse its posting instead.")
