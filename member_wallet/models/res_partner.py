from odoo import api, fields, models
from odoo.exceptions import UserError


class ResPartner(models.Model):
    _inherit = "res.partner"

    member_wallet_ids = fields.One2many("member.wallet", "partner_id", string="Wallets")
    member_balance = fields.Monetary(
        compute="_compute_member_balance",
        string="Stored Value",
        currency_field="member_currency_id",
    )
    member_points = fields.Integer(compute="_compute_member_balance", string="Points")
    member_currency_id = fields.Many2one("res.currency", compute="_compute_member_balance")

    def _compute_member_balance(self):
        groups = (
            self.env["member.wallet"]
            .sudo()
            ._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["balance:sum", "points:sum"]
            )
        )
        totals = {partner.id: (balance, points) for partner, balance, points in groups}
        for partner in self:
            balance, points = totals.get(partner.id, (0.0, 0))
            partner.member_balance = balance
            partner.member_points = points
            partner.member_currency_id = self.env.company.currency_id

    def _member_price_discount(self, company):
        """Extension point: the discount (%) of this member's price in
        ``company`` today: their level's (member_marketing adds its member
        days). The till applies it and the server checks it at sync."""
        self.ensure_one()
        return self.sudo().member_level_id.discount or 0.0

    def _member_panel_facts(self, company):
        """Extension point: ``[(label, text)]`` more for the till's member
        panel in ``company`` (member_marketing: the member's portrait, read
        from its nightly row). Default: none."""
        self.ensure_one()
        return []

    def _member_benefit_notes(self, company):
        """Extension point: short lines naming what this member gets today
        in ``company`` beyond their level (member_marketing: its member days
        and their points multiplier and extra discount), for the receipt of
        a sale. Default: none."""
        self.ensure_one()
        return []

    @api.model
    def _member_order_paid(self, partner, lines, company, reference=None):
        """Extension point: an order of ``partner`` (maybe empty) was paid
        in ``company`` (member_pos: a POS order reaching the server, once),
        with ``lines`` ``[{"product": product.product, "quantity": float,
        "amount": total with taxes, "key": unique key of the line}]``. Later
        addons start what the order sold (member_marketing: paid
        memberships), idempotently by the line's key. Default: nothing."""
        return

    def action_view_member_wallets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("member_wallet.action_member_wallet")
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # Top-up and payment straight from the member form
    # ------------------------------------------------------------------

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

    def _member_erasure_blockers(self):
        """A member whose cards still hold stored value, points or package
        uses is not erased: refund or transfer them first."""
        blockers = super()._member_erasure_blockers()
        wallets = self.env["member.wallet"].sudo().search([("partner_id", "=", self.id)])
        for wallet in wallets:
            if wallet.balance or wallet.points:
                blockers.append(
                    self.env._(
                        "Card %(card)s still holds %(balance)s of stored value and %(points)s "
                        "points: refund or transfer them before erasing the member.",
                        card=wallet.card_id.name,
                        balance=wallet.balance,
                        points=wallet.points,
                    )
                )
        packages = (
            self.env["member.package"]
            .sudo()
            .search([("wallet_id", "in", wallets.ids), ("state", "=", "active")])
        )
        if packages:
            blockers.append(
                self.env._(
                    "The member still has active packages (%s): refund them before erasing.",
                    ", ".join(packages.mapped("name")),
                )
            )
        return blockers
