from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestWalletUi(HttpCase):
    """The stored-value wizard in Chromium, as a store cashier."""

    def test_cashier_tops_up_from_the_card_form(self):
        store = self.env["res.company"].create(
            {"name": "Tour Wallet Store", "parent_id": self.env.company.id}
        )
        cashier = new_test_user(
            self.env,
            context={"no_reset_password": True},
            login="tour_wallet_cashier",
            groups="member_base.group_member_cashier",
            company_id=store.id,
            company_ids=[(6, 0, store.ids)],
        )
        self.env["member.topup.rule"].search([]).write({"active": False})
        self.env["member.topup.rule"].create(
            {"name": "Pay 1000 get 100", "min_amount": 1000, "bonus_amount": 100}
        )
        member = self.env["res.partner"].create({"name": "Tour Wallet Member", "is_member": True})
        card = self.env["member.card"].create(
            {
                "name": "7400000001",
                "partner_id": member.id,
                "type_id": self.env.ref("member_base.card_type_personal").id,
                "issue_company_id": store.id,
            }
        )
        card._do_operation("activate")
        self.start_tour(
            "/odoo/action-member_base.action_member_card",
            "member_wallet_topup",
            login="tour_wallet_cashier",
        )
        wallet = card._get_wallet()
        self.assertEqual((wallet.principal, wallet.bonus, wallet.balance), (1000, 100, 1100))
        move = wallet.move_ids
        self.assertEqual(move.kind, "topup")
        self.assertEqual((move.user_id, move.company_id), (cashier, store))
