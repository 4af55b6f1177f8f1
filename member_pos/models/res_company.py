from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    member_pos_daily_limit = fields.Monetary(
        string="Daily Balance Spend Limit per Card",
        currency_field="currency_id",
        help="Most a card may pay from its stored value at the tills in one day (the "
        "store's local date), all stores together. Empty on a store: its nearest parent's "
        "limit applies; 0 everywhere: no limit.",
    )
