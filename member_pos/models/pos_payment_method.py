from odoo import api, fields, models
from odoo.exceptions import ValidationError

MEMBER_BALANCE = "member_balance"


class PosPaymentMethod(models.Model):
    """The member-balance payment method: a payment terminal whose terminal
    is the wallet. It has no journal (the sale is paid with stored value
    already received); its intermediary account is the stored-value
    liability, so the session closing debits the liability for what the
    members paid from their balance."""

    _inherit = "pos.payment.method"

    member_liability_account_id = fields.Many2one(
        related="company_id.member_liability_account_id", string="Stored-Value Liability"
    )

    @api.constrains("use_payment_terminal", "journal_id", "receivable_account_id", "company_id")
    def _check_member_balance(self):
        for method in self.filtered(lambda m: m.use_payment_terminal == MEMBER_BALANCE):
            if method.journal_id:
                raise ValidationError(
                    self.env._(
                        "The member balance payment method %s takes no journal: the money "
                        "was received at the top-up.",
                        method.name,
                    )
                )
            liability = method.company_id._member_setting("member_liability_account_id")
            if liability and method.receivable_account_id != liability:
                raise ValidationError(
                    self.env._(
                        "The account of the member balance payment method %(method)s must be "
                        "the stored-value liability %(account)s.",
                        method=method.name,
                        account=liability.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("use_payment_terminal") == MEMBER_BALANCE:
                vals.setdefault("payment_method_type", "terminal")
                if not vals.get("receivable_account_id"):
                    company = self.env["res.company"].browse(
                        vals.get("company_id") or self.env.company.id
                    )
                    liability = company._member_setting("member_liability_account_id")
                    vals["receivable_account_id"] = liability.id or False
        return super().create(vals_list)

    def _get_payment_terminal_selection(self):
        member_balance = (MEMBER_BALANCE, self.env._("Member Balance"))
        return [*super()._get_payment_terminal_selection(), member_balance]

    @api.depends("use_payment_terminal")
    def _compute_hide_use_payment_terminal(self):
        super()._compute_hide_use_payment_terminal()
        for method in self.filtered(lambda m: m.use_payment_terminal == MEMBER_BALANCE):
            method.hide_use_payment_terminal = False

    def _is_member_balance(self):
        return self.use_payment_terminal == MEMBER_BALANCE

    def _member_pos_demo_link(self):
        """Demo data: offer this method on the company's points of sale
        that have no open session."""
        configs = (
            self.env["pos.config"]
            .search([("company_id", "=", self.company_id.id)])
            .filtered(lambda config: not config.current_session_id)
        )
        self.write({"config_ids": [fields.Command.link(config.id) for config in configs]})
