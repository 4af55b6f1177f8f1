from odoo import api, fields, models

from ..models.member_plan_subscription import REFUND_POLICY_PARAM
from ..tools import plan_term


class MemberPlanRefund(models.TransientModel):
    """Refund the unused days of a paid membership (store managers)."""

    _name = "member.plan.refund"
    _description = "Refund Paid Membership"

    subscription_id = fields.Many2one(
        "member.plan.subscription", string="Paid Membership", required=True
    )
    partner_id = fields.Many2one(related="subscription_id.partner_id")
    currency_id = fields.Many2one(related="subscription_id.currency_id")
    paid_by = fields.Selection(related="subscription_id.paid_by")
    amount = fields.Monetary(string="Refund", compute="_compute_amount")
    policy = fields.Char(compute="_compute_amount")
    reason = fields.Text(required=True)

    @api.depends("subscription_id")
    def _compute_amount(self):
        today = self.env.company._member_local_today()
        policy = self.env["ir.config_parameter"].sudo().get_param(REFUND_POLICY_PARAM, "prorata")
        for wizard in self:
            term = wizard.subscription_id
            wizard.policy = policy
            wizard.amount = (
                float(
                    plan_term.prorata_refund(
                        term.price,
                        term.date_start,
                        term.date_end,
                        today,
                        term.currency_id.decimal_places,
                    )
                )
                if term and policy == "prorata"
                else 0.0
            )

    def action_refund(self):
        self.ensure_one()
        self.subscription_id._refund(self.reason)
        return {"type": "ir.actions.act_window_close"}
