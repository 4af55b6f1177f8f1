from odoo import api, fields, models


class MemberCard(models.Model):
    """The card as the back office shows it: its balances are the chain's
    truth, and the card says how many of its postings the store rules hide
    from the user (made in stores the user does not work in)."""

    _inherit = "member.card"

    wallet_hidden_move_count = fields.Integer(
        compute="_compute_wallet_hidden_move_count",
        string="Postings at Other Stores",
        help="Postings of this card made in stores you do not work in: not in your lists, "
        "but in the card's balances.",
    )

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_wallet_hidden_move_count(self):
        Move = self.env["member.wallet.move"]
        for card in self:
            wallet = card.wallet_id
            if not wallet:
                card.wallet_hidden_move_count = 0
                continue
            domain = [("wallet_id", "=", wallet.id)]
            # every posting of the wallet (sudo) against those the user may read
            card.wallet_hidden_move_count = Move.sudo().search_count(domain) - Move.search_count(
                domain
            )

    def action_view_wallet_moves(self):
        action = super().action_view_wallet_moves()
        action["name"] = self.env._("Postings of card %s", self.name)
        hidden = self.wallet_hidden_move_count
        if hidden:
            note = self.env._(
                "%(count)s postings at other stores not shown; the card's balances include them",
                count=hidden,
            )
            action["name"] = f"{action['name']} ({note})"
            action["help"] = f"<p>{note}.</p>"
        return action

    def _action_open_wallet_operation(self, operation):
        action = super()._action_open_wallet_operation(operation)
        titles = {
            "topup": self.env._("Top-up"),
            "consume": self.env._("Pay from Balance"),
            "withdraw": self.env._("Refund"),
            "adjust": self.env._("Adjust Stored Value"),
        }
        action["name"] = self.env._(
            "%(operation)s: card %(number)s", operation=titles[operation], number=self.name
        )
        return action

    def _member_spending_rank(self):
        """Order of the cards a member pays with: active main cards first,
        the newest first."""
        return (self.state != "active", bool(self.type_id.draws_on_parent), -self.id)
