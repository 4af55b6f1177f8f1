from odoo import api, fields, models


class MemberPlan(models.Model):
    """A paid membership plan (付费会员): a level and its benefits for a term
    of months at a price, sold in the back office or at the till (its
    product). The plan's level holds while a subscription of it is valid,
    unless the member earned a higher one."""

    _name = "member.plan"
    _description = "Paid Membership Plan"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    level_id = fields.Many2one(
        "member.level",
        string="Level",
        required=True,
        ondelete="restrict",
        help="The level the member holds while the plan is valid (unless their own is higher).",
    )
    term_months = fields.Integer(
        string="Term (months)",
        required=True,
        default=1,
        help="1: monthly, 3: quarterly, 12: yearly. A term bought on 1 January ends on the "
        "last day before the same date that many months later.",
    )
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id, required=True
    )
    price = fields.Monetary(required=True)
    product_id = fields.Many2one(
        "product.product",
        string="POS Product",
        domain=[("type", "=", "service")],
        ondelete="restrict",
        help="Sold at the till, this product starts (or renews) the plan for the order's "
        "member when the order is paid.",
    )
    subscription_ids = fields.One2many("member.plan.subscription", "plan_id", readonly=True)
    subscription_count = fields.Integer(compute="_compute_subscription_count")

    _term_positive = models.Constraint(
        "CHECK(term_months > 0 AND term_months <= 120)",
        "A plan's term is from 1 to 120 months.",
    )
    _price_not_negative = models.Constraint(
        "CHECK(price >= 0)", "A plan's price cannot be negative."
    )
    _product_unique = models.UniqueIndex(
        "(product_id) WHERE product_id IS NOT NULL", "A product sells one plan only."
    )

    @api.depends("subscription_ids")
    def _compute_subscription_count(self):
        counts = dict(
            self.env["member.plan.subscription"]._read_group(
                [("plan_id", "in", self.ids)], ["plan_id"], ["__count"]
            )
        )
        for plan in self:
            plan.subscription_count = counts.get(plan, 0)

    def action_view_subscriptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "member_marketing.action_member_plan_subscription"
        )
        action["domain"] = [("plan_id", "=", self.id)]
        return action

    @api.model
    def _member_plan_of_products(self, products):
        """``{product id: plan}`` of the active plans sold by ``products``."""
        plans = self.sudo().search([("product_id", "in", products.ids)])
        return {plan.product_id.id: plan for plan in plans}
