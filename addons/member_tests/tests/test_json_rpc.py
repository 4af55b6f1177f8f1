import json
from datetime import datetime, timedelta

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestJsonRpc(HttpCase):
    """The wallet API over Odoo 19's JSON-RPC (/json/2) with API keys of each role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store = cls.env["res.company"].create(
            {"name": "RPC Store", "parent_id": cls.env.company.id, "member_store_code": "RPC"}
        )
        cls.other_store = cls.env["res.company"].create(
            {"name": "RPC Other Store", "parent_id": cls.env.company.id}
        )
        cls.cashier = new_test_user(
            cls.env,
            login="rpc_cashier",
            groups="member_base.group_member_cashier",
            company_id=cls.store.id,
            company_ids=[(6, 0, cls.store.ids)],
        )
        cls.auditor = new_test_user(
            cls.env,
            login="rpc_auditor",
            groups="member_base.group_member_auditor",
            company_id=cls.store.id,
            company_ids=[(6, 0, cls.store.ids)],
        )
        member = cls.env["res.partner"].create({"name": "RPC Member", "is_member": True})
        card = cls.env["member.card"].create(
            {
                "name": "7200000001",
                "partner_id": member.id,
                "type_id": cls.env.ref("member_base.card_type_personal").id,
                "issue_company_id": cls.store.id,
            }
        )
        card._do_operation("activate")
        card._get_wallet().with_company(cls.store)._topup("100", key="rpc-seed")
        cls.card = card
        tomorrow = datetime.now() + timedelta(days=1)
        Keys = cls.env["res.users.apikeys"]
        cls.cashier_key = Keys.with_user(cls.cashier)._generate(None, "till", tomorrow)
        cls.auditor_key = Keys.with_user(cls.auditor)._generate(None, "audit", tomorrow)

    def call(self, key, method, store=None, **kwargs):
        payload = dict(kwargs, context={"allowed_company_ids": [(store or self.store).id]})
        response = self.url_open(
            f"/json/2/member.wallet/{method}",
            data=json.dumps(payload),
            headers={"Authorization": f"bearer {key}", "Content-Type": "application/json"},
        )
        return response.status_code, response.json()

    def test_consume_over_rpc_posts_once(self):
        args = {"card_ref": "7200000001", "amount": "30", "idempotency_key": "till-1-order-1"}
        status, first = self.call(self.cashier_key, "api_consume", **args)
        self.assertEqual(status, 200, first)
        self.assertEqual(first["balance"], 70.0)
        status, again = self.call(self.cashier_key, "api_consume", **args)
        self.assertEqual(status, 200)
        self.assertEqual(again, first)
        self.assertEqual(self.card.sudo().balance, 70.0)
        moves = (
            self.env["member.wallet.move"]
            .sudo()
            .search([("idempotency_key", "=", "till-1-order-1")])
        )
        self.assertEqual(len(moves), 1)
        self.assertEqual(moves.company_id, self.store)
        self.assertEqual(moves.user_id, self.cashier)

    def test_rpc_refusals(self):
        # No overdraft over RPC either.
        status, body = self.call(
            self.cashier_key,
            "api_consume",
            card_ref="7200000001",
            amount="100.01",
            idempotency_key="too-much",
        )
        self.assertNotEqual(status, 200)
        self.assertIn("Insufficient balance", json.dumps(body))
        # Bad amounts are refused with a message.
        for bad in ("abc", "-5", "0", "1.234"):
            status, body = self.call(
                self.cashier_key,
                "api_consume",
                card_ref="7200000001",
                amount=bad,
                idempotency_key=f"bad-{bad}",
            )
            self.assertNotEqual(status, 200, bad)
        # An auditor may read, not post.
        status, body = self.call(self.auditor_key, "api_balance", card_ref="7200000001")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["balance"], 100.0)
        status, body = self.call(
            self.auditor_key,
            "api_consume",
            card_ref="7200000001",
            amount="1",
            idempotency_key="auditor",
        )
        self.assertEqual(status, 403, body)
        # A store the user was not given cannot be used.
        status, body = self.call(
            self.cashier_key,
            "api_consume",
            store=self.other_store,
            card_ref="7200000001",
            amount="1",
            idempotency_key="other-store",
        )
        self.assertNotEqual(status, 200, body)
        # Nothing of the refused calls was written.
        self.assertEqual(self.card.sudo().balance, 100.0)
        self.assertEqual(
            self.env["member.wallet.move"]
            .sudo()
            .search_count([("wallet_id.card_id", "=", self.card.id)]),
            1,
        )
