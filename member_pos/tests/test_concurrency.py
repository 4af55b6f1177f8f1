"""Two tills in two stores spending the whole balance of one card at the
same moment (threads with their own cursors and transactions, committed
fixtures): exactly one is accepted and the balance equals the ledger."""

from collections import Counter

from odoo import Command, api
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.member_wallet.tests.common import (
    CommittedWalletCase,
    delete_rows,
    ledger_problems,
    money,
)

from .common import new_uuid

SUPERUSER_ID = api.SUPERUSER_ID


@tagged("post_install", "-at_install")
class TestPosConcurrency(CommittedWalletCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.addClassCleanup(cls._cleanup_pos)
        cls.pos_ids = {"sessions": [], "configs": [], "methods": [], "journals": []}
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            pos_user = env.ref("point_of_sale.group_pos_user")
            for uid in (cls.cashier_a_id, cls.cashier_b_id):
                env["res.users"].browse(uid).group_ids = [Command.link(pos_user.id)]
            for name, store_id in (("A", cls.store_a_id), ("B", cls.store_b_id)):
                store = env["res.company"].browse(store_id)
                store_env = env(context=dict(env.context, allowed_company_ids=[store_id]))
                journal = store_env["account.journal"].create(
                    {
                        "name": f"POS Cash {name} {cls.tag}",
                        "type": "cash",
                        "code": f"P{name}{cls.tag[:3]}",
                        "company_id": store_id,
                    }
                )
                Method = store_env["pos.payment.method"]
                methods = Method.create(
                    {"name": f"Cash {name}", "journal_id": journal.id, "company_id": store_id}
                ) | Method.create(
                    {
                        "name": f"Member Balance {name}",
                        "use_payment_terminal": "member_balance",
                        "company_id": store_id,
                    }
                )
                config = store_env["pos.config"].create(
                    {
                        "name": f"MBT Conc Till {name} {cls.tag}",
                        "company_id": store.id,
                        "payment_method_ids": [Command.set(methods.ids)],
                    }
                )
                config.open_ui()
                config.current_session_id.set_opening_control(0, None)
                cls.pos_ids["journals"].append(journal.id)
                cls.pos_ids["methods"] += methods.ids
                cls.pos_ids["configs"].append(config.id)
                cls.pos_ids["sessions"].append(config.current_session_id.id)
        cls.session_a_id, cls.session_b_id = cls.pos_ids["sessions"]

    @classmethod
    def _cleanup_pos(cls):
        with cls.registry.cursor() as cr:
            cr.execute(
                "DELETE FROM member_pos_payment WHERE session_id IN %s",
                [tuple(cls.pos_ids["sessions"]) or (0,)],
            )
            for table, key in (
                ("pos_session", "sessions"),
                ("pos_config", "configs"),
                ("pos_payment_method", "methods"),
                ("account_journal", "journals"),
            ):
                delete_rows(cr, table, cls.pos_ids[key])
            # the stores' warehouses (stock, under point_of_sale, makes one per company)
            companies = tuple(cls.created["companies"]) or (0,)
            for table in ("stock_picking_type", "stock_warehouse"):
                cr.execute(
                    f"SELECT id FROM {table} WHERE company_id IN %s",  # noqa: S608
                    [companies],
                )
                delete_rows(cr, table, [row[0] for row in cr.fetchall()])

    def test_two_stores_spend_whole_balance_at_once(self):
        funded = self.make_funded_card(amount=100)

        def spender(session_id):
            def spend(env):
                answer = (
                    env["pos.session"]
                    .browse(session_id)
                    .member_pos_authorize(funded.card_number, 100, new_uuid(), new_uuid())
                )
                if not answer["ok"]:
                    raise UserError(answer["message"])
                return answer

            return spend

        calls = [
            (self.cashier_a_id, self.store_a_id, spender(self.session_a_id)),
            (self.cashier_b_id, self.store_b_id, spender(self.session_b_id)),
        ]
        with mute_logger("odoo.sql_db", "odoo.service.model"):
            outcomes = self.run_concurrently(calls, retry="odoo")
        kinds = Counter(outcome for outcome, _value in outcomes)
        self.assertEqual(kinds["ok"], 1, outcomes)
        self.assertEqual(kinds["refused"], 1, outcomes)
        refusal = next(value for outcome, value in outcomes if outcome == "refused")
        self.assertIn("Insufficient balance", refusal)
        self.assertEqual(self.retries, 0, "the tills queued on the card's lock")
        ledger = self.committed_ledger(funded.wallet_id)
        self.assertEqual(ledger_problems(ledger), [])
        self.assertEqual(ledger.balance, money(0))
        spent = [move for move in ledger.moves if move["kind"] == "consumption"]
        self.assertEqual(len(spent), 1)
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT COUNT(*), SUM(amount) FROM member_pos_payment WHERE card_id = %s",
                [funded.card_id],
            )
            self.assertEqual(cr.fetchone(), (1, 100.0))
