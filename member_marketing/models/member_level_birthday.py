from odoo import api, fields, models
from odoo.exceptions import ValidationError


class MemberLevel(models.Model):
    """The birthday gift of a level (生日礼): its birthday points (member_base's
    ``birthday_bonus_points``) and, here, a coupon, given with the birthday
    greeting once per member and year."""

    _inherit = "member.level"

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
