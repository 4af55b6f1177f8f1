from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import WalletCase, new_key


@tagged("post_install", "-at_install", "member_wallet")
class TestWalletDesk(WalletCase):
    """The back office's stored-value wizard, payment method and points;
    who may top up where; what the store rules hide, said on the card."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["member.topup.rule"].create(
            {"name": "Pay 500, get 40", "min_amount": 500, "bonus_amount": 40}
        )
        cls.env["member.points.rule"].search([]).write({"active": False})
        cls.env["member.points.rule"].create(
            {"name": "1 point per yuan", "amount_step": 1, "points_per_step": 1}
        )
        cls.card = cls.make_card()

    def wizard(self, operation, user=None, company=None, card=None, **vals):
        env = self.env_as(user or self.cashier_a, company or self.store_a)
        card = (card or self.card).with_env(env)
        action = getattr(card, f"action_wallet_{operation}")()
        return env["member.wallet.operation"].with_context(**action["context"]).create(vals)

    # ------------------------------------------------------------------
    # Payment method
    # ------------------------------------------------------------------

    def test_each_store_has_a_cash_journal_preselected(self):
        for store in (self.store_a, self.store_b):
            with self.subTest(store=store.name):
                journal = store.member_cash_journal_id
                self.assertEqual((journal.type, journal.company_id), ("cash", store))
        wizard = self.wizard("topup", amount="500")
        self.assertEqual(wizard.journal_id, self.store_a.member_cash_journal_id)
        refund = self.wizard("withdraw", user=self.manager_a, amount="10", note="Moving away")
        self.assertEqual(refund.journal_id, self.store_a.member_cash_journal_id)

    def test_topup_without_payment_method_refused(self):
        wizard = self.wizard("topup", amount="500")
        wizard.journal_id = False
        with self.assertNothingWritten(UserError, message="payment method"):
            wizard.action_confirm()
        refund = self.wizard("withdraw", user=self.manager_a, amount="10", note="Moving away")
        refund.journal_id = False
        with self.assertNothingWritten(UserError, message="refund method"):
            refund.action_confirm()

    # ------------------------------------------------------------------
    # What the wizard says before and after
    # ------------------------------------------------------------------

    def test_topup_shows_the_bonus_before_and_after(self):
        wizard = self.wizard("topup", amount="499.99")
        self.assertEqual(wizard.bonus_preview, 0)
        wizard.amount = "500"
        self.assertEqual(wizard.bonus_preview, 40)
        self.assertEqual(wizard.bonus_rule_id.name, "Pay 500, get 40")
        self.assertEqual(wizard.balance_after, 540)
        wizard.amount = "not a number"
        self.assertEqual(wizard.bonus_preview, 0)
        wizard.amount = "500"
        result = wizard.action_confirm()
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(result["params"]["next"], {"type": "ir.actions.act_window_close"})
        message = result["params"]["message"]
        for text in ("500.00", "40.00", "540.00"):
            self.assertIn(text, message)
        self.assertBalances(self.wallet_of(self.card), principal=500, bonus=40)
        move = self.wallet_of(self.card).move_ids.filtered(lambda m: m.kind == "topup")
        self.assertEqual((move.amount_principal, move.amount_bonus, move.amount), (500, 40, 540))
        self.assertEqual(move.journal_id, self.store_a.member_cash_journal_id)

    def test_back_office_payment_earns_points(self):
        self.topup(self.card, 500)
        wizard = self.wizard("consume", amount="88")
        self.assertEqual(wizard.points_preview, 88)
        result = wizard.action_confirm()
        self.assertIn("88", result["params"]["message"])
        wallet = self.wallet_of(self.card)
        self.assertBalances(wallet, principal=412, points=88)
        self.assertEqual(sorted(wallet.move_ids.mapped("kind")), ["consumption", "earn", "topup"])
        # the same wizard confirmed twice (double click) posts once, points too
        wizard.action_confirm()
        self.assertBalances(wallet, principal=412, points=88)

    def test_back_office_points_can_be_switched_off(self):
        self.topup(self.card, 500)
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.member_backoffice_points)
        settings.member_backoffice_points = False
        settings.execute()
        self.assertFalse(self.env["res.config.settings"].create({}).member_backoffice_points)
        wizard = self.wizard("consume", amount="88")
        self.assertEqual(wizard.points_preview, 0)
        wizard.action_confirm()
        self.assertBalances(self.wallet_of(self.card), principal=412, points=0)

    def test_wizards_are_named(self):
        card = self.card.with_env(self.env_as(self.manager_a, self.store_a))
        for button in (
            "action_wallet_topup",
            "action_wallet_consume",
            "action_wallet_withdraw",
            "action_wallet_adjust",
            "action_freeze",
            "action_report_lost",
        ):
            with self.subTest(button=button):
                self.assertIn(card.name, getattr(card, button)()["name"])

    # ------------------------------------------------------------------
    # Who may top up where
    # ------------------------------------------------------------------

    def test_store_not_allowed_to_top_up_is_refused(self):
        self.store_a.member_topup_allowed = False
        env = self.env_as(self.cashier_a, self.store_a)
        card = self.card.with_env(env)
        with self.assertNothingWritten(AccessError, message="cannot be topped up"):
            card._get_wallet()._topup("100", key=new_key(), card=card)
        with self.assertNothingWritten(AccessError, message="cannot be topped up"):
            env["member.wallet"].api_topup(card.name, 100, new_key())
        with self.assertNothingWritten(AccessError, message="cannot be topped up"):
            self.wizard("topup", amount="100").action_confirm()
        # the system's own user too (a top-up paid online, credited to this store)
        system = self.env.ref("base.user_root")
        with self.assertNothingWritten(AccessError, message="cannot be topped up"):
            self.card.with_company(self.store_a)._get_wallet()._topup(
                "100", key=new_key(), card=self.card, company=self.store_a
            )
        self.assertEqual(self.env.uid, system.id)
        # the same card is topped up in a store that may, and paid in store A
        self.topup(self.card, 100, user=self.manager_b, company=self.store_b)
        self.consume(self.card, 30)
        self.assertBalances(self.wallet_of(self.card), principal=70)

    def test_only_the_named_operators_top_up(self):
        self.store_a.member_topup_user_ids = self.manager_a
        with self.assertNothingWritten(AccessError, message="may not top up"):
            self.wizard("topup", amount="100").action_confirm()
        self.wizard("topup", user=self.manager_a, amount="100").action_confirm()
        self.store_a.write(
            {
                "member_topup_user_ids": [(5,)],
                "member_topup_group_ids": [
                    (6, 0, self.env.ref("member_base.group_member_manager").ids)
                ],
            }
        )
        with self.assertNothingWritten(AccessError, message="may not top up"):
            self.wizard("topup", amount="100").action_confirm()
        self.wizard("topup", user=self.manager_a, amount="100").action_confirm()
        self.assertBalances(self.wallet_of(self.card), principal=200)

    # ------------------------------------------------------------------
    # What the store rules hide
    # ------------------------------------------------------------------

    def test_hidden_postings_said_for_a_store_user_not_for_head_office(self):
        self.topup(self.card, 500)
        self.consume(self.card, 5, user=self.cashier_b, company=self.store_b)
        as_cashier_a = self.card.with_env(self.env_as(self.cashier_a, self.store_a))
        self.assertEqual(as_cashier_a.balance, 495, "the card's balance is the chain's truth")
        self.assertEqual(as_cashier_a.wallet_hidden_move_count, 1)
        action = as_cashier_a.action_view_wallet_moves()
        self.assertIn("1 postings at other stores not shown", action["name"])
        visible = self.env_as(self.cashier_a, self.store_a)["member.wallet.move"].search(
            action["domain"]
        )
        self.assertEqual(sum(visible.mapped("amount")), 500)
        as_head_office = self.card.with_env(self.env_as(self.head_office_user))
        self.assertEqual(as_head_office.balance, 495)
        self.assertEqual(as_head_office.wallet_hidden_move_count, 0)
        self.assertNotIn("not shown", as_head_office.action_view_wallet_moves()["name"])

    # ------------------------------------------------------------------
    # Member form
    # ------------------------------------------------------------------

    def test_top_up_and_pay_from_the_member_form(self):
        partner = self.card.partner_id.with_env(self.env_as(self.cashier_a, self.store_a))
        for button, operation in (
            ("action_member_topup", "topup"),
            ("action_member_pay", "consume"),
        ):
            with self.subTest(button=button):
                context = getattr(partner, button)()["context"]
                self.assertEqual(
                    (context["default_card_id"], context["default_operation"]),
                    (self.card.id, operation),
                )
        nobody = self.make_member().with_env(partner.env)
        with self.assertRaisesRegex(UserError, "no active card"):
            nobody.action_member_topup()
