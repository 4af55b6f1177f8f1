from odoo import fields, models

PACKAGE_LINE_KINDS = [
    ("package_sale", "Package Sale"),
    ("package_use", "Package Use"),
    ("renewal", "Package Renewal"),
    ("package_refund", "Package Refund"),
    ("package_expiry", "Package Expiry"),
]


class MemberWalletLine(models.Model):
    """Ledger lines of the package asset: each carries its package, and the
    validity it set (and the one before, so a reversal can restore it)."""

    _inherit = "member.wallet.line"

    kind = fields.Selection(
        selection_add=PACKAGE_LINE_KINDS,
        ondelete=dict.fromkeys((key for key, _label in PACKAGE_LINE_KINDS), "cascade"),
    )
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

    _package_line_has_package = models.Constraint(
        "CHECK(asset != 'package' OR package_id IS NOT NULL)",
        "A ledger line of package uses must name its package.",
    )

    def _reversal_delta(self):
        delta = super()._reversal_delta()
        if self.package_id:
            delta.update(
                package_id=self.package_id.id,
                package_price=-self.package_price,
                package_expiry_date=self.package_expiry_previous,
                package_expiry_previous=self.package_expiry_date,
            )
        return delta
