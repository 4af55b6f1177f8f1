from odoo import fields, models

POINTS_KINDS = [("earn", "Points Earned"), ("redemption", "Points Redeemed")]


class MemberWalletLine(models.Model):
    """Points on the ledger: the kinds of points lines, the lot a line
    created or targeted, and the lots it drew on."""

    _inherit = "member.wallet.line"

    kind = fields.Selection(
        selection_add=POINTS_KINDS, ondelete={value: "cascade" for value, _label in POINTS_KINDS}
    )
    points_lot_id = fields.Many2one(
        "member.points.lot",
        string="Target Lot",
        readonly=True,
        index="btree_not_null",
        help="For an expiry: the lot whose remainder expires.",
    )
    points_earned_date = fields.Date(
        string="Points Earned On",
        readonly=True,
        help="For points brought in from another system: when they were earned (their expiry "
        "follows from it). Empty: the posting's date.",
    )
    points_lot_ids = fields.One2many(
        "member.points.lot", "line_id", string="Lots Created", readonly=True
    )
    points_usage_ids = fields.One2many(
        "member.points.lot.usage", "line_id", string="Lots Used", readonly=True
    )
