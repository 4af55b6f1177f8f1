from odoo import fields, models


class BarcodeRule(models.Model):
    _inherit = "barcode.rule"

    type = fields.Selection(
        selection_add=[("member_card", "Member Card")], ondelete={"member_card": "set default"}
    )
