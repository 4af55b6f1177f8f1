from odoo import api, fields, models


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"

    member_topup_card = fields.Char(
        string="Card Topped Up",
        help="On a top-up line: the number of the card it tops up (set by the till).",
    )

    @api.model
    def _load_pos_data_fields(self, config):
        return [*super()._load_pos_data_fields(config), "member_topup_card"]
