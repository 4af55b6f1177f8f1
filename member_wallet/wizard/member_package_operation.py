import uuid

from odoo import api, fields, models


class MemberPackageOperation(models.TransientModel):
    """Use (计次消费), renew (续费) or refund a counted package from the back
    office, through the wallet service. One idempotency key per wizard."""

    _name = "member.package.operation"
    _description = "Member Package Operation"

    package_id = fields.Many2one("member.package", required=True, readonly=True)
    operation = fields.Selection(
        [("use", "Use"), ("renew", "Renewal"), ("refund", "Refund")], required=True, readonly=True
    )
    uses_remaining = fields.Integer(related="package_id.uses_remaining")
    expiry_date = fields.Date(related="package_id.expiry_date")
    service_product_ids = fields.Many2many(related="package_id.service_product_ids")
    currency_id = fields.Many2one(related="package_id.currency_id")
    product_id = fields.Many2one(
        "product.product", string="Service", domain="[('id', 'in', service_product_ids)]"
    )
    uses = fields.Integer(default=1)
    days = fields.Integer(string="Extend by Days")
    months = fields.Integer(string="Extend by Months")
    price = fields.Monetary()
    paid_by = fields.Selection(
        [("balance", "Stored Value"), ("other", "Other Means")], required=True, default="balance"
    )
    refund_amount = fields.Monetary(compute="_compute_refund_amount", string="Refund")
    note = fields.Text(string="Reason / Note")
    idempotency_key = fields.Char(default=lambda self: f"wizard-{uuid.uuid4()}", readonly=True)

    @api.depends("package_id", "operation")
    def _compute_refund_amount(self):
        for wizard in self:
            package = wizard.package_id.sudo()
            wizard.refund_amount = float(package._refund_amount()) if package else 0

    @api.onchange("operation")
    def _onchange_operation(self):
        if self.operation == "renew":
            self.uses = 0

    def action_confirm(self):
        self.ensure_one()
        package = self.package_id
        if self.operation == "use":
            package._use(
                uses=self.uses,
                key=self.idempotency_key,
                product=self.product_id or None,
                note=self.note,
            )
        elif self.operation == "renew":
            package._renew(
                uses=self.uses,
                days=self.days,
                months=self.months,
                key=self.idempotency_key,
                price=self.price,
                paid_by=self.paid_by,
                note=self.note,
            )
        else:
            package._refund(self.note, key=self.idempotency_key)
        return {"type": "ir.actions.act_window_close"}
