from odoo import fields, models

from .member_wallet_line_points import POINTS_KINDS


class MemberWalletMove(models.Model):
    """Points postings: earning (with the amount it was earned on) and
    redemption (for a gift, or as a cash deduction)."""

    _inherit = "member.wallet.move"

    kind = fields.Selection(
        selection_add=POINTS_KINDS, ondelete={value: "cascade" for value, _label in POINTS_KINDS}
    )
    points_sale_amount = fields.Monetary(
        string="Amount Spent", readonly=True, help="The sale the points were earned on."
    )
    points_product_id = fields.Many2one(
        "product.product", string="Gift", readonly=True, ondelete="restrict"
    )
    points_product_qty = fields.Integer(string="Gift Quantity", readonly=True)
    points_cash_amount = fields.Monetary(
        string="Cash Value",
        readonly=True,
        help="For points redeemed as a cash deduction: the amount deducted from the sale.",
    )
