from odoo import fields, models


class AccountMove(models.Model):
    """Journal entries made by the stored-value ledgers keep a link to what
    caused them: a wallet posting or an inter-store settlement."""

    _inherit = "account.move"

    member_wallet_move_id = fields.Many2one(
        "member.wallet.move",
        string="Wallet Posting",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
    )
    member_settlement_id = fields.Many2one(
        "member.settlement",
        string="Inter-store Settlement",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
    )
