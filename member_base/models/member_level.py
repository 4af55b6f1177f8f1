from odoo import api, fields, models
from odoo.exceptions import ValidationError


class MemberLevel(models.Model):
    """A membership level (normal, silver, gold, diamond…) and the benefits
    every other addon reads from it. Upgrade/downgrade rules live in
    member_marketing."""

    _name = "member.level"
    _description = "Member Level"
    _order = "sequence, id"

    name = fields.Char(string="Level", required=True, translate=True)
    sequence = fields.Integer(default=10, help="Higher levels come later.")
    active = fields.Boolean(default=True)
    color = fields.Integer()
    discount = fields.Float(
        string="Discount (%)", digits=(5, 2), help="Discount on member prices, in percent."
    )
    points_multiplier = fields.Float(
        string="Points Multiplier", default=1.0, digits=(5, 2), required=True
    )
    birthday_bonus_points = fields.Integer(string="Birthday Bonus Points")
    free_timed_minutes = fields.Integer(
        string="Free Timed Minutes", help="Free minutes per timed session."
    )
    description = fields.Html(translate=True)
    member_count = fields.Integer(compute="_compute_member_count", string="Members")

    _name_unique = models.Constraint("UNIQUE(name)", "A level with this name already exists.")
    _discount_range = models.Constraint(
        "CHECK(discount >= 0 AND discount < 100)",
        "A level's discount must be at least 0% and below 100%.",
    )
    _multiplier_positive = models.Constraint(
        "CHECK(points_multiplier >= 0)", "The points multiplier cannot be negative."
    )

    def _compute_member_count(self):
        groups = self.env["res.partner"]._read_group(
            [("member_level_id", "in", self.ids)], ["member_level_id"], ["__count"]
        )
        counts = {level.id: count for level, count in groups}
        for level in self:
            level.member_count = counts.get(level.id, 0)

    @api.constrains("free_timed_minutes", "birthday_bonus_points")
    def _check_non_negative(self):
        for level in self:
            if level.free_timed_minutes < 0 or level.birthday_bonus_points < 0:
                raise ValidationError(
                    self.env._("Free minutes and birthday bonus points cannot be negative.")
                )
