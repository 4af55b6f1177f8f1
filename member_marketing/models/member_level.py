from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError


class MemberLevel(models.Model):
    """The order of the levels, as the level rules compare them (a member
    moves up to a level that comes later: sequence, then id), and the gift
    of reaching a level (升级礼包), posted through the wallet."""

    _inherit = "member.level"

    upgrade_gift_points = fields.Integer(
        string="Upgrade Gift (points)",
        help="Points given once to a member who first reaches this level by a level rule "
        "(immediate upgrade or review), posted on their main card.",
    )

    upgrade_gift_bonus = fields.Float(
        string="Upgrade Gift (bonus stored value)",
        digits=(16, 2),
        help="Bonus stored value given once with the points, in the same posting.",
    )
    upgrade_gift_program_id = fields.Many2one(
        "loyalty.program",
        string="Upgrade Gift (coupon)",
        domain=[("program_type", "=", "coupons")],
        ondelete="restrict",
        help="One coupon of this program given once to a member who first reaches the level.",
    )

    @api.constrains("upgrade_gift_points", "upgrade_gift_bonus", "upgrade_gift_program_id")
    def _check_upgrade_gift(self):
        for level in self:
            if level.upgrade_gift_points < 0 or level.upgrade_gift_bonus < 0:
                raise ValidationError(self.env._("An upgrade gift cannot be negative."))
            program = level.upgrade_gift_program_id
            if program and program.program_type != "coupons":
                raise ValidationError(self.env._("The upgrade gift is a coupon program."))

    def _member_has_upgrade_gift(self):
        self.ensure_one()
        return (
            self.upgrade_gift_points > 0
            or self.upgrade_gift_bonus > 0
            or bool(self.upgrade_gift_program_id)
        )

    @api.model_create_multi
    def create(self, vals_list):
        levels = super().create(vals_list)
        self.env.registry.clear_cache()  # _member_level_keys
        return levels

    def write(self, vals):
        res = super().write(vals)
        if "sequence" in vals or "active" in vals:
            self.env.registry.clear_cache()
        return res

    @tools.ormcache()
    def _member_level_keys(self):
        """``{level id: (sequence, id)}`` of every level, archived ones too,
        cached for the registry: the upgrade after a top-up reads it."""
        self.env.cr.execute("SELECT id, sequence FROM member_level")
        return {
            level_id: (sequence or 0, level_id) for level_id, sequence in self.env.cr.fetchall()
        }

    # ------------------------------------------------------------------
    # The birthday gift of a level (生日礼): its birthday points (member_base's
    # ``birthday_bonus_points``) and, here, a coupon, given with the
    # birthday greeting once per member and year.
    # ------------------------------------------------------------------
    birthday_gift_program_id = fields.Many2one(
        "loyalty.program",
        string="Birthday Gift (coupon)",
        domain=[("program_type", "=", "coupons")],
        ondelete="restrict",
        help="One coupon of this program given every year with the birthday greeting.",
    )

    @api.constrains("birthday_gift_program_id")
    def _check_birthday_gift(self):
        for level in self:
            program = level.birthday_gift_program_id
            if program and program.program_type != "coupons":
                raise ValidationError(self.env._("The birthday gift is a coupon program."))
