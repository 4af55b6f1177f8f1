import uuid
from decimal import Decimal, InvalidOperation

from odoo import api, fields, models
from odoo.exceptions import UserError


class MemberWalletOperation(models.TransientModel):
    """Back-office stored-value operations on a card: top-up (充值),
    consumption (消费), refund (取款) and adjustment, through the posting
    service. The wizard carries its own idempotency key, so a double click
    posts once. Before confirming it shows what will happen (the bonus of
    the tier that applies, the points a payment earns, the balance after);
    after, a notification says what was done."""

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
    partner_id = fields.Many2one(related="card_id.partner_id", string="Member")
    pin_required = fields.Boolean(related="card_id.type_id.pin_required")
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
        string="Payment Method",
        default=lambda self: self.env.company._member_topup_journal(),
        domain="[('type', 'in', ('cash', 'bank')), ('company_id', 'parent_of', company_id)]",
        help="How the money was received (top-up) or paid back (refund).",
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    pin = fields.Char(string="PIN")
    note = fields.Text(string="Reason / Note")
    idempotency_key = fields.Char(default=lambda self: f"wizard-{uuid.uuid4()}", readonly=True)
    bonus_preview = fields.Monetary(
        compute="_compute_preview",
        string="Bonus",
        help="The bonus of the top-up tier that applies to this amount here and today.",
    )
    bonus_rule_id = fields.Many2one(
        "member.topup.rule", compute="_compute_preview", string="Bonus Rule"
    )
    points_preview = fields.Integer(
        compute="_compute_preview",
        string="Points Earned",
        help="The points this payment earns under the earning rules (none when back-office "
        "payments earn no points).",
    )
    balance_after = fields.Monetary(compute="_compute_preview", string="Stored Value After")

    @api.depends("amount", "operation", "card_id", "company_id")
    def _compute_preview(self):
        Rule = self.env["member.topup.rule"]
        for wizard in self:
            wizard.bonus_preview = 0
            wizard.bonus_rule_id = False
            wizard.points_preview = 0
            amount = wizard._preview_amount()
            balance = Decimal(str(wizard.card_id.balance or 0))
            wizard.balance_after = float(balance)
            if amount is None or not wizard.card_id:
                continue
            company = wizard.company_id or self.env.company
            if wizard.operation == "topup":
                rule = Rule._best_rule_for(amount, wizard.card_id, company)
                bonus = rule._bonus(amount) if rule else Decimal(0)
                wizard.bonus_rule_id = rule
                wizard.bonus_preview = float(bonus)
                wizard.balance_after = float(balance + amount + bonus)
            elif wizard.operation == "consume":
                wizard.balance_after = float(balance - amount)
                wizard.points_preview = wizard._points_earned(amount)

    def _preview_amount(self):
        """The amount typed, when it is a positive number (the service checks
        it for real)."""
        try:
            amount = Decimal((self.amount or "").replace(",", "").strip())
        except InvalidOperation:
            return None
        return amount if amount.is_finite() and amount > 0 else None

    def _points_earned(self, amount):
        if not self.env["res.config.settings"]._member_backoffice_earns_points():
            return 0
        company = self.company_id or self.env.company
        earning = self.env["member.points.rule"]._compute_earning(
            amount, self.card_id, company, paid_from_balance=amount
        )
        return earning["points"]

    def action_confirm(self):
        self.ensure_one()
        wallet = self.card_id._get_wallet()
        points = 0
        if self.operation in ("topup", "withdraw") and not self.journal_id:
            raise UserError(
                self.env._("Choose the payment method of the top-up (how the member paid).")
                if self.operation == "topup"
                else self.env._("Choose the refund method (how the money is paid back).")
            )
        if self.operation == "topup":
            move, answer = wallet._topup(
                self.amount,
                key=self.idempotency_key,
                card=self.card_id,
                note=self.note,
                journal=self.journal_id,
            )
        elif self.operation == "consume":
            move, answer = wallet._consume(
                self.amount,
                key=self.idempotency_key,
                card=self.card_id,
                note=self.note,
                pin=self.pin,
                check_pin=True,
            )
            points = self._earn_points(wallet, move)
        elif self.operation == "withdraw":
            move, answer = wallet._withdraw(
                self.amount, key=self.idempotency_key, note=self.note, journal=self.journal_id
            )
        else:
            move, answer = wallet._adjust(
                self.asset, self.amount, self.note, key=self.idempotency_key
            )
        return self._notification(move, answer, points)

    def _earn_points(self, wallet, move):
        """Points for a payment taken in the back office, through the
        wallet's points service, once (its own key, after the payment's)."""
        if not self.env["res.config.settings"]._member_backoffice_earns_points():
            return 0
        paid = -move.amount  # what the payment took from the stored value
        _points_move, points_answer = self.env["member.points.lot"]._earn(
            wallet,
            paid,
            key=f"{self.idempotency_key}:points",
            card=self.card_id,
            paid_from_balance=paid,
            source=move,
            note=self.note,
        )
        return points_answer.get("points_earned", 0)

    def _notification(self, move, answer, points=0):
        """What was done, in a notification; the dialog closes and the card
        shows its new balances."""
        currency = self.currency_id or self.env.company.currency_id
        move = move.sudo()
        card = self.card_id.name
        balance = currency.format(answer.get("balance", 0))
        if self.operation == "topup":
            title = self.env._("Card %s topped up", card)
            message = self.env._(
                "%(paid)s paid, %(bonus)s bonus: stored value now %(balance)s.",
                paid=currency.format(move.amount_principal),
                bonus=currency.format(move.amount_bonus),
                balance=balance,
            )
        elif self.operation == "consume":
            title = self.env._("Paid from card %s", card)
            message = self.env._(
                "%(amount)s paid, %(points)s points earned: stored value now %(balance)s, "
                "%(total)s points.",
                amount=currency.format(-move.amount),
                points=points,
                balance=balance,
                total=answer.get("points", 0) + points,
            )
        elif self.operation == "withdraw":
            title = self.env._("Refund from card %s", card)
            message = self.env._(
                "%(amount)s refunded: stored value now %(balance)s.",
                amount=currency.format(-move.amount_principal),
                balance=balance,
            )
        else:
            title = self.env._("Card %s adjusted", card)
            message = self.env._(
                "Stored value now %(balance)s, %(points)s points.",
                balance=balance,
                points=answer.get("points", 0),
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": title,
                "message": message,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
