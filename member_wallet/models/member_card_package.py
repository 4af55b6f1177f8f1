from odoo import fields, models


class MemberCard(models.Model):
    """The packages of the wallet a card draws on, on the card form."""

    _inherit = "member.card"

    package_ids = fields.One2many(
        "member.package", compute="_compute_package_ids", string="Packages"
    )
    package_count = fields.Integer(compute="_compute_package_ids", string="Active Packages")

    def _compute_package_ids(self):
        Package = self.env["member.package"]
        for card in self:
            wallet = card.wallet_id
            packages = Package.search([("wallet_id", "=", wallet.id)]) if wallet else Package
            card.package_ids = packages
            card.package_count = len(packages.filtered(lambda p: p.state == "active"))

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
