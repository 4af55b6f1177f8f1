from odoo import fields, models

from .payment_provider import QR_PROVIDERS


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    member_pos_session_id = fields.Many2one(
        "pos.session",
        string="Till Session",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The till session whose cashier showed this top-up's QR code.",
    )

    def _member_pos_qr_code(self):
        self.ensure_one()
        spec = QR_PROVIDERS.get(self.provider_code)
        return (spec and spec[2] in self._fields and self[spec[2]]) or False

    def _member_pos_query(self):
        """Ask the provider what became of these pending transactions."""
        for tx in self:
            spec = QR_PROVIDERS.get(tx.provider_code)
            if spec and hasattr(tx, spec[3]):
                getattr(tx, spec[3])()
