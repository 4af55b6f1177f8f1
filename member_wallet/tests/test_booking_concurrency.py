"""A booking job running while postings are made books each posting exactly
once and skips none (invariant 8). Real threads with their own cursors on
committed data: four tills posting while two booking jobs run again and
again."""

import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from unittest.mock import patch

import psycopg2.errors

from odoo import api
from odoo.modules.registry import Registry
from odoo.orm.registry import DummyRLock
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.member_wallet_booking import BookingBusyError
from ..tools import settlement as settlement_tools
from .common import SUPERUSER_ID, CommittedWalletCase, delete_rows, money, new_key, run_with_retry

_logger = logging.getLogger(__name__)

CONFLICTS = (
    psycopg2.errors.SerializationFailure,
    psycopg2.errors.LockNotAvailable,
    psycopg2.errors.DeadlockDetected,
)


@tagged("post_install", "-at_install")
class TestBookingConcurrency(CommittedWalletCase):
    POSTERS = 4
    POSTINGS_EACH = 15
    BOOKERS = 2

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.addClassCleanup(cls._cleanup_bookings)
        cls.stores = [cls.store_a_id, cls.store_b_id]

    @classmethod
    def _cleanup_bookings(cls):
        """The bookings of the test's stores and their journal entries (before
        the class cleanup deletes the postings and the stores)."""
        with cls.registry.cursor() as cr:
            cr.execute(
                "SELECT id, account_move_id FROM member_wallet_booking WHERE company_id = ANY(%s)",
                [cls.stores],
            )
            rows = cr.fetchall()
            bookings = [row[0] for row in rows] or [0]
            cr.execute(
                "UPDATE member_wallet_move SET booking_id = NULL WHERE booking_id = ANY(%s)",
                [bookings],
            )
            cr.execute("DELETE FROM member_wallet_booking WHERE id = ANY(%s)", [bookings])
            delete_rows(cr, "account_move", [row[1] for row in rows if row[1]])

    def book(self, env):
        return env["member.wallet.booking"]._book(companies=env["res.company"].browse(self.stores))

    def test_booking_while_posting_books_each_posting_once(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            if not env["res.company"].browse(self.store_a_id)._member_has_chart():
                self.skipTest("the main company has no chart of accounts")
        cards = [self.make_funded_card(amount=1000) for _i in range(self.POSTERS)]
        with self.registry.cursor() as cr:
            # the seed top-ups: the first run of a process is slow (Odoo warms up)
            self.book(api.Environment(cr, SUPERUSER_ID, {}))
        posting_done = threading.Event()
        runs = []

        def post(card):
            """Consumption and top-ups in both stores, each its own transaction."""
            made = 0
            with self.registry.cursor() as cr:
                for i in range(self.POSTINGS_EACH):
                    in_b = i % 2
                    uid = self.cashier_b_id if in_b else self.cashier_a_id
                    company = self.store_b_id if in_b else self.store_a_id
                    env = api.Environment(cr, uid, {"allowed_company_ids": [company]})
                    key = new_key("book-conc")
                    if i % 4 == 3:
                        env = api.Environment(
                            cr, self.manager_id, {"allowed_company_ids": [self.store_a_id]}
                        )

                        def call(env=env, key=key):
                            card_record = env["member.card"].browse(card.card_id)
                            wallet = card_record._get_wallet()
                            return wallet._topup(20.05, key=key, card=card_record, bonus=0)
                    else:

                        def call(env=env, key=key, i=i):
                            return env["member.wallet"].api_consume(
                                card.card_number, round(7 + i * 1.01, 2), key
                            )

                    run_with_retry(env, call)
                    made += 1
                    time.sleep(random.uniform(0.02, 0.1))
            return made

        def book_repeatedly():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                while True:
                    last = posting_done.is_set()
                    try:
                        run = self.book(env)
                        cr.commit()
                        runs.append(len(run.booked_ids))
                    except BookingBusyError:
                        cr.rollback()
                        runs.append("busy")
                    except CONFLICTS:
                        cr.rollback()
                        runs.append("conflict")
                    env.transaction.reset()
                    if last:
                        return
                    time.sleep(random.uniform(0, 0.02))

        with (
            patch.object(Registry, "_lock", DummyRLock()),
            mute_logger("odoo.sql_db"),
            ThreadPoolExecutor(max_workers=self.POSTERS + self.BOOKERS) as executor,
        ):
            bookers = [executor.submit(book_repeatedly) for _i in range(self.BOOKERS)]
            posters = [executor.submit(post, card) for card in cards]
            made = [future.result(timeout=300) for future in posters]
            posting_done.set()
            for future in bookers:
                future.result(timeout=300)
        self.assertEqual(made, [self.POSTINGS_EACH] * self.POSTERS)
        # whatever was committed after the last runs started
        with self.registry.cursor() as cr:
            self.book(api.Environment(cr, SUPERUSER_ID, {}))
        _logger.info("booking runs while posting (postings booked, or busy): %s", runs)
        self.assertGreater(sum(n for n in runs if isinstance(n, int)), 0, runs)

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            wallets = [card.wallet_id for card in cards]
            cr.execute(
                """SELECT m.id, m.company_id, m.amount, m.booking_id
                     FROM member_wallet_move m
                    WHERE m.wallet_id = ANY(%s) AND m.amount <> 0""",
                [wallets],
            )
            postings = cr.fetchall()
            self.assertEqual(len(postings), self.POSTERS * (1 + self.POSTINGS_EACH))
            # every posting booked, by one booking
            self.assertEqual([p for p in postings if not p[3]], [], "postings skipped")
            cr.execute(
                """SELECT b.id, b.posting_count, b.amount, COUNT(m.id), SUM(m.amount)
                     FROM member_wallet_booking b
                     LEFT JOIN member_wallet_move m ON m.booking_id = b.id
                    WHERE b.company_id = ANY(%s)
                 GROUP BY b.id""",
                [self.stores],
            )
            for booking_id, count, amount, linked, linked_amount in cr.fetchall():
                self.assertEqual((count, money(amount)), (linked, money(linked_amount)), booking_id)
            # the general ledger holds each posting once: per store, liability = ledger
            Company = env["res.company"]
            for store_id in self.stores:
                store = Company.browse(store_id)
                liability = store._member_account("member_liability_account_id")
                cr.execute(
                    """SELECT COALESCE(-SUM(balance), 0) FROM account_move_line
                        WHERE company_id = %s AND account_id = %s AND parent_state = 'posted'""",
                    [store_id, liability.id],
                )
                gl = money(cr.fetchone()[0])
                ledger = money(
                    sum((Decimal(str(p[2])) for p in postings if p[1] == store_id), Decimal(0))
                )
                self.assertEqual(gl, ledger, store.name)
                report = env["member.wallet.liability.report"].search(
                    [("company_id", "=", store_id)]
                )
                self.assertEqual(
                    (money(report.unbooked_amount), money(report.difference)), (0, 0), store.name
                )
            # settlement lines: each posting's, once, as the FIFO over the wallet says
            Line = env["member.settlement.line"]
            events = Line._wallet_events([p[0] for p in postings])
            expected = sorted(
                (portion.ref, portion.from_store, portion.to_store, portion.amount)
                for decimals, wallet_events in events.values()
                for portions in settlement_tools.cross_store_portions_of(
                    wallet_events, [e[0] for e in wallet_events], decimals=decimals
                ).values()
                for portion in portions
            )
            self.assertTrue(expected, "value of store A was used in store B")
            cr.execute(
                """SELECT move_id, from_company_id, to_company_id, amount
                     FROM member_settlement_line WHERE wallet_id = ANY(%s)""",
                [wallets],
            )
            recorded = sorted((m, f, t, money(a)) for m, f, t, a in cr.fetchall())
            self.assertEqual(recorded, [(m, f, t, money(a)) for m, f, t, a in expected])
