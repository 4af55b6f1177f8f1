"""The till's records cannot be forged over JSON-RPC (invariant 7): nobody
writes, creates or deletes a member balance payment, whatever the context
says; the till's calls act only in the caller's own store."""

from odoo.tests import HttpCase, tagged

from odoo.addons.member_base.tests.common import MemberRpcMixin
from odoo.addons.member_wallet.tests.accounting_common import MemberAccountingCase

from .common import PosChainMixin, money, new_uuid


@tagged("post_install", "-at_install")
class TestPosRpc(MemberRpcMixin, PosChainMixin, MemberAccountingCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_pos_chain()
        cls._setup_rpc_keys()
        cls.card = cls.make_card()
        cls.session_a = cls.pos_a.current_session_id
        cls.session_b = cls.pos_b.current_session_id

    def setUp(self):
        super().setUp()
        self.topup(self.card, 100)

    def test_authorise_over_json2(self):
        ok, answer = self.rpc(
            "json2",
            "cashier_a",
            "pos.session",
            "member_pos_authorize",
            ids=[self.session_a.id],
            card_ref=self.card.name,
            amount=30,
            order_uuid=new_uuid(),
            payment_uuid=new_uuid(),
        )
        self.assertTrue(ok, answer)
        self.assertTrue(answer["ok"], answer)
        self.assertEqual(money(answer["balance"]), money(70))
        # store B's till, with every capability forged in the context
        before = self.rpc_snapshot("member.wallet.move")
        ok, answer = self.rpc(
            "json2",
            "cashier_a",
            "pos.session",
            "member_pos_authorize",
            ids=[self.session_b.id],
            context={"member_service": True, "allowed_company_ids": self.chain.ids},
            card_ref=self.card.name,
            amount=30,
            order_uuid=new_uuid(),
            payment_uuid=new_uuid(),
        )
        self.assertTrue(ok and not answer["ok"], answer)
        self.assertEqual(self.rpc_snapshot("member.wallet.move"), before)

    def test_payments_cannot_be_forged(self):
        answer = self.session_a.with_env(self.env_as(self.cashier_a)).member_pos_authorize(
            self.card.name, 40, new_uuid(), new_uuid()
        )
        self.assertTrue(answer["ok"], answer)
        payment_id = answer["payment_id"]
        tables = ("member_wallet_move", "member_wallet_line")
        self.assertForgedWritesRefused(
            "member.pos.payment",
            payment_id,
            {"state": "reversed", "amount": 1, "order_id": False},
            tables=tables,
        )
        self.assertForgedUnlinkRefused("member.pos.payment", payment_id, tables=tables)
        self.assertForgedCreateRefused(
            "member.pos.payment",
            {
                "session_id": self.session_a.id,
                "company_id": self.store_a.id,
                "user_id": self.cashier_a.id,
                "card_id": self.card.id,
                "amount": 100,
                "order_uuid": new_uuid(),
                "payment_uuid": new_uuid(),
                "idempotency_key": "pos-pay:forged",
                "move_id": answer["move_id"],
            },
            tables=tables,
        )
