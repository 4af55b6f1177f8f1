import json

from odoo.tests import tagged

from odoo.addons.member_wallet.tests.common import WalletHttpCase


@tagged("post_install", "-at_install")
class TestJsonRpc(WalletHttpCase):
    """The wallet API over Odoo 19's JSON-RPC (/json/2) with API keys of each
    role of member_base's test chain."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.make_card(name="7200000001")
        cls.topup(cls.card, 100)

    def call(self, role, method, store=None, **kwargs):
        return self.rpc(
            "json2",
            role,
            "member.wallet",
            method,
            context={"allowed_company_ids": [(store or self.store_a).id]},
            **kwargs,
        )

    def test_consume_over_rpc_posts_once(self):
        args = {"card_ref": "7200000001", "amount": "30", "idempotency_key": "till-1-order-1"}
        ok, first = self.call("cashier_a", "api_consume", **args)
        self.assertTrue(ok, first)
        self.assertEqual(first["balance"], 70.0)
        ok, again = self.call("cashier_a", "api_consume", **args)
        self.assertTrue(ok, again)
        self.assertEqual(again, first)
        self.assertEqual(self.card.sudo().balance, 70.0)
        moves = (
            self.env["member.wallet.move"]
            .sudo()
            .search([("idempotency_key", "=", "till-1-order-1")])
        )
        self.assertEqual(len(moves), 1)
        self.assertEqual(moves.company_id, self.store_a)
        self.assertEqual(moves.user_id, self.cashier_a)

    def test_rpc_refusals(self):
        # No overdraft over RPC either.
        ok, body = self.call(
            "cashier_a",
            "api_consume",
            card_ref="7200000001",
            amount="100.01",
            idempotency_key="too-much",
        )
        self.assertFalse(ok)
        self.assertIn("Insufficient balance", json.dumps(body))
        # Bad amounts are refused with a message.
        for bad in ("abc", "-5", "0", "1.234"):
            ok, body = self.call(
                "cashier_a",
                "api_consume",
                card_ref="7200000001",
                amount=bad,
                idempotency_key=f"bad-{bad}",
            )
            self.assertFalse(ok, bad)
        # An auditor may read, not post.
        ok, body = self.call("auditor", "api_balance", card_ref="7200000001")
        self.assertTrue(ok, body)
        self.assertEqual(body["balance"], 100.0)
        ok, body = self.call(
            "auditor",
            "api_consume",
            card_ref="7200000001",
            amount="1",
            idempotency_key="auditor",
        )
        self.assertFalse(ok)
        self.assertEqual(body["name"], "odoo.exceptions.AccessError", body)
        # A store the user was not given cannot be used.
        ok, body = self.call(
            "cashier_a",
            "api_consume",
            store=self.store_b,
            card_ref="7200000001",
            amount="1",
            idempotency_key="other-store",
        )
        self.assertFalse(ok, body)
        # Nothing of the refused calls was written.
        self.assertEqual(self.card.sudo().balance, 100.0)
        self.assertEqual(
            self.env["member.wallet.move"]
            .sudo()
            .search_count([("wallet_id.card_id", "=", self.card.id)]),
            1,
        )
