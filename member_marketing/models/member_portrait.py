from odoo import fields, models


class MemberPortrait(models.Model):
    """One member's consumption behaviour (会员画像), as the nightly run
    (``member.portrait.engine``) aggregated it, set-based, from the
    purchases of the last 365 days: visits (days with a purchase) and spend
    over 30, 90 and 365 days, the average ticket, the last visit, the
    favourite store and categories. The member form reads this row; nothing
    scans the ledger when it opens. Written by the nightly run only."""

    _name = "member.portrait"
    _description = "Member Portrait"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Member", required=True, readonly=True, ondelete="cascade"
    )
    visits_30 = fields.Integer(string="Visits (30 days)", readonly=True)
    visits_90 = fields.Integer(string="Visits (90 days)", readonly=True)
    visits_365 = fields.Integer(string="Visits (365 days)", readonly=True)
    spend_30 = fields.Float(string="Spend (30 days)", digits=(16, 2), readonly=True)
    spend_90 = fields.Float(string="Spend (90 days)", digits=(16, 2), readonly=True)
    spend_365 = fields.Float(string="Spend (365 days)", digits=(16, 2), readonly=True)
    tickets_365 = fields.Integer(string="Purchases (365 days)", readonly=True)
    average_ticket = fields.Float(
        digits=(16, 2), readonly=True, help="Spend of the last 365 days per purchase."
    )
    last_visit = fields.Date(readonly=True)
    favourite_company_id = fields.Many2one(
        "res.company", string="Favourite Store", readonly=True, ondelete="set null"
    )
    favourite_categ_ids = fields.Many2many(
        "product.category",
        "member_portrait_categ_rel",
        "portrait_id",
        "categ_id",
        string="Favourite Categories",
        readonly=True,
    )
    next_level_id = fields.Many2one(
        "member.level", string="Next Level", readonly=True, ondelete="set null"
    )
    next_level_value = fields.Float(
        string="Reached",
        digits=(16, 2),
        readonly=True,
        help="The next level rule's measure over its period (spend, top-ups or points).",
    )
    next_level_threshold = fields.Float(string="Needed", digits=(16, 2), readonly=True)
    level_progress = fields.Float(
        string="Progress (%)",
        digits=(16, 1),
        readonly=True,
        help="How far the member is towards the next level's rule, in percent.",
    )
    computed_date = fields.Date(string="Computed On", readonly=True)

    _partner_unique = models.Constraint("UNIQUE(partner_id)", "A member has one portrait.")
