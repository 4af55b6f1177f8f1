from odoo import api, fields, models
from odoo.exceptions import UserError

OPERATION_CHOICES = [
    ("report_lost", "Report Lost"),
    ("cancel_lost", "Cancel Lost Report"),
    ("freeze", "Freeze"),
    ("unfreeze", "Unfreeze"),
    ("extend", "Extend Validity"),
    ("upgrade", "Upgrade Card Type"),
    ("replace", "Replace Card"),
    ("close", "Close Card"),
    ("reset_pin", "Reset PIN"),
]


class MemberCardOperation(models.TransientModel):
    """One lifecycle operation on a card, with its reason (挂失, 冻结, 延期, 升级, 换卡…)."""

    _name = "member.card.operation"
    _description = "Member Card Operation"

    card_id = fields.Many2one("member.card", required=True, readonly=True)
    card_state = fields.Selection(related="card_id.state", string="Current State")
    operation = fields.Selection(OPERATION_CHOICES, required=True, readonly=True)
    reason = fields.Text(required=True, help="Kept in the operation log with the operation.")
    new_number = fields.Char(string="New Card Number", help="Empty: generated from the card type.")
    chip_uid = fields.Char(string="New Chip UID")
    type_id = fields.Many2one("member.card.type", string="New Card Type")
    months = fields.Integer(string="Extend by (months)")
    expiry_date = fields.Date(string="New Expiry Date")
    pin = fields.Char(string="New PIN")
    pin_confirm = fields.Char(string="Confirm PIN")

    @api.onchange("months")
    def _onchange_months(self):
        if self.months and self.months > 0:
            base = max(
                filter(None, [self.card_id.expiry_date, self.env.company._member_local_today()])
            )
            self.expiry_date = fields.Date.add(base, months=self.months)

    def action_confirm(self):
        self.ensure_one()
        params = {}
        if self.operation == "extend":
            params = {"expiry_date": self.expiry_date, "months": self.months}
        elif self.operation == "upgrade":
            params = {"type_id": self.type_id.id}
        elif self.operation == "replace":
            params = {"new_number": self.new_number, "chip_uid": self.chip_uid}
        elif self.operation == "reset_pin":
            if self.pin != self.pin_confirm:
                raise UserError(self.env._("The two PINs differ."))
            params = {"pin": self.pin}
        result = self.card_id._do_operation(self.operation, reason=self.reason, **params)
        if self.operation == "replace":
            return {
                "type": "ir.actions.act_window",
                "res_model": "member.card",
                "res_id": result.id,
                "view_mode": "form",
                "target": "current",
            }
        return {"type": "ir.actions.act_window_close"}
