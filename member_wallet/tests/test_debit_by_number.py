"""A debit by card number (``api_consume``, what the tills send) finds the
card and its wallet, takes the wallet's lock and reads the balances and the
key's posting in the first round trip of its own transaction; the checks of
the posting path run there, under the lock. That transaction runs on a
connection of the wallet's own (``tools/kept_connections.py``), never on the
caller's: the caller's cursor goes on as Odoo's cursors do.

Two kinds of test: the posting path's own tests of api_consume run again with
the registry's test cursor standing for the debit's transaction (in a plain
``TransactionCase`` the debit's own connection cannot see the test's
uncommitted cards, and the general path posts), and committed cards debited
from real cursors, as a worker's request does."""

from psycopg2.extensions import ISOLATION_LEVEL_REPEATABLE_READ, TRANSACTION_STATUS_IDLE

from odoo import api
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.member_wallet.models.member_wallet import LOCKED_KEY

# the modules, not their classes: a test class imported by name runs twice
from . import test_posting_path, test_wallet_access, test_wallet_bad_input
from .common import INSUFFICIENT, CommittedWalletCase, money, new_key


class ByNumberMixin:
    """The class's tests with the registry's test cursor standing for the
    debit's own transaction: api_consume of a card number posts through
    ``member.wallet._consume_by_number``."""

    allow_inherited_tests_method = True  # the tests of the class it extends

    def setUp(self):
        super().setUp()
        self.env.flush_all()
        self.registry_enter_test_mode()
        # The wallets the fixtures locked in the test's transaction: a debit then
        # stays in the caller's transaction (a transaction of its own would wait
        # for that lock). Here the debit's "own" transaction is the test's.
        self.cr.cache.pop(LOCKED_KEY, None)


@tagged("post_install", "-at_install")
class TestPostingPathByNumber(ByNumberMixin, test_posting_path.TestPostingPath):
    def test_a_debit_by_number_is_two_statements(self):
        """The card, its wallet, the lock, the balances and the key in one
        statement, the posting in a second one; nothing before them in the
        caller's transaction (the general path: card, wallet, lock, posting)."""
        env = self.env_as(self.cashier_a, self.store_a)
        Wallet = env["member.wallet"]
        Wallet.api_consume(self.card.name, 1, new_key())  # the settings and rights, cached
        before = self.cr.sql_log_count
        answer = Wallet.api_consume(self.card.name, 2, new_key())
        self.assertEqual(self.cr.sql_log_count - before, 2)
        self.assertEqual(answer["balance"], 497.0)
        # a card drawing on its parent's wallet: the general path, the parent's wallet
        child = self.make_card(card_type=self.type_supplementary, parent=self.other_card)
        before = self.cr.sql_log_count
        answer = Wallet.api_consume(child.name, 7, new_key())
        self.assertGreater(self.cr.sql_log_count - before, 2)
        self.assertEqual(answer["balance"], 493.0)
        self.assertEqual(self.wallet_of(self.other_card).balance, 493.0)
        self.assertEqual(self.wallet_of(self.card).balance, 497.0)


@tagged("post_install", "-at_install")
class TestWalletBadInputByNumber(ByNumberMixin, test_wallet_bad_input.TestWalletBadInput):
    pass


@tagged("post_install", "-at_install")
class TestWalletAccessByNumber(ByNumberMixin, test_wallet_access.TestWalletAccess):
    pass


