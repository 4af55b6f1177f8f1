import uuid

from odoo import api, fields, models
from odoo.exceptions import UserError


class MemberWalletOperation(models.TransientModel):
    """Back-office stored-value operations on a card: top-up (充值),
    consumption (消费), refund (取款) and adjustment, through the posting
    service. The wizard carries its own idempotency key, so a double click
    posts once."""

    _name = "member.wallet.operation"
    _description = "Stored Value Operation"

    card_id = fields.Many2one("member.card", required=True, readonly=True)
    operation = fields.Selection(
        [
            ("topup", "Top-up"),
            ("consume", "Consumption"),
            ("withdraw", "Refund"),
            ("adjust", "Adjustment"),
        ],
        required=True,
        readonly=True,
    )
    currency_id = fields.Many2one(related="card_id.currency_id")
    balance = fields.Monetary(related="card_id.balance", string="Current Stored Value")
    points = fields.Integer(related="card_id.points", string="Current Points")
    amount = fields.Char(
        required=True, help="For an adjustment, a signed amount: -20 takes 20 away."
    )
    asset = fields.Selection(
        [
            ("principal", "Stored Value (paid)"),
            ("bonus", "Stored Value (bonus)"),
            ("points", "Points"),
        ],
        default="principal",
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Paid With",
        domain="[('type', 'in', ('cash', 'bank')), ('company_id', 'parent_of', company_id)]",
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    pin = fields.Char(string="PIN")
    note = fields.Text(string="Reason / Note")
    idempotency_key = fields.Char(default=lambda self: f"wizard-{uuid.uuid4()}", readonly=True)

    @api.onchange("operation")
    def _onchange_operation(self):
        if self.operation in ("topup", "withdraw") and not self.journal_id:
            self.journal_id = self.env["account.journal"].search(
                [("type", "=", "cash"), ("company_id", "parent_of", self.env.company.id)], limit=1
            )

    def action_confirm(self):
        self.ensure_one()
        wallet = self.card_id._get_wallet()
        if self.operation == "topup":
            wallet._topup(
                self.amount,
                key=self.idempotency_key,
                card=self.card_id,
                note=self.note,
                journal=self.journal_id,
            )
        elif self.operation == "consume":
            if self.card_id.type_id.pin_required and not self.card_id._check_pin(self.pin):
                raise UserError(self.env._("Wrong PIN for card %s.", self.card_id.name))
            wallet._consume(
                self.amount, key=self.idempotency_key, card=self.card_id, note=self.note
            )
        elif self.operation == "withdraw":
            wallet._withdraw(
                self.amount, key=self.idempotency_key, note=self.note, journal=self.journal_id
            )
        else:
            wallet._adjust(self.asset, self.amount, self.note, key=self.idempotency_key)
        return {"type": "ir.actions.act_window_close"}
