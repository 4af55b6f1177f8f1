from decimal import ROUND_HALF_UP, Decimal

from odoo import api, fields, models

from .member_commission_rule import COMMISSION_BASES


def money_of(value, currency):
    """``value`` rounded to ``currency``, as a Decimal."""
    return Decimal(str(currency.round(value or 0)))


class MemberCommissionLine(models.Model):
    """One commission earned by an employee (业务提成明细), written as the
    business happens: a POS sale line, a top-up, a card issued, a package
    sold. It keeps the rule that paid it, its rate and its base, so that it
    never changes afterwards; a return writes a negative line linked to the
    line it reverses. Lines are append-only, written by the suite's services
    only (``_record``), each with a unique key: a POS resync or a retried
    posting never writes one twice."""

    _name = "member.commission.line"
    _inherit = ["member.append.only.mixin"]
    _description = "Staff Commission Line"
    _order = "date desc, id desc"

    date = fields.Datetime(required=True, readonly=True, index=True)
    company_id = fields.Many2one(
        "res.company", string="Store", required=True, readonly=True, index=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Employee",
        required=True,
        readonly=True,
        index=True,
        help="The POS cashier of the order (with pos_hr: the user of its employee, if any), "
        "or the back-office operator of the top-up, card or package.",
    )
    employee_name = fields.Char(
        string="Cashier",
        readonly=True,
        help="The name the POS shows for the cashier (with pos_hr: the employee who logged in "
        "at the till), else the employee's user.",
    )
    basis = fields.Selection(COMMISSION_BASES, string="Commission On", required=True, readonly=True)
    rule_id = fields.Many2one(
        "member.commission.rule", string="Rule", readonly=True, ondelete="restrict"
    )
    rule_method = fields.Selection(
        [("percent", "Percentage"), ("fixed", "Fixed Amount")],
        string="Computation",
        readonly=True,
    )
    rule_percent = fields.Float(string="Rate (%)", digits=(5, 2), readonly=True)
    rule_fixed_amount = fields.Monetary(string="Fixed Amount", readonly=True)
    base_amount = fields.Monetary(
        string="Base", readonly=True, help="The amount sold, topped up or paid for the card."
    )
    quantity = fields.Float(digits="Product Unit", readonly=True)
    amount = fields.Monetary(string="Commission", readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    product_id = fields.Many2one("product.product", string="Product", readonly=True)
    categ_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    card_id = fields.Many2one("member.card", string="Card", readonly=True, ondelete="restrict")
    partner_id = fields.Many2one("res.partner", string="Member", readonly=True)
    pos_order_id = fields.Many2one(
        "pos.order",
        string="POS Order",
        readonly=True,
        ondelete="restrict",
        index="btree_not_null",
    )
    pos_order_line_id = fields.Many2one(
        "pos.order.line",
        string="POS Order Line",
        readonly=True,
        ondelete="restrict",
        index="btree_not_null",
    )
    move_id = fields.Many2one(
        "member.wallet.move",
        string="Posting",
        readonly=True,
        ondelete="restrict",
        index="btree_not_null",
    )
    reversed_line_id = fields.Many2one(
        "member.commission.line",
        string="Reverses",
        readonly=True,
        ondelete="restrict",
        index="btree_not_null",
        help="On a return: the commission line it takes back (in part or whole).",
    )
    reversal_line_ids = fields.One2many(
        "member.commission.line", "reversed_line_id", string="Reversed By", readonly=True
    )
    key = fields.Char(required=True, readonly=True, copy=False)

    _key_unique = models.UniqueIndex("(key)", "This commission was already recorded.")

    # ------------------------------------------------------------------
    # Service
    # ------------------------------------------------------------------

    @api.model
    def _record(self, vals_list):
        """Write the commission lines of ``vals_list`` whose key is not
        recorded yet (a resync, a replayed posting: nothing new); the lines
        written. Called by the suite's own hooks on sales and postings, after
        their own checks."""
        vals_list = [vals for vals in vals_list if vals]
        if not vals_list:
            return self.browse()
        Line = self._as_service()
        known = set(Line.search([("key", "in", [v["key"] for v in vals_list])]).mapped("key"))
        fresh = [vals for vals in vals_list if vals["key"] not in known]
        return Line.create(fresh).with_env(self.env) if fresh else self.browse()

    @api.model
    def _line_values(self, rule, *, key, basis, user, company, base, quantity=1, **values):
        """The values of the line ``rule`` pays on ``base`` (``None``: no
        rule, or nothing to pay)."""
        if not rule:
            return None
        currency = company.sudo().currency_id
        amount = rule._commission(base, quantity, currency)
        if not amount:
            return None
        return {
            "key": key,
            "basis": basis,
            "date": values.pop("date", None) or fields.Datetime.now(),
            "company_id": company.id,
            "user_id": user.id,
            "employee_name": values.pop("employee_name", None) or user.sudo().name,
            "rule_id": rule.id,
            "rule_method": rule.method,
            "rule_percent": rule.percent if rule.method == "percent" else 0.0,
            "rule_fixed_amount": rule.fixed_amount if rule.method == "fixed" else 0.0,
            "base_amount": float(base),
            "quantity": quantity,
            "amount": float(amount),
            "currency_id": currency.id,
            **values,
        }

    def _reversal_values(self, key, share=None, quantity=None, base=None, **values):
        """The values of the negative line that takes back ``share`` (a
        fraction, default all) of this line, what earlier reversals left of
        it at most; ``None`` when nothing is left."""
        self.ensure_one()
        line = self.sudo()
        left = Decimal(str(line.amount)) + sum(
            Decimal(str(r.amount)) for r in line.reversal_line_ids
        )
        quantum = Decimal(1).scaleb(-line.currency_id.decimal_places)
        if left.copy_abs() < quantum / 2:
            return None
        if share is None:
            amount = left
        else:
            amount = (Decimal(str(line.amount)) * Decimal(str(share))).quantize(
                quantum, ROUND_HALF_UP
            )
            amount = min(amount, left) if left > 0 else max(amount, left)
        if not amount:
            return None
        return {
            "key": key,
            "basis": line.basis,
            "date": values.pop("date", None) or fields.Datetime.now(),
            "company_id": line.company_id.id,
            "user_id": line.user_id.id,
            "employee_name": line.employee_name,
            "rule_id": line.rule_id.id,
            "rule_method": line.rule_method,
            "rule_percent": line.rule_percent,
            "rule_fixed_amount": line.rule_fixed_amount,
            "base_amount": float(base) if base is not None else -line.base_amount,
            "quantity": quantity if quantity is not None else -line.quantity,
            "amount": -float(amount),
            "currency_id": line.currency_id.id,
            "product_id": line.product_id.id,
            "categ_id": line.categ_id.id,
            "card_id": line.card_id.id,
            "partner_id": line.partner_id.id,
            "reversed_line_id": line.id,
            **values,
        }
