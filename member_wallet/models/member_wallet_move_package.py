from odoo import fields, models

PACKAGE_MOVE_KINDS = [
    ("package_sale", "Package Sale"),
    ("package_use", "Package Use"),
    ("renewal", "Package Renewal"),
    ("package_refund", "Package Refund"),
    ("package_expiry", "Package Expiry"),
    ("timed", "Timed Consumption"),
]


class MemberWalletMove(models.Model):
    """Postings of counted packages (计次) and timed consumption (计时)."""

    _inherit = "member.wallet.move"

    kind = fields.Selection(
        selection_add=PACKAGE_MOVE_KINDS,
        ondelete=dict.fromkeys((key for key, _label in PACKAGE_MOVE_KINDS), "cascade"),
    )
