from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    member_pos_daily_limit = fields.Monetary(
        related="company_id.member_pos_daily_limit",
        readonly=False,
        currency_field="currency_id",
    )
    member_pos_abandon_minutes = fields.Integer(
        string="Reverse Abandoned POS Debits After (minutes)",
        config_parameter="member_pos.abandon_minutes",
        default=30,
        help="A balance payment authorised at a till whose order never reached the server "
        "(tab closed, order deleted) is reversed automatically after this delay.",
    )
