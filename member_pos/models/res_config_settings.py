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

    # the point of sale's IoT box (pos.config member_iot_*), in the POS settings
    pos_member_iot_card_reader = fields.Boolean(
        related="pos_config_id.member_iot_card_reader", readonly=False
    )
    pos_member_iot_print_slips = fields.Boolean(
        related="pos_config_id.member_iot_print_slips", readonly=False
    )
    pos_member_iot_url = fields.Char(related="pos_config_id.member_iot_url", readonly=False)
    pos_member_iot_secret = fields.Char(
        related="pos_config_id.member_iot_secret",
        readonly=False,
        groups="point_of_sale.group_pos_manager",
    )
    pos_member_iot_printer = fields.Char(related="pos_config_id.member_iot_printer", readonly=False)
