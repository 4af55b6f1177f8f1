from odoo import fields, models


class MemberWalletReconciliation(models.Model):
    """Differences between a package's uses left and the sum of its ledger
    lines (expected: none)."""

    _inherit = "member.wallet.reconciliation"

    asset = fields.Selection(
        selection_add=[("package", "Package Uses")], ondelete={"package": "cascade"}
    )
    package_id = fields.Many2one(
        "member.package", string="Package", readonly=True, ondelete="cascade"
    )
