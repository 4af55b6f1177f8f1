from odoo.tests import Form, tagged

from odoo.addons.member_wallet.tests.common import WalletCase


@tagged("post_install", "-at_install")
class TestViewsByRole(WalletCase):
    """Every form a role reaches from its buttons opens with that role's
    rights (a field the role may not read would break the screen)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        member = cls.make_member(name="View Member")
        card = cls.issue_card(member)
        cls.topup(card, 100)
        cls.member, cls.card = member, card

    def open_action_form(self, env, action):
        """Open the wizard a button returns, as the button's user would."""
        model = env[action["res_model"]].with_context(**action.get("context", {}))
        return Form(model)

    def test_cashier_screens(self):
        env = self.env_as(self.cashier_a, self.store_a)
        card = env["member.card"].browse(self.card.id)
        Form(card).save()
        Form(
            env["res.partner"].browse(self.member.id),
            view="member_base.res_partner_view_form_member_main",
        )
        Form(
            env["res.partner"].browse(self.member.id),
            view="member_base.res_partner_view_form_member_desk",
        )
        Form(
            env["res.partner"].with_context(default_is_member=True),
            view="member_base.res_partner_view_form_member_desk",
        )
        for button in ("action_member_topup", "action_member_pay"):
            with self.subTest(button=button):
                self.open_action_form(
                    env, getattr(env["res.partner"].browse(self.member.id), button)()
                )
        Form(card.wallet_id)
        Form(env["member.wallet.move"].search([], limit=1))
        for button in (
            "action_wallet_topup",
            "action_wallet_consume",
            "action_sell_package",
            "action_points_redeem",
        ):
            with self.subTest(button=button):
                self.open_action_form(env, getattr(card, button)())
        wizard = self.open_action_form(
            env, env["res.partner"].browse(self.member.id).action_issue_card()
        )
        self.assertEqual(wizard.partner_id, self.member)
        for button in ("action_report_lost", "action_freeze", "action_replace"):
            with self.subTest(button=button):
                self.open_action_form(env, getattr(card, button)())

    def test_manager_screens(self):
        env = self.env_as(self.manager_a, self.store_a)
        card = env["member.card"].browse(self.card.id)
        for button in (
            "action_wallet_withdraw",
            "action_wallet_adjust",
            "action_points_adjust",
            "action_extend",
            "action_upgrade",
            "action_close",
            "action_reset_pin",
        ):
            with self.subTest(button=button):
                self.open_action_form(env, getattr(card, button)())
        batch = self.open_action_form(env, env["member.batch.topup"]._action_from_cards(card))
        self.assertEqual(batch.journal_id, self.store_a.member_cash_journal_id)

    def test_auditor_screens(self):
        env = self.env(user=self.auditor)
        Form(env["member.card"].browse(self.card.id))
        Form(
            env["res.partner"].browse(self.member.id),
            view="member_base.res_partner_view_form_member_main",
        )
        Form(env["member.wallet"].browse(self.card.wallet_id.id))
        Form(env["member.wallet.move"].search([], limit=1))
        Form(env["member.operation.log"].search([], limit=1))
        Form(
            env["res.partner"].browse(self.member.id),
            view="member_base.res_partner_view_form_member_desk",
        )
