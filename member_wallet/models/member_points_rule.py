from collections import defaultdict
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import points as points_tools


class MemberPointsRule(models.Model):
    """How members earn points (积分规则).

    An *amount* rule gives points for every full step spent (1 point per
    1 yuan, 1 point per 10 yuan, …), rounded down. A *product* rule covers
    given products or categories (with their sub-categories), at a rate of
    its own or a fixed number of points per unit. Each part of a sale earns
    under one rule only: a sale line under the first product rule that
    covers its product (rules naming the product before rules naming its
    category, then by sequence), the rest of the sale under the first amount
    rule that applies. Then the member's level multiplier and, in the
    member's birthday day/week/month (store's local date), the birthday
    multiplier, and those of later addons (``_earning_multipliers``); the
    result is rounded down once.
    """

    _name = "member.points.rule"
    _inherit = ["member.rule.scope.mixin"]
    _description = "Points Earning Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    base = fields.Selection(
        [("amount", "Amount Spent"), ("product", "Products or Categories")],
        string="Earn On",
        required=True,
        default="amount",
    )
    product_ids = fields.Many2many("product.product", string="Products")
    categ_ids = fields.Many2many(
        "product.category", string="Product Categories", help="Covers their sub-categories too."
    )
    compute = fields.Selection(
        [("rate", "Points per Amount Spent"), ("fixed", "Fixed Points per Unit")],
        string="Points",
        required=True,
        default="rate",
    )
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id, required=True
    )
    amount_step = fields.Monetary(
        string="For Every",
        default=1.0,
        required=True,
        help="Points are given for every full step of this amount (rounded down).",
    )
    points_per_step = fields.Integer(string="Points per Step", default=1, required=True)
    points_per_unit = fields.Integer(string="Points per Unit")
    apply_level_multiplier = fields.Boolean(
        string="Level Multiplier",
        default=True,
        help="Multiply by the points multiplier of the member's level.",
    )
    birthday_multiplier = fields.Float(
        digits=(5, 2),
        default=1.0,
        required=True,
        help="Multiplier in the member's birthday period (1: no birthday bonus).",
    )
    birthday_period = fields.Selection(
        [("day", "Birthday"), ("week", "Birthday Week"), ("month", "Birthday Month")],
        default="day",
        required=True,
        help="Solar or lunar birthday, in the store's local date; weeks run Monday to Sunday.",
    )
    exclude_stored_value = fields.Boolean(
        string="No Points on Stored Value",
        help="The part of a sale paid from the card's stored value earns no points.",
    )

    _amount_step_positive = models.Constraint(
        "CHECK(amount_step > 0)", "The amount per step must be greater than zero."
    )
    _points_not_negative = models.Constraint(
        "CHECK(points_per_step >= 0 AND COALESCE(points_per_unit, 0) >= 0)",
        "Points per step or unit cannot be negative.",
    )
    _birthday_multiplier_not_negative = models.Constraint(
        "CHECK(birthday_multiplier >= 0)", "The birthday multiplier cannot be negative."
    )

    @api.constrains("base", "compute", "product_ids", "categ_ids")
    def _check_products(self):
        for rule in self:
            if rule.base == "product" and not (rule.product_ids or rule.categ_ids):
                raise ValidationError(
                    self.env._("Rule %s: choose the products or categories it covers.", rule.name)
                )
            if rule.base == "amount" and rule.compute == "fixed":
                raise ValidationError(
                    self.env._(
                        "Rule %s: fixed points per unit need products or categories.", rule.name
                    )
                )

    # ------------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------------

    def _product_match(self, product):
        """0 when the rule names the product, 1 when it covers its category,
        None when it does not cover it."""
        self.ensure_one()
        if product in self.product_ids:
            return 0
        if self.categ_ids and product.categ_id:
            ancestors = {int(x) for x in (product.categ_id.parent_path or "").split("/") if x}
            if ancestors & set(self.categ_ids.ids):
                return 1
        return None

    def _base_points(self, amount, quantity):
        """Points before multipliers for ``amount`` spent / ``quantity``
        units under this rule, rounded down."""
        self.ensure_one()
        if self.base == "product" and self.compute == "fixed":
            return points_tools.points_for_units(quantity, self.points_per_unit)
        return points_tools.points_for_amount(
            amount, Decimal(str(self.amount_step)), self.points_per_step
        )

    # ------------------------------------------------------------------
    # Earning
    # ------------------------------------------------------------------

    @api.model
    def _earning_multipliers(self, card, company, day):
        """Extension point: multipliers applied to every rule's points of a
        sale on ``card`` in ``company`` on ``day`` (the store's local date),
        after the level and birthday multipliers, before the one rounding
        down (member_marketing: member days). Default: none."""
        return []

    @api.model
    def _compute_earning(self, amount, card, company, lines=None, paid_from_balance=0):
        """Points earned by a sale of ``amount`` on ``card`` in ``company``
        today (store's local date).

        :param lines: optional ``[{"product": product.product, "quantity": …,
            "amount": Decimal}]``, the sale lines; what the lines do not
            cover of ``amount`` earns under the amount rule
        :param paid_from_balance: the part of ``amount`` paid from stored
            value (rules marked so give nothing on it, proportionally)
        :return: ``{"points": int, "detail": [{rule_id, rule, amount, base,
            points}]}``
        """
        day = company._member_local_today()
        amount = Decimal(str(amount))
        rules = self.sudo().search([]).filtered(lambda r: r._applies(card, company, day))
        amount_rule = rules.filtered(lambda r: r.base == "amount")[:1]
        product_rules = rules.filtered(lambda r: r.base == "product")
        groups = defaultdict(lambda: [Decimal(0), Decimal(0)])
        rest = amount
        for line in lines or []:
            matches = [
                (match, rule.sequence, rule.id, rule)
                for rule in product_rules
                if (match := rule._product_match(line["product"])) is not None
            ]
            if not matches:
                continue
            rule = min(matches, key=lambda m: m[:3])[3]
            groups[rule][0] += line["amount"]
            groups[rule][1] += Decimal(str(line["quantity"]))
            rest -= line["amount"]
        if rest > 0 and amount_rule:
            groups[amount_rule][0] += rest
        share = points_tools.eligible_share(amount, paid_from_balance)
        partner = card.partner_id
        level = partner.member_level_id
        level_multiplier = level.points_multiplier if level else 1
        birthday = {}
        extra = self._earning_multipliers(card, company, day)
        total, detail = 0, []
        for rule, (rule_amount, quantity) in groups.items():
            if rule.exclude_stored_value:
                rule_amount, quantity = rule_amount * share, quantity * share
            base = rule._base_points(rule_amount, quantity)
            multipliers = [level_multiplier] if rule.apply_level_multiplier else []
            if partner and rule.birthday_multiplier != 1:
                if rule.birthday_period not in birthday:
                    birthday[rule.birthday_period] = points_tools.is_birthday_period(
                        day, rule.birthday_period, partner._next_birthday_from
                    )
                if birthday[rule.birthday_period]:
                    multipliers.append(rule.birthday_multiplier)
            points = points_tools.apply_multipliers(base, *multipliers, *extra)
            total += points
            detail.append(
                {
                    "rule_id": rule.id,
                    "rule": rule.name,
                    "amount": float(rule_amount),
                    "base": base,
                    "points": points,
                }
            )
        return {"points": total, "detail": detail}
