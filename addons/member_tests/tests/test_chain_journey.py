from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.member_wallet.tests.common import WalletCase


@tagged("post_install", "-at_install")
class TestChainJourney(WalletCase):
    """A member's journey across two stores, each step as the store's own user."""

    def test_journey_across_stores(self):
        env_a = self.env_as(self.cashier_a, self.store_a)
        env_b = self.env_as(self.cashier_b, self.store_b)

        # Store A registers the member and issues a card.
        member = env_a["res.partner"].create(
            {"name": "Chen Jing", "is_member": True, "member_mobile": "139 0000 2222"}
        )
        self.assertEqual(member.member_mobile, "+8613900002222")
        self.assertEqual(member.member_register_company_id, self.store_a)
        wizard = env_a["member.card.issue"].create(
            {"partner_id": member.id, "type_id": self.type_personal.id, "number": "7100 0001"}
        )
        wizard.action_issue()
        card = env_a["member.card"].search([("name", "=", "71000001")])
        self.assertEqual(card.state, "active")

        # Store A tops it up; store B finds the member by phone and spends.
        env_a["member.wallet"].api_topup("71000001", "300", "journey-topup")
        found = env_b["member.card"].lookup_card("13900002222")
        self.assertEqual(found["card_id"], card.id)
        self.assertEqual(found["balance"], 300.0)
        answer = env_b["member.wallet"].api_consume("71000001", "120.50", "journey-spend")
        self.assertAlmostEqual(answer["balance"], 179.5)

        # Each store sees only its own postings; the balance is the chain's.
        self.assertEqual(
            env_a["member.wallet.move"].search_count([("wallet_id.card_id", "=", card.id)]), 1
        )
        self.assertEqual(env_b["member.wallet.move"].search([]).mapped("kind"), ["consumption"])
        self.assertAlmostEqual(env_b["member.card"].browse(card.id).balance, 179.5)

        # Store B replaces the lost card: the old number stops everywhere at once.
        new_card = (
            env_b["member.card"]
            .browse(card.id)
            ._do_operation("replace", reason="Lost on the metro", new_number="71000002")
        )
        for env in (env_a, env_b):
            with self.assertRaisesRegex(UserError, "replaced"):
                env["member.wallet"].api_consume("71000001", "1", f"old-card-{env.uid}")
        self.assertAlmostEqual(new_card.balance, 179.5)

        # A cashier cannot refund; the store manager can, on the new card.
        with self.assertRaises(AccessError):
            new_card._get_wallet()._withdraw("50", key="journey-refund-x", note="no")
        env_mgr = self.env_as(self.manager_a, self.store_a)
        wallet = env_mgr["member.card"].browse(new_card.id)._get_wallet()
        wallet._withdraw("100", key="journey-refund", note="Member moves away")
        self.assertAlmostEqual(wallet.balance, 79.5)

        # The ledger adds up, and the operation log kept each step in its store.
        wallet_su = wallet.sudo()
        self.assertAlmostEqual(sum(wallet_su.line_ids.mapped("amount")), wallet_su.balance)
        logs = self.env["member.operation.log"].search([("partner_id", "=", member.id)])
        by_store = {(log.operation, log.company_id) for log in logs}
        self.assertIn(("register", self.store_a), by_store)
        self.assertIn(("issue", self.store_a), by_store)
        self.assertIn(("replace", self.store_b), by_store)

        # The auditor reads everything and posts nothing.
        env_audit = self.env(user=self.auditor)
        self.assertEqual(
            env_audit["member.wallet.move"].search_count([("wallet_id", "=", wallet.id)]), 4
        )
        with self.assertRaises(AccessError):
            env_audit["member.wallet"].api_consume("71000002", "1", "auditor-try")
