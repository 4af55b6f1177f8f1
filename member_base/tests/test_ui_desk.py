from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestUiDesk(HttpCase):
    """The Membership desk in Chromium, as a store cashier: what is typed
    lands on the card."""

    def test_cashier_finds_a_card_from_the_desk(self):
        store = self.env["res.company"].create(
            {"name": "Desk Store", "parent_id": self.env.company.id, "member_store_code": "DESK"}
        )
        cashier = new_test_user(
            self.env,
            context={"no_reset_password": True},
            login="desk_cashier",
            groups="member_base.group_member_cashier",
            company_id=store.id,
            company_ids=[(6, 0, store.ids)],
        )
        self.assertEqual(cashier.action_id.id, self.env.ref("member_base.action_member_home").id)
        member = self.env["res.partner"].create(
            {"name": "Desk Member", "is_member": True, "member_mobile": "137 9603 0465"}
        )
        card = self.env["member.card"].create(
            {
                "name": "7310000001",
                "partner_id": member.id,
                "type_id": self.env.ref("member_base.card_type_personal").id,
                "issue_company_id": store.id,
            }
        )
        card.with_company(store)._do_operation("activate")
        # the cashier's home action: /odoo opens the desk
        self.start_tour("/odoo", "member_base_desk", login="desk_cashier")
