import uuid

from odoo import api, fields, models
from odoo.exceptions import UserError


class MemberPointsRedeem(models.TransientModel):
    """Back-office points operations on a card: redeem for a gift (积分兑换),
    redeem as a cash deduction, and manual addition or deduction with a
    reason (managers). The wizard carries its own idempotency key, so a
    double click posts once."""

    _name = "member.points.redeem"
    _description = "Points Redemption / Adjustment"

    card_id = fields.Many2one("member.card", string="Card", required=True, readonly=True)
    operation = fields.Selection(
        [
            ("gift", "Redeem for a Gift"),
            ("cash", "Redeem as Cash Deduction"),
            ("add", "Add Points"),
            ("deduct", "Deduct Points"),
        ],
        required=True,
        default="gift",
    )
    current_points = fields.Integer(related="card_id.points", string="Current Points")
    product_id = fields.Many2one(
        "product.product", string="Gift", domain="[('member_points_price', '>', 0)]"
    )
    product_points_price = fields.Integer(
        related="product_id.member_points_price", string="Points per Unit"
    )
    quantity = fields.Integer(default=1)
    points = fields.Integer(
        compute="_compute_points",
        store=True,
        readonly=False,
        help="Points to redeem, add or deduct.",
    )
    currency_id = fields.Many2one("res.currency", default=lambda self: self.env.company.currency_id)
    cash_amount = fields.Monetary(compute="_compute_cash_amount", string="Cash Value")
    reason = fields.Text(string="Reason / Note")
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    idempotency_key = fields.Char(
        default=lambda self: f"points-wizard-{uuid.uuid4()}", readonly=True
    )

    @api.depends("operation", "product_id", "quantity")
    def _compute_points(self):
        for wizard in self:
            if wizard.operation == "gift" and wizard.product_id:
                wizard.points = wizard.product_id.member_points_price * max(wizard.quantity, 0)
            elif not wizard.points:
                wizard.points = 0

    @api.depends("operation", "points")
    def _compute_cash_amount(self):
        Lot = self.env["member.points.lot"]
        for wizard in self:
            wizard.cash_amount = 0.0
            if wizard.operation == "cash" and wizard.points > 0:
                try:
                    wizard.cash_amount = float(Lot._points_to_cash(wizard.points))
                except UserError:
                    wizard.cash_amount = 0.0

    def action_confirm(self):
        self.ensure_one()
        wallet = self.card_id._get_wallet()
        Lot = self.env["member.points.lot"]
        key = self.idempotency_key
        if self.operation == "gift":
            if not self.product_id:
                raise UserError(self.env._("Choose the gift to redeem."))
            Lot._redeem(
                wallet,
                self.points,
                key=key,
                card=self.card_id,
                product=self.product_id,
                quantity=self.quantity,
                note=self.reason,
            )
        elif self.operation == "cash":
            Lot._redeem(
                wallet, self.points, key=key, card=self.card_id, cash=True, note=self.reason
            )
        else:
            if self.points <= 0:
                raise UserError(self.env._("The number of points must be greater than zero."))
            signed = self.points if self.operation == "add" else -self.points
            Lot._adjust(wallet, signed, self.reason, key=key)
        return {"type": "ir.actions.act_window_close"}