@tagged("post_install", "-at_install")
class TestDebitOnTheCallersConnection(CommittedWalletCase):
    """Committed cards debited from real cursors, as a worker's request."""

    def env_of(self, cr, uid=None, company_id=None):
        company_id = company_id or self.store_a_id
        return api.Environment(cr, uid or self.cashier_a_id, {"allowed_company_ids": [company_id]})

    def consumptions(self, wallet_id):
        return [m for m in self.committed_ledger(wallet_id).moves if m["kind"] == "consumption"]

    def test_a_request_debits_on_a_kept_connection_and_its_cursor_goes_on(self):
        funded = self.make_funded_card(amount=100)
        with self.registry.cursor() as cr:  # the rights and settings, cached
            self.env_of(cr)["member.wallet"].api_consume(funded.card_number, 1, new_key())
        key = new_key()
        with self.registry.cursor() as cr:
            before = cr.sql_log_count
            answer = self.env_of(cr)["member.wallet"].api_consume(funded.card_number, 10, key)
            # both statements on the wallet's own connection (tools/kept_connections.py)
            self.assertEqual(cr.sql_log_count - before, 0)
            # committed at once; this cursor has no transaction yet and goes on as
            # Odoo's cursors do, seeing the posting
            self.assertEqual(cr.connection.info.transaction_status, TRANSACTION_STATUS_IDLE)
            self.assertEqual(cr.connection.isolation_level, ISOLATION_LEVEL_REPEATABLE_READ)
            self.assertEqual(len(self.consumptions(funded.wallet_id)), 2)
            cr.execute("SHOW transaction_isolation")
            self.assertEqual(cr.fetchone()[0], "repeatable read")
            cr.execute("SHOW lock_timeout")
            self.assertEqual(cr.fetchone()[0], "0", "the debit's lock timeout was its own")
            cr.execute("SELECT principal FROM member_wallet WHERE id = %s", [funded.wallet_id])
            self.assertEqual(money(cr.fetchone()[0]), money(89))
            again = self.env_of(cr)["member.wallet"].api_consume(funded.card_number, 10, key)
            self.assertEqual(again, answer)
            cr.rollback()
        self.assertEqual(answer["balance"], 89.0)
        self.assertEqual(len(self.consumptions(funded.wallet_id)), 2)

    def test_a_debit_never_commits_the_callers_work(self):
        """A transaction that began (a write, a savepoint) is left alone: the
        debit is committed on a connection of its own, the caller's work
        stays the caller's to commit or roll back."""
        funded = self.make_funded_card(amount=100)
        marker = f"member_wallet.test_marker_{new_key()}"
        with self.registry.cursor() as cr:  # the rights and settings, cached
            self.env_of(cr)["member.wallet"].api_consume(funded.card_number, 1, new_key())
        with self.registry.cursor() as cr:
            cr.execute(
                "INSERT INTO ir_config_parameter (key, value) VALUES (%s, 'x')",
                [marker],
            )
            before = cr.sql_log_count
            answer = self.env_of(cr)["member.wallet"].api_consume(funded.card_number, 10, new_key())
            self.assertEqual(cr.sql_log_count, before, "nothing of the debit on this cursor")
            with cr.savepoint():
                self.env_of(cr)["member.wallet"].api_consume(funded.card_number, 5, new_key())
            cr.rollback()
        self.assertEqual(answer["balance"], 89.0)
        self.assertEqual(len(self.consumptions(funded.wallet_id)), 3)
        with self.registry.cursor() as cr:
            cr.execute("SELECT 1 FROM ir_config_parameter WHERE key = %s", [marker])
            self.assertIsNone(cr.fetchone(), "the caller's write was committed by the debit")

    def test_refusals_under_the_lock_write_nothing(self):
        """The posting path's checks, run under the lock on what the debit's
        first statement read (funds, the card's store and state), and the
        rights: each refusal rolls the debit's transaction back and leaves
        the caller's cursor as Odoo's cursors are."""
        funded = self.make_funded_card(amount=100)
        number = funded.card_number

        def refused(cr, error, message, uid=None, company_id=None):
            Wallet = self.env_of(cr, uid, company_id)["member.wallet"]
            with self.assertRaisesRegex(error, message):
                Wallet.api_consume(number, 10 if message != INSUFFICIENT else 101, new_key())
            self.assertEqual(cr.connection.isolation_level, ISOLATION_LEVEL_REPEATABLE_READ)
            cr.rollback()

        with self.registry.cursor() as cr:
            refused(cr, UserError, INSUFFICIENT)
            refused(cr, AccessError, "not allowed to charge cards", uid=self.auditor.id)
            cr.execute(
                "UPDATE member_card SET type_id = %s WHERE id = %s",
                [self.type_store_a_only.id, funded.card_id],
            )
            cr.commit()
            refused(cr, UserError, "cannot be used in", self.cashier_b_id, self.store_b_id)
            cr.execute("UPDATE member_card SET state = 'frozen' WHERE id = %s", [funded.card_id])
            cr.commit()
            refused(cr, UserError, "is frozen")
        self.assertEqual(self.consumptions(funded.wallet_id), [])
        self.assertEqual(self.committed_ledger(funded.wallet_id).principal, money(100))
