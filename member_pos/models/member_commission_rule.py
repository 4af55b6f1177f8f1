from decimal import ROUND_HALF_UP, Decimal

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import ValidationError

COMMISSION_BASES = [
    ("sale", "Product Sales"),
    ("topup", "Top-ups"),
    ("card_issue", "Cards Issued"),
    ("package_sale", "Packages Sold"),
]


class MemberCommissionRule(models.Model):
    """A staff commission rule (业务提成规则): what an employee earns on a
    kind of business — product sales (optionally of one category and its
    subcategories), top-ups, cards issued, packages sold — as a percentage
    of the amount or a fixed amount per unit, for named employees, for a role
    or for everyone, in some stores and dates.

    Of the rules that apply to one sale line, top-up, card or package, one
    gives the commission: the most specific (an employee's own rule before
    their role's before everyone's; then the deepest category; then the
    sequence). The line keeps the rule and its rate: changing a rule later
    never changes what was earned."""

    _name = "member.commission.rule"
    _description = "Staff Commission Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    basis = fields.Selection(
        COMMISSION_BASES,
        string="Commission On",
        required=True,
        default="sale",
        help="The business the rule pays a commission on.",
    )
    user_ids = fields.Many2many(
        "res.users",
        "member_commission_rule_user_rel",
        "rule_id",
        "user_id",
        string="Employees",
        help="The employees (POS cashiers, back-office operators) this rule is for. Empty: "
        "every employee of the roles below.",
    )
    group_ids = fields.Many2many(
        "res.groups",
        "member_commission_rule_group_rel",
        "rule_id",
        "group_id",
        string="Roles",
        help="The roles (user groups, e.g. Cashier, Store Manager) this rule is for. Empty: "
        "every role.",
    )
    categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        help="Product sales and packages sold: products of this category and its "
        "subcategories only. Empty: every product.",
    )
    card_type_ids = fields.Many2many(
        "member.card.type",
        "member_commission_rule_card_type_rel",
        "rule_id",
        "type_id",
        string="Card Types",
        help="Top-ups and cards issued: cards of these types only. Empty: every type.",
    )
    company_ids = fields.Many2many(
        "res.company",
        "member_commission_rule_company_rel",
        "rule_id",
        "company_id",
        string="Stores",
        help="Stores or regions (covering their stores). Empty: every store.",
    )
    date_from = fields.Date(string="Valid From")
    date_to = fields.Date(string="Valid Until")
    method = fields.Selection(
        [("percent", "Percentage"), ("fixed", "Fixed Amount")],
        string="Computation",
        required=True,
        default="percent",
    )
    percent = fields.Float(
        string="Rate (%)", digits=(5, 2), help="Percentage of the amount sold or topped up."
    )
    fixed_amount = fields.Monetary(
        string="Fixed Amount",
        help="Per unit sold, per top-up, per card issued or per package sold.",
    )
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id, required=True
    )

    @api.constrains("method", "percent", "fixed_amount")
    def _check_amount(self):
        for rule in self:
            if rule.method == "percent" and not 0 < rule.percent <= 100:
                raise ValidationError(
                    self.env._(
                        "The commission rate of %s must be above 0%% and at most 100%%.",
                        rule.name,
                    )
                )
            if (
                rule.method == "fixed"
                and rule.currency_id.compare_amounts(rule.fixed_amount, 0) <= 0
            ):
                raise ValidationError(
                    self.env._("The fixed commission of %s must be a positive amount.", rule.name)
                )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for rule in self:
            if rule.date_from and rule.date_to and rule.date_to < rule.date_from:
                raise ValidationError(self.env._("A rule cannot end before it starts."))

    @api.constrains("basis", "categ_id", "card_type_ids")
    def _check_scope(self):
        for rule in self:
            if rule.categ_id and rule.basis not in ("sale", "package_sale"):
                raise ValidationError(
                    self.env._("A product category limits only product sales and packages sold.")
                )
            if rule.card_type_ids and rule.basis not in ("topup", "card_issue"):
                raise ValidationError(self.env._("Card types limit only top-ups and cards issued."))

    # ------------------------------------------------------------------
    # Matching and computing
    # ------------------------------------------------------------------

    @api.model
    def _rules_for(self, basis):
        """The active rules of ``basis``, read once by the caller for all the
        lines of one order or posting (as superuser: a cashier's sale pays
        commission on rules they may not read)."""
        return self.sudo().search([("basis", "=", basis)])

    def _best_for(self, user, company, day, product=None, card=None):
        """Of these rules, the one that pays the commission of ``user`` in
        ``company`` on ``day`` (for ``product`` or ``card``): the most
        specific, else an empty recordset. Only employees earn commission:
        not a portal member topping up online, nor the system (OdooBot) in a
        scheduled job."""
        if not user or user.id == SUPERUSER_ID or user.sudo().share:
            return self.browse()
        stores = set(company.sudo().parent_ids.ids)
        categories = (
            {int(cid) for cid in product.categ_id.parent_path.split("/") if cid}
            if product and product.categ_id
            else set()
        )
        user_groups = set(user.sudo().all_group_ids.ids)
        candidates = []
        for rule in self:
            if rule.user_ids and user not in rule.user_ids:
                continue
            if rule.group_ids and not user_groups & set(rule.group_ids.ids):
                continue
            if rule.company_ids and not stores & set(rule.company_ids.ids):
                continue
            if (rule.date_from and day < rule.date_from) or (rule.date_to and day > rule.date_to):
                continue
            if rule.categ_id and rule.categ_id.id not in categories:
                continue
            if rule.card_type_ids and (not card or card.type_id not in rule.card_type_ids):
                continue
            depth = rule.categ_id.parent_path.count("/") if rule.categ_id else 0
            candidates.append(
                (
                    (
                        bool(rule.user_ids),
                        bool(rule.group_ids),
                        depth,
                        bool(rule.card_type_ids),
                        -rule.sequence,
                        -rule.id,
                    ),
                    rule,
                )
            )
        if not candidates:
            return self.browse()
        return max(candidates, key=lambda pair: pair[0])[1]

    def _commission(self, base, quantity, currency):
        """The commission of this rule on ``base`` (an amount) for
        ``quantity`` units, rounded half-up to ``currency``."""
        self.ensure_one()
        quantum = Decimal(1).scaleb(-currency.decimal_places)
        if self.method == "percent":
            amount = Decimal(str(base)) * Decimal(str(self.percent)) / 100
        else:
            amount = Decimal(str(self.fixed_amount)) * Decimal(str(quantity))
        return amount.quantize(quantum, ROUND_HALF_UP)
