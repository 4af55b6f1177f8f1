from odoo import api, models


class ResUsers(models.Model):
    """Store staff land on the Membership desk when they log in."""

    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        users._member_set_home_action()
        return users

    @api.model
    def _member_install_home_action(self):
        """Data function (install): the desk for the staff already there."""
        self.search([("share", "=", False)])._member_set_home_action()

    def _member_set_home_action(self):
        """Give the desk as home action to store staff who have none (a
        settings administrator keeps Odoo's default)."""
        home = self.env.ref("member_base.action_member_home", raise_if_not_found=False)
        if not home:
            return
        staff = self.filtered(
            lambda user: (
                not user.action_id
                and not user.share
                and user.has_group("member_base.group_member_cashier")
                and not user.has_group("base.group_system")
            )
        )
        if staff:
            staff.sudo().action_id = home.id

    def _member_demo_chinese(self):
        """Demo data: these users and their stores work in Chinese when the
        database has it loaded (make demo with DEMO_LANG=zh_CN)."""
        if "zh_CN" not in dict(self.env["res.lang"].get_installed()):
            return
        self.sudo().write({"lang": "zh_CN"})
        self.sudo().company_ids.partner_id.write({"lang": "zh_CN"})
