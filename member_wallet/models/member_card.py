from odoo import api, fields, models


class MemberCard(models.Model):
    """The wallet a card draws on, its balances, packages and points on the
    card form, and the wallet's buttons."""

    _inherit = "member.card"

    wallet_id = fields.Many2one(
        "member.wallet",
        compute="_compute_wallet_id",
        string="Wallet",
        help="Linked and supplementary cards use their parent card's wallet.",
    )
    balance = fields.Monetary(compute="_compute_balances", string="Stored Value")
    principal = fields.Monetary(compute="_compute_balances", string="Paid-in Value")
    bonus = fields.Monetary(compute="_compute_balances", string="Bonus Value")
    points = fields.Integer(compute="_compute_balances", string="Points")
    currency_id = fields.Many2one(
        "res.currency", compute="_compute_balances", string="Wallet Currency"
    )
    package_ids = fields.One2many(
        "member.package", compute="_compute_package_ids", string="Packages"
    )
    package_count = fields.Integer(compute="_compute_package_ids", string="Active Packages")
    points_lot_ids = fields.Many2many(
        "member.points.lot", compute="_compute_points_history", string="Points Lots"
    )
    points_line_ids = fields.Many2many(
        "member.wallet.line", compute="_compute_points_history", string="Points History"
    )

    def _compute_wallet_id(self):
        Wallet = self.env["member.wallet"].sudo()
        for card in self:
            main = card._wallet_card()
            card.wallet_id = (
                Wallet.search([("card_id", "=", main.id)], limit=1) if main.id else False
            )

    def _compute_balances(self):
        for card in self:
            wallet = card.wallet_id.sudo()
            card.balance = wallet.balance
            card.principal = wallet.principal
            card.bonus = wallet.bonus
            card.points = wallet.points
            card.currency_id = wallet.currency_id or self.env.company.currency_id

    def _compute_package_ids(self):
        Package = self.env["member.package"]
        for card in self:
            wallet = card.wallet_id
            packages = Package.search([("wallet_id", "=", wallet.id)]) if wallet else Package
            card.package_ids = packages
            card.package_count = len(packages.filtered(lambda p: p.state == "active"))

    def _compute_points_history(self):
        Lot = self.env["member.points.lot"]
        Line = self.env["member.wallet.line"]
        for card in self:
            wallet = card.wallet_id
            if not wallet:
                card.points_lot_ids = Lot
                card.points_line_ids = Line
                continue
            card.points_lot_ids = Lot.search(
                [("wallet_id", "=", wallet.id)], order="date_earned desc, id desc", limit=200
            )
            card.points_line_ids = Line.search(
                [("wallet_id", "=", wallet.id), ("asset", "=", "points")], limit=200
            )

    def _wallet_card(self):
        """The card whose wallet this card spends from."""
        self.ensure_one()
        draws_on_parent = self.type_id._member_type_facts().draws_on_parent
        card = self.parent_id if draws_on_parent and self.parent_id else self
        while card.replaced_by_id:  # the wallet moved to the replacement card
            card = card.replaced_by_id
        return card

    def _get_wallet(self):
        """The wallet this card spends from, created on first use."""
        self.ensure_one()
        main = self._wallet_card()
        Wallet = self.env["member.wallet"].sudo()
        # the fields a posting reads, in the same query
        wallet = Wallet.search_fetch(
            [("card_id", "=", main.id)],
            ["card_id", "partner_id", "currency_id", "principal", "bonus", "points"],
            limit=1,
        )
        if not wallet:
            wallet = Wallet.create(
                {
                    "card_id": main.id,
                    "currency_id": self.env.company.currency_id.id,
                }
            )
        return wallet.with_env(self.env)

    def _do_operation(self, operation, reason=None, **params):
        result = super()._do_operation(operation, reason=reason, **params)
        if operation == "activate" and not self.type_id.draws_on_parent:
            self._get_wallet()
        return result

    def _move_to_replacement(self, new_card):
        """The wallet follows the member to the new card, with a transfer
        posting that records it (balances unchanged)."""
        super()._move_to_replacement(new_card)
        Wallet = self.env["member.wallet"]._as_service()
        wallet = Wallet.search([("card_id", "=", self.id)], limit=1)
        if not wallet:
            return
        wallet._lock()
        wallet.write({"card_id": new_card.id})
        wallet._post(
            "transfer",
            [],
            card=new_card,
            note=self.env._("Card %(old)s replaced by %(new)s", old=self.name, new=new_card.name),
            card_check=None,
        )

    def action_wallet_topup(self):
        return self._action_open_wallet_operation("topup")

    def action_wallet_consume(self):
        return self._action_open_wallet_operation("consume")

    def action_wallet_withdraw(self):
        return self._action_open_wallet_operation("withdraw")

    def action_wallet_adjust(self):
        return self._action_open_wallet_operation("adjust")

    @api.model
    def lookup_card(self, raw):
        result = super().lookup_card(raw)
        wallet = self.browse(result["card_id"])._get_wallet().sudo()
        result.update(
            balance=wallet.balance,
            principal=wallet.principal,
            bonus=wallet.bonus,
            points=wallet.points,
        )
        return result

    def action_sell_package(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sell a Package"),
            "res_model": "member.package.sell",
            "view_mode": "form",
            "target": "new",
            "context": {"default_card_id": self.id},
        }

    def action_view_packages(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "member_wallet.action_member_package"
        )
        action["domain"] = [("wallet_id", "=", self.wallet_id.id)]
        action["context"] = {}
        return action

    def _action_open_points(self, operation):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Points"),
            "res_model": "member.points.redeem",
            "view_mode": "form",
            "target": "new",
            "context": {"default_card_id": self.id, "default_operation": operation},
        }

    def action_points_redeem(self):
        return self._action_open_points("gift")

    def action_points_adjust(self):
        return self._action_open_points("add")

    # ------------------------------------------------------------------
    # The card as the back office shows it (balances are the chain's)
    # ------------------------------------------------------------------

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
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "member_wallet.action_member_wallet_move"
        )
        action["domain"] = [("wallet_id", "=", self.wallet_id.id)]
        action["context"] = {}
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
        self.ensure_one()
        action = {
            "type": "ir.actions.act_window",
            "res_model": "member.wallet.operation",
            "view_mode": "form",
            "target": "new",
            "context": {"default_card_id": self.id, "default_operation": operation},
        }
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
