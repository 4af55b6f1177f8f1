from decimal import Decimal

from odoo import api, fields, models


class MemberTopupRule(models.Model):
    """A bonus tier for top-ups (充值赠送), e.g. pay 1,000 get 100. Of the rules
    that apply to a top-up (card type, level, store, dates), the one with the
    highest threshold reached gives the bonus; tiers do not add up."""

    _name = "member.topup.rule"
    _inherit = ["member.rule.scope.mixin"]
    _description = "Top-up Bonus Rule"
    _order = "sequence, min_amount desc, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id, required=True
    )
    min_amount = fields.Monetary(
        string="Top-up From", required=True, help="Pay at least this much…"
    )
    bonus_amount = fields.Monetary(string="Bonus", help="…and get this much more.")
    bonus_percent = fields.Float(
        string="Bonus (%)", digits=(5, 2), help="…or this share of the top-up."
    )

    _min_amount_positive = models.Constraint(
        "CHECK(min_amount > 0)", "A bonus rule starts from a positive top-up."
    )
    _bonus_not_negative = models.Constraint(
        "CHECK(bonus_amount >= 0 AND bonus_percent >= 0 AND bonus_percent <= 100)",
        "A bonus cannot be negative, nor above 100% of the top-up.",
    )

    def _bonus(self, amount):
        self.ensure_one()
        currency = self.currency_id
        bonus = Decimal(str(self.bonus_amount or 0)) + (
            Decimal(str(amount)) * Decimal(str(self.bonus_percent or 0)) / 100
        )
        return Decimal(str(currency.round(float(bonus))))

    @api.model
    def _bonus_for(self, amount, card, company):
        """Bonus for topping up ``amount`` on ``card`` in ``company`` today."""
        best = self._best_rule_for(amount, card, company)
        return best._bonus(amount) if best else Decimal(0)

    @api.model
    def _best_rule_for(self, amount, card, company):
        """The tier that gives the bonus of topping up ``amount`` on ``card``
        in ``company`` today (the wizards show it before confirming)."""
        day = company._member_local_today()
        amount = Decimal(str(amount))
        rules = (
            self.sudo()
            .search([])
            .filtered(
                lambda r: Decimal(str(r.min_amount)) <= amount and r._applies(card, company, day)
            )
        )
        if not rules:
            return self.browse()
        return max(rules, key=lambda r: (r.min_amount, r._bonus(amount))).with_env(self.env)
