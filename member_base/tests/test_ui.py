from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestUi(HttpCase):
    """The back office in Chromium, as a store cashier."""

    def test_cashier_issues_a_card_from_the_member_form(self):
        store = self.env["res.company"].create(
            {"name": "Tour Store", "parent_id": self.env.company.id, "member_store_code": "TOUR"}
        )
        cashier = new_test_user(
            self.env,
            context={"no_reset_password": True},
            login="tour_cashier",
            groups="member_base.group_member_cashier",
            company_id=store.id,
            company_ids=[(6, 0, store.ids)],
        )
        member = self.env["res.partner"].create({"name": "Tour Member", "is_member": True})
        self.env["ir.config_parameter"].sudo().set_param(
            "member_base.default_card_type_id", self.env.ref("member_base.card_type_personal").id
        )
        self.start_tour(
            "/odoo/action-member_base.action_member_partner",
            "member_base_issue_card",
            login="tour_cashier",
        )
        card = self.env["member.card"].search([("name", "=", "7300000001")])
        self.assertEqual(card.state, "active")
        self.assertEqual(card.partner_id, member)
        self.assertEqual(card.issue_company_id, store)
        log = self.env["member.operation.log"].search([("card_id", "=", card.id)])
        self.assertEqual(log.mapped("operation"), ["issue"])
        self.assertEqual((log.user_id, log.company_id), (cashier, store))
