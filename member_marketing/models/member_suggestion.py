from odoo import fields, models


class MemberSuggestion(models.Model):
    """A product suggested to a member (个性化推荐), from the nightly run
    (``member.portrait.engine``): a re-purchase (a product they buy again
    and again, with its cycle and next due date) or a co-purchase (what the
    members of their level buy together with what they bought, and they
    have not). Written by the nightly run only; segments and campaigns
    filter on it ("members likely to buy X")."""

    _name = "member.suggestion"
    _description = "Member Product Suggestion"
    _order = "partner_id, sequence, id"

    partner_id = fields.Many2one(
        "res.partner", string="Member", required=True, readonly=True, index=True, ondelete="cascade"
    )
    product_id = fields.Many2one(
        "product.product",
        string="Product",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    sequence = fields.Integer(string="Rank", readonly=True)
    reason = fields.Selection(
        [("repurchase", "Buys It Again"), ("copurchase", "Bought Together in Their Segment")],
        required=True,
        readonly=True,
    )
    score = fields.Float(
        digits=(16, 2),
        readonly=True,
        help="Co-purchase: how many members of the segment bought it with the member's products. "
        "Re-purchase: the number of days it was bought on.",
    )
    cycle_days = fields.Integer(string="Cycle (days)", readonly=True)
    due_date = fields.Date(string="Due", readonly=True, help="Re-purchase: the next due date.")

    _partner_product_unique = models.Constraint(
        "UNIQUE(partner_id, product_id)", "A product is suggested once to a member."
    )
