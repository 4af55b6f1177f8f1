from odoo import api, fields, models
from odoo.exceptions import UserError

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
]


class MemberWalletLine(models.Model):
    """A ledger line: one change of one asset of one wallet. Append-only."""

    _name = "member.wallet.line"
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

    @api.model_create_multi
    def create(self, vals_list):
        if not (self.env.su and self.env.context.get("member_wallet_post")):
            raise UserError(self.env._("Ledger lines are written by the wallet service only."))
        return super().create(vals_list)

    def write(self, vals):
        raise UserError(self.env._("A ledger line cannot be changed: reverse its posting instead."))

    def unlink(self):
        raise UserError(self.env._("A ledger line cannot be deleted: reverse its posting instead."))

    def _reversal_delta(self):
        """The delta that cancels this line (extended for packages and lots)."""
        self.ensure_one()
        return {
            "asset": self.asset,
            "amount": -self.amount,
            "kind": "reversal",
            "reversed_line_id": self.id,
        }
