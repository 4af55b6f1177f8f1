import uuid

from odoo import api, fields, models


class MemberPackageSell(models.TransientModel):
    """Sell a counted package (计次卡) on a card from the back office, paid
    from the stored value or by other means. The wizard carries its own
    idempotency key, so a double click sells once."""

    _name = "member.package.sell"
    _description = "Sell a Member Package"

    card_id = fields.Many2one("member.card", required=True, readonly=True)
    product_id = fields.Many2one(
        "product.product",
        string="Package",
        required=True,
        domain="[('member_package', '=', True), ('sale_ok', '=', True)]",
    )
    uses = fields.Integer(related="product_id.member_package_uses", string="Uses")
    service_product_ids = fields.Many2many(
        related="product_id.member_package_product_ids", string="Covered Services"
    )
    currency_id = fields.Many2one(related="card_id.currency_id")
    balance = fields.Monetary(related="card_id.balance", string="Current Stored Value")
    price = fields.Monetary(string="Price")
    paid_by = fields.Selection(
        [("balance", "Stored Value"), ("other", "Other Means")], required=True, default="balance"
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    note = fields.Text()
    idempotency_key = fields.Char(default=lambda self: f"wizard-{uuid.uuid4()}", readonly=True)

    @api.onchange("product_id")
    def _onchange_product_id(self):
        self.price = self.product_id.lst_price

    def action_confirm(self):
        self.ensure_one()
        wallet = self.card_id._get_wallet()
        self.env["member.package"]._sell(
            wallet,
            self.product_id,
            key=self.idempotency_key,
            card=self.card_id,
            price=self.price,
            paid_by=self.paid_by,
            note=self.note,
        )
        return {"type": "ir.actions.act_window_close"}
