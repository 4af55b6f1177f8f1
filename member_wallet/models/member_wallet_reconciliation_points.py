from odoo import fields, models


class MemberWalletReconciliation(models.Model):
    """Differences between a wallet's points and the points left in its lots
    (expected: none)."""

    _inherit = "member.wallet.reconciliation"

    asset = fields.Selection(
        selection_add=[("points_lots", "Points Lots")], ondelete={"points_lots": "cascade"}
    )
