"""The wallet's own connections for the debits authorised apart
(``tools/kept_connections.py``), with real transactions: a debit's
transaction runs on a connection Odoo's pool does not reset, with its
statements prepared once; a kept connection found dead is replaced and the
debit made once; under a test's transaction nothing uses them."""

from odoo import api, sql_db
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.member_wallet.tools import kept_connections

from .common import CommittedWalletCase, WalletCase, ledger_problems, money, new_key


@tagged("post_install", "-at_install")
class TestKeptConnections(CommittedWalletCase):
    def setUp(self):
        super().setUp()
        # start from none (earlier tests' threads left theirs): one debit at a
        # time then uses exactly one
        kept_connections.close_all()

    def _debit(self, number, amount="1.00", key=None):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, self.cashier_a_id, {"allowed_company_ids": [self.store_a_id]})
            return env["member.wallet"].api_consume(number, amount, key or new_key("kept"))

    def _kept(self):
        """The kept connections of this process to the test database."""
        return [
            cnx
            for cnx in kept_connections.pool()._connections
            if not cnx.closed and cnx.info.dbname == self.registry.db_name
        ]

    def _prepared_on(self, cnx):
        """The statements prepared in the PostgreSQL session of ``cnx``."""
        with cnx.cursor() as cr:
            cr.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'member_wallet_%'")
            names = {row[0] for row in cr.fetchall()}
        cnx.rollback()
        return names

    def test_debits_share_a_kept_session_with_prepared_statements(self):
        card = self.make_funded_card(100)
        first = self._debit(card.card_number, "3.00")
        kept = self._kept()
        self.assertEqual(len(kept), 1, "one kept connection after one debit at a time")
        cnx = kept[0]
        pid = cnx.get_backend_pid()
        prepared = self._prepared_on(cnx)
        # the lock and read (two statements) and the posting
        self.assertGreaterEqual(len(prepared), 3, prepared)
        self.assertEqual(prepared, {name for name, *_rest in self._statements(cnx)})
        second = self._debit(card.card_number, "2.00")
        # the same PostgreSQL session, not reset: the statements are still there
        self.assertEqual(self._kept(), [cnx])
        self.assertEqual(cnx.get_backend_pid(), pid)
        self.assertEqual(self._prepared_on(cnx), prepared)
        self.assertEqual((first["balance"], second["balance"]), (97.0, 95.0))
        ledger = self.committed_ledger(card.wallet_id)
        self.assertEqual(ledger_problems(ledger), [])
        self.assertEqual(ledger.principal, money("95.00"))

    def _statements(self, cnx):
        return [
            (name, *rest)
            for entry in cnx._member_prepared.values()
            for name, *rest in entry
            if name is not None
        ]

    @mute_logger("odoo.addons.member_wallet.models.member_wallet")
    def test_dead_kept_connection_is_replaced_and_the_debit_made_once(self):
        card = self.make_funded_card(100)
        self._debit(card.card_number, "1.00")
        (cnx,) = self._kept()
        dead_pid = cnx.get_backend_pid()
        # PostgreSQL restarted or the backend killed while the connection was idle
        with self.registry.cursor() as cr:
            cr.execute("SELECT pg_terminate_backend(%s)", [dead_pid])
        answer = self._debit(card.card_number, "4.00")
        self.assertEqual(answer["balance"], 95.0)
        kept = self._kept()
        self.assertEqual(len(kept), 1)
        self.assertNotEqual(kept[0].get_backend_pid(), dead_pid)
        ledger = self.committed_ledger(card.wallet_id)
        self.assertEqual(ledger_problems(ledger), [])
        consumptions = [move for move in ledger.moves if move["kind"] == "consumption"]
        self.assertEqual(len(consumptions), 2, ledger.moves)
        self.assertEqual(ledger.principal, money("95.00"))

    def test_replay_on_the_kept_session_returns_the_first_answer(self):
        card = self.make_funded_card(50)
        key = new_key("kept-replay")
        first = self._debit(card.card_number, "5.00", key=key)
        again = self._debit(card.card_number, "5.00", key=key)
        self.assertEqual(again, first)
        ledger = self.committed_ledger(card.wallet_id)
        self.assertEqual(ledger.principal, money("45.00"))


@tagged("post_install", "-at_install")
class TestKeptConnectionsUnderTest(WalletCase):
    def test_a_test_transaction_never_commits_apart(self):
        """In a test's transaction (the registry in test mode) a debit runs
        in that transaction: no kept connection is used, the posting is
        rolled back with the test."""
        card = self.make_card()
        self.topup(card, 10, user=self.manager_a)
        before = {id(cnx) for cnx in kept_connections.pool()._connections if cnx._pool_in_use}
        answer = (
            self.env["member.wallet"]
            .with_user(self.cashier_a)
            .with_company(self.store_a)
            .api_consume(card.name, "2.00", new_key("kept-test"))
        )
        self.assertEqual(answer["balance"], 8.0)
        in_use = {id(cnx) for cnx in kept_connections.pool()._connections if cnx._pool_in_use}
        self.assertEqual(in_use, before)
        # the posting is in this transaction: visible here, rolled back with the test
        self.env.cr.execute(
            "SELECT count(*) FROM member_wallet_move WHERE idempotency_key LIKE 'kept-test-%'"
        )
        self.assertEqual(self.env.cr.fetchone()[0], 1)
        # and nothing of it is committed: another connection does not see it
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other:
            other.execute(
                "SELECT count(*) FROM member_wallet_move WHERE idempotency_key LIKE 'kept-test-%'"
            )
            self.assertEqual(other.fetchone()[0], 0)
