from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class MemberTopupRule(models.Model):
    """A bonus tier for top-ups (充值赠送), e.g. pay 1,000 get 100. Of the rules
    that apply to a top-up (card type, level, store, dates), the one with the
    highest threshold reached gives the bonus; tiers do not add up."""

    _name = "member.topup.rule"
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
    card_type_ids = fields.Many2many("member.card.type", string="Card Types", help="Empty: all.")
    level_ids = fields.Many2many("member.level", string="Levels", help="Empty: all.")
    company_ids = fields.Many2many(
        "res.company",
        string="Stores",
        help="Stores or regions (covering their stores). Empty: all.",
    )
    date_from = fields.Date()
    date_to = fields.Date()

    _min_amount_positive = models.Constraint(
        "CHECK(min_amount > 0)", "A bonus rule starts from a positive top-up."
    )
    _bonus_not_negative = models.Constraint(
        "CHECK(bonus_amount >= 0 AND bonus_percent >= 0 AND bonus_percent <= 100)",
        "A bonus cannot be negative, nor above 100% of the top-up.",
    )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for rule in self:
            if rule.date_from and rule.date_to and rule.date_to < rule.date_from:
                raise ValidationError(self.env._("A rule cannot end before it starts."))

    def _applies(self, card, company, day):
        self.ensure_one()
        if self.card_type_ids and card.type_id not in self.card_type_ids:
            return False
        if self.level_ids and card.partner_id.member_level_id not in self.level_ids:
            return False
        # store staff may not read their head office or region: compare ids as superuser
        if self.company_ids and not set(company.sudo().parent_ids.ids) & set(self.company_ids.ids):
            return False
        if self.date_from and day < self.date_from:
            return False
        return not (self.date_to and day > self.date_to)

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
            return Decimal(0)
        best = max(rules, key=lambda r: (r.min_amount, r._bonus(amount)))
        return best._bonus(amount)
