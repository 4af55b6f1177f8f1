import json

from odoo import fields, models
from odoo.tools import float_repr


class MemberWalletMove(models.Model):
    """The figures a service SMS of a posting tells the member, as text the
    SMS templates place (``{{ object.member_sms_amount }}`` …): from the
    posting's stored answer, so they are the balances right after this
    posting, whatever was posted on the wallet since."""

    _inherit = "member.wallet.move"

    member_sms_amount = fields.Char(
        string="SMS: Amount",
        compute="_compute_member_sms_figures",
        help="The stored value of the posting, without sign: the amount paid in for a "
        "top-up, the stored value spent or paid out otherwise.",
    )
    member_sms_balance = fields.Char(
        string="SMS: Balance After",
        compute="_compute_member_sms_figures",
        help="The card's stored value (principal and bonus) right after the posting.",
    )
    member_sms_points = fields.Char(
        string="SMS: Points",
        compute="_compute_member_sms_figures",
        help="The points of the posting, without sign.",
    )
    member_sms_points_balance = fields.Char(
        string="SMS: Points After",
        compute="_compute_member_sms_figures",
        help="The card's points right after the posting.",
    )

    def _compute_member_sms_figures(self):
        for move in self:
            answer = json.loads(move.sudo().result or "{}")
            digits = move.sudo().currency_id.decimal_places or 2
            principal = answer.get("principal_delta", 0.0)
            if move.kind == "topup":
                amount = principal
            else:
                amount = principal + answer.get("bonus_delta", 0.0)
            move.member_sms_amount = float_repr(abs(amount), digits)
            move.member_sms_balance = float_repr(answer.get("balance", 0.0), digits)
            move.member_sms_points = str(abs(int(answer.get("points_delta", 0))))
            move.member_sms_points_balance = str(int(answer.get("points", 0)))
