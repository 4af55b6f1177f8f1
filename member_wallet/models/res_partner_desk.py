from odoo import models
from odoo.exceptions import UserError


class ResPartner(models.Model):
    """Top-up and payment straight from the member form: on the card the
    member pays with (their newest active card with a wallet of its own)."""

    _inherit = "res.partner"

    def _member_spending_card(self):
        self.ensure_one()
        cards = self.member_card_ids.filtered(lambda card: card.state == "active")
        if not cards:
            raise UserError(
                self.env._("%s has no active card: issue a card first.", self.display_name)
            )
        return cards.sorted(lambda card: card._member_spending_rank())[0]

    def action_member_topup(self):
        return self._member_spending_card().action_wallet_topup()

    def action_member_pay(self):
        return self._member_spending_card().action_wallet_consume()
