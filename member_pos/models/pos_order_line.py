from odoo import api, fields, models


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"

    member_topup_card = fields.Char(
        string="Card Topped Up",
        help="On a top-up line: the number of the card it tops up (set by the till).",
    )
    member_discount = fields.Float(
        string="Member Price Discount (%)",
        digits="Discount",
        help="The member level's discount the till applied to this line (member price). "
        "The server refuses a line whose discount exceeds what the member's level allows.",
    )
    member_package_ref = fields.Integer(
        string="Package Used",
        help="On a package use (计次消费): the member package (its id) that pays for this "
        "service; its use is posted when the order reaches the server.",
    )
    member_points_redeemed = fields.Integer(
        string="Points Redeemed",
        help="On a gift or a points cash deduction (积分兑换): the points the server "
        "authorised for this line when the cashier added it.",
    )

    member_timed_session_ref = fields.Integer(
        string="Timed Session",
        help="On the charge of a timed session (计时): the session (its id) this line pays; "
        "the session is paid when the order reaches the server.",
    )

    @api.model
    def _load_pos_data_fields(self, config):
        return [
            *super()._load_pos_data_fields(config),
            "member_topup_card",
            "member_discount",
            "member_package_ref",
            "member_points_redeemed",
            "member_timed_session_ref",
        ]
