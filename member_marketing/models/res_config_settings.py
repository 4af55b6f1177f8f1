from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    member_plan_refund_policy = fields.Selection(
        [("none", "No refund"), ("prorata", "Pro rata of the unused days")],
        string="Paid Membership Refunds",
        default="prorata",
        config_parameter="member_marketing.plan_refund_policy",
        help="Whether a store manager may refund the unused days of a paid membership.",
    )
