import uuid

from odoo import api, fields, models

from ..tools import plan_term


class MemberPlanSell(models.TransientModel):
    """Sell or renew a paid membership at the desk: paid from a card's
    stored value (through the wallet) or recorded as paid otherwise."""

    _name = "member.plan.sell"
    _description = "Sell Paid Membership"

    def _default_key(self):
        return f"plan-sell-{uuid.uuid4().hex}"

    partner_id = fields.Many2one(
        "res.partner", string="Member", required=True, domain=[("is_member", "=", True)]
    )
    plan_id = fields.Many2one("member.plan", string="Plan", required=True)
    paid_by = fields.Selection(
        [("balance", "Stored Value"), ("other", "Other Means (cash, bank card…)")],
        string="Paid By",
        required=True,
        default="other",
    )
    card_id = fields.Many2one(
        "member.card",
        string="Card",
        domain="[('partner_id', '=', partner_id), ('state', '=', 'active')]",
    )
    currency_id = fields.Many2one(related="plan_id.currency_id")
    price = fields.Monetary(related="plan_id.price")
    date_start = fields.Date(string="From", compute="_compute_dates")
    date_end = fields.Date(string="Until", compute="_compute_dates")
    valid_until = fields.Date(related="partner_id.member_plan_valid_until")
    key = fields.Char(default=_default_key, readonly=True)

    @api.depends("partner_id", "plan_id")
    def _compute_dates(self):
        today = self.env.company._member_local_today()
        for wizard in self:
            if not wizard.plan_id:
                wizard.date_start = wizard.date_end = False
                continue
            start, end = plan_term.term_dates(
                today, wizard.plan_id.term_months, wizard.partner_id.member_plan_valid_until
            )
            wizard.date_start, wizard.date_end = start, end

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        cards = self.partner_id.member_card_ids.filtered(lambda c: c.state == "active")
        self.card_id = cards[:1]

    def action_sell(self):
        self.ensure_one()
        self.env["member.plan.subscription"]._sell(
            self.partner_id,
            self.plan_id,
            paid_by=self.paid_by,
            card=self.card_id if self.paid_by == "balance" else None,
            key=self.key,
        )
        return {"type": "ir.actions.act_window_close"}
