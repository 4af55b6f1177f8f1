from odoo import api, fields, models
from odoo.exceptions import UserError


class MemberPointsLot(models.Model):
    """A lot of points: what one posting brought in (earning, manual
    addition, opening balance, restored expiry), when, until when it is
    valid, and how much of it is left.

    Redemptions, deductions and expiry take points from the oldest lots
    first (FIFO). Lots change only inside the wallet's posting service, under
    the wallet's row lock, in the transaction that appends the ledger line:
    the sum of the remaining points of a wallet's lots is its points balance.
    """

    _name = "member.points.lot"
    _description = "Points Lot"
    _order = "date_earned, id"

    wallet_id = fields.Many2one(
        "member.wallet",
        string="Wallet",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    card_id = fields.Many2one(related="wallet_id.card_id", string="Card")
    partner_id = fields.Many2one(related="wallet_id.partner_id", string="Member")
    company_id = fields.Many2one(
        "res.company",
        string="Store",
        required=True,
        readonly=True,
        ondelete="restrict",
        help="Store where the points were earned; its local date decides when they expire.",
    )
    date_earned = fields.Date(string="Earned On", required=True, readonly=True)
    date_expiry = fields.Date(
        string="Valid Until",
        readonly=True,
        help="Last day the points can be used (store's local date). Empty: they never expire.",
    )
    points = fields.Integer(string="Points Earned", required=True, readonly=True)
    points_remaining = fields.Integer(string="Points Left", required=True, readonly=True)
    points_expired = fields.Integer(string="Points Expired", readonly=True, default=0)
    move_id = fields.Many2one(
        "member.wallet.move",
        string="Source Posting",
        required=True,
        readonly=True,
        ondelete="restrict",
    )
    line_id = fields.Many2one(
        "member.wallet.line",
        string="Source Line",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    usage_ids = fields.One2many("member.points.lot.usage", "lot_id", string="Uses", readonly=True)
    state = fields.Selection(
        [("open", "Open"), ("used", "Used"), ("expired", "Expired")],
        compute="_compute_state",
        string="Status",
    )

    _points_positive = models.Constraint("CHECK(points > 0)", "A lot holds at least one point.")
    _remaining_in_range = models.Constraint(
        "CHECK(points_remaining >= 0 AND points_remaining <= points)",
        "A lot cannot give more points than it holds.",
    )
    _expired_in_range = models.Constraint(
        "CHECK(points_expired >= 0 AND points_expired <= points)",
        "A lot cannot expire more points than it holds.",
    )
    # FIFO: a wallet's open lots, oldest first
    _fifo_idx = models.Index("(wallet_id, date_earned, id) WHERE points_remaining > 0")
    # the expiry cron: open lots by date
    _expiry_idx = models.Index(
        "(date_expiry) WHERE points_remaining > 0 AND date_expiry IS NOT NULL"
    )

    @api.depends("points_remaining", "points_expired")
    def _compute_state(self):
        for lot in self:
            if lot.points_remaining:
                lot.state = "open"
            elif lot.points_expired:
                lot.state = "expired"
            else:
                lot.state = "used"

    @api.depends("date_earned", "points")
    def _compute_display_name(self):
        for lot in self:
            lot.display_name = self.env._(
                "%(points)s points of %(date)s", points=lot.points, date=lot.date_earned or ""
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(self.env._("Points lots are written by the wallet service only."))
        return super().create(vals_list)

    def write(self, vals):
        raise UserError(self.env._("A points lot changes only through postings."))

    def unlink(self):
        raise UserError(self.env._("A points lot cannot be deleted."))
