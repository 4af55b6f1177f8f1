from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    member_bonus_policy = fields.Selection(
        [("last", "Bonus last (paid value first)"), ("proportional", "Proportionally")],
        string="Bonus Consumption",
        default="last",
        config_parameter="member_wallet.bonus_policy",
        help="How a payment from stored value draws on paid-in value and bonus. A refund "
        "takes back the bonus that came with the refunded value.",
    )
    member_max_amount = fields.Float(
        string="Largest Amount per Operation",
        default=100000.0,
        config_parameter="member_wallet.max_amount",
    )

    member_points_expiry_policy = fields.Selection(
        [
            ("never", "Never"),
            ("rolling", "Rolling months after earning"),
            ("year_end", "At a fixed year end"),
        ],
        string="Points Expiry",
        default="never",
        config_parameter="member_wallet.points_expiry_policy",
        help="When earned points expire. A change applies to points earned from then on.",
    )
    member_points_expiry_months = fields.Integer(
        string="Valid for (months)",
        default=12,
        config_parameter="member_wallet.points_expiry_months",
        help="Rolling expiry: points earned on 15 March stay valid until the 14th of the same "
        "month this many months later.",
    )
    member_points_expiry_years = fields.Integer(
        string="Years after the year earned",
        default=1,
        config_parameter="member_wallet.points_expiry_years",
        help="Fixed year end: with 1, points earned in 2025 expire after 31 December 2026.",
    )
    member_points_cash_points = fields.Integer(
        string="Points",
        default=100,
        config_parameter="member_wallet.points_cash_points",
        help="Cash deduction rate: this many points…",
    )
    member_points_cash_amount = fields.Float(
        string="Are Worth",
        default=1.0,
        config_parameter="member_wallet.points_cash_amount",
        help="…are worth this amount when redeemed as a deduction from a sale.",
    )

    @api.constrains(
        "member_points_expiry_months",
        "member_points_expiry_years",
        "member_points_cash_points",
        "member_points_cash_amount",
    )
    def _check_member_points_settings(self):
        for settings in self:
            if settings.member_points_expiry_months < 1 or settings.member_points_expiry_years < 0:
                raise ValidationError(
                    self.env._(
                        "Points stay valid for at least one month, and years cannot be negative."
                    )
                )
            if settings.member_points_cash_points <= 0 or settings.member_points_cash_amount <= 0:
                raise ValidationError(self.env._("The points-to-cash rate must be positive."))
