from odoo import fields, models


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
