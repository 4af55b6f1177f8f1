from odoo import fields, models


class MemberWalletReconciliation(models.Model):
    """A difference found by the nightly reconciliation between a wallet's
    stored balance and the sum of its ledger lines (expected: none)."""

    _name = "member.wallet.reconciliation"
    _description = "Wallet Reconciliation Difference"
    _order = "id desc"

    date = fields.Datetime(required=True, readonly=True)
    wallet_id = fields.Many2one("member.wallet", required=True, readonly=True, ondelete="cascade")
    card_id = fields.Many2one(related="wallet_id.card_id")
    asset = fields.Selection(
        [
            ("principal", "Stored Value (paid)"),
            ("bonus", "Stored Value (bonus)"),
            ("points", "Points"),
        ],
        required=True,
        readonly=True,
    )
    stored = fields.Float(digits=(16, 2), readonly=True)
    ledger = fields.Float(string="Ledger Sum", digits=(16, 2), readonly=True)
    difference = fields.Float(digits=(16, 2), readonly=True)
