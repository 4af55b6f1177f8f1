from odoo import fields, models

from .member_wallet_move import PACKAGE_KINDS, POINTS_KINDS

ASSETS = [
    ("principal", "Stored Value (paid)"),
    ("bonus", "Stored Value (bonus)"),
    ("points", "Points"),
    ("package", "Package Uses"),
]

LINE_KINDS = [
    ("topup", "Top-up"),
    ("bonus", "Bonus"),
    ("consumption", "Consumption"),
    ("refund", "Refund"),
    ("withdrawal", "Withdrawal"),
    ("transfer", "Transfer"),
    ("adjustment", "Adjustment"),
    ("expiry", "Expiry"),
    ("reversal", "Reversal"),
    ("opening", "Opening Balance"),
    *PACKAGE_KINDS,
    *POINTS_KINDS,
]


class MemberWalletLine(models.Model):
    """A ledger line: one change of one asset of one wallet. Append-only."""

    _name = "member.wallet.line"
    _inherit = ["member.append.only.mixin"]
    _description = "Wallet Ledger Line"
    _order = "id desc"

    move_id = fields.Many2one(
        "member.wallet.move",
        string="Posting",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    wallet_id = fields.Many2one(
        "member.wallet", required=True, readonly=True, index=True, ondelete="restrict"
    )
    card_id = fields.Many2one(related="move_id.card_id", string="Card")
    partner_id = fields.Many2one(related="wallet_id.partner_id", string="Member")
    date = fields.Datetime(related="move_id.date", store=True, index=True)
    user_id = fields.Many2one(related="move_id.user_id", string="Operator")
    company_id = fields.Many2one(
        "res.company",
        string="Store",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    asset = fields.Selection(ASSETS, required=True, readonly=True, index=True)
    kind = fields.Selection(LINE_KINDS, required=True, readonly=True, index=True)
    amount = fields.Float(digits=(16, 2), readonly=True, required=True)
    balance_after = fields.Float(digits=(16, 2), readonly=True)
    reversed_line_id = fields.Many2one("member.wallet.line", string="Reverses", readonly=True)
    # the package asset: each line carries its package, and the validity it
    # set (and the one before, so a reversal can restore it)
    package_id = fields.Many2one(
        "member.package",
        string="Package",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    package_price = fields.Monetary(
        string="Package Price",
        readonly=True,
        currency_field="package_currency_id",
        help="What was paid for the uses of this line (sale, renewal): the base of refunds.",
    )
    package_currency_id = fields.Many2one(related="wallet_id.currency_id")
    package_expiry_date = fields.Date(string="Package Valid Until", readonly=True)
    package_expiry_previous = fields.Date(string="Package Valid Until Before", readonly=True)
    # the points asset: the lot a line created or targeted, the lots it drew on
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

    _package_line_has_package = models.Constraint(
        "CHECK(asset != 'package' OR package_id IS NOT NULL)",
        "A ledger line of package uses must name its package.",
    )

    def _append_only_message(self, operation):
        if operation == "create":
            return self.env._("Ledger lines are written by the wallet service only.")
        if operation == "unlink":
            return self.env._("A ledger line cannot be deleted: reverse its posting instead.")
        return self.env._("A ledger line cannot be changed: reverse its posting instead.")

    def _reversal_delta(self, amount=None):
        """The delta that cancels this line, or ``amount`` of it (signed as
        the line; packages are cancelled whole)."""
        self.ensure_one()
        amount = self.amount if amount is None else amount
        delta = {
            "asset": self.asset,
            "amount": -amount,
            "kind": "reversal",
            "reversed_line_id": self.id,
        }
        if self.package_id:
            delta.update(
                package_id=self.package_id.id,
                package_price=-self.package_price,
                package_expiry_date=self.package_expiry_previous,
                package_expiry_previous=self.package_expiry_date,
            )
        return delta
