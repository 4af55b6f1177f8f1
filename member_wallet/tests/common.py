"""Shared fixtures of the member_wallet ledger tests, on member_base's test
chain (``odoo.addons.member_base.tests.common``).

Two kinds of fixture:

* :class:`WalletCase` (a ``TransactionCase``; :class:`WalletHttpCase` for
  calls over JSON-RPC): the chain, the roles and the helpers of
  :class:`MemberChainCase`, plus the wallet's: top up, consume, read a
  ledger from its tables, check that a refused operation wrote nothing.
* :class:`CommittedWalletCase` (a ``BaseCase``): the same chain committed for
  real through its own cursor, so that threads with their own cursors and
  transactions see it; removed again in the class cleanup (ledger tables
  are append-only through the ORM, so with SQL, children first).
"""

import functools
import itertools
import logging
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from types import SimpleNamespace
from unittest.mock import patch

import psycopg2.errors

from odoo import api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.orm.registry import DummyRLock
from odoo.service.model import retrying
from odoo.tests import BaseCase
from odoo.tests.common import get_db_name

from odoo.addons.member_base.tests.common import (  # noqa: F401 - shared with the tests
    CENT,
    REFUSALS,
    MemberChainCase,
    MemberChainHttpCase,
    MemberChainMixin,
    money,
    new_card_number,
    new_key,
)

_logger = logging.getLogger(__name__)

SUPERUSER_ID = api.SUPERUSER_ID
INSUFFICIENT = "Insufficient balance"
NOT_ENOUGH_POINTS = "Not enough points"


def read_ledger(cr, wallet_id):
    """Balances of a wallet, its ledger lines and postings, straight from
    the tables."""
    cr.execute(
        "SELECT principal, bonus, balance, points, credit_limit FROM member_wallet WHERE id = %s",
        [wallet_id],
    )
    principal, bonus, balance, points, credit_limit = cr.fetchone()
    cr.execute(
        """SELECT id, asset, kind, amount, balance_after, move_id, reversed_line_id
             FROM member_wallet_line WHERE wallet_id = %s ORDER BY id""",
        [wallet_id],
    )
    lines = [
        dict(
            zip(
                ("id", "asset", "kind", "amount", "balance_after", "move_id", "reversed_line_id"),
                row,
                strict=True,
            )
        )
        for row in cr.fetchall()
    ]
    cr.execute(
        """SELECT id, kind, company_id, idempotency_key FROM member_wallet_move
            WHERE wallet_id = %s ORDER BY id""",
        [wallet_id],
    )
    moves = [
        dict(zip(("id", "kind", "company_id", "key"), row, strict=True)) for row in cr.fetchall()
    ]
    return SimpleNamespace(
        principal=money(principal),
        bonus=money(bonus),
        balance=money(balance),
        points=int(points),
        credit_limit=money(credit_limit),
        lines=lines,
        moves=moves,
    )


def ledger_problems(ledger):
    """What is wrong with a wallet's ledger (empty: nothing): every line's
    ``balance_after`` is the running sum of its asset, the wallet's balances
    are the sums of their lines, the stored value is principal + bonus."""
    problems = []
    running = {"principal": Decimal(0), "bonus": Decimal(0), "points": Decimal(0)}
    for line in ledger.lines:
        if line["asset"] not in running:
            continue
        running[line["asset"]] += Decimal(str(line["amount"]))
        if money(line["balance_after"]) != money(running[line["asset"]]):
            problems.append(
                f"line {line['id']} ({line['asset']}): balance_after {line['balance_after']} "
                f"!= running sum {running[line['asset']]}"
            )
    stored = {
        "principal": ledger.principal,
        "bonus": ledger.bonus,
        "points": Decimal(ledger.points),
    }
    for asset, value in stored.items():
        if money(value) != money(running[asset]):
            problems.append(f"{asset}: wallet {value} != ledger sum {running[asset]}")
    if ledger.balance != ledger.principal + ledger.bonus:
        problems.append(f"balance {ledger.balance} != principal + bonus")
    return problems


class WalletMixin:
    """The wallet's side of member_base's test chain (head office → East
    region → store A, store B under head office; one user per role; levels
    and card types): no bonus rule of the database's own, a high top-up
    limit, cards with their wallets, and helpers that top up, consume and
    read a ledger from its tables."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the database's own bonus rules (demo, other tests) do not interfere
        cls.env["member.topup.rule"].search([]).write({"active": False})
        cls.set_param("bonus_policy", "last")
        cls.set_param("max_amount", "100000")
        cls.currency = cls.head_office.root_id.currency_id

    # ------------------------------------------------------------------
    # Settings and fixtures
    # ------------------------------------------------------------------

    @classmethod
    def set_param(cls, key, value):
        cls.env["ir.config_parameter"].sudo().set_param(f"member_wallet.{key}", value)

    @classmethod
    def make_card(cls, card_type=None, partner=None, state="active", parent=None, **vals):
        """member_base's card, with its wallet unless it draws on its
        parent's (as issuing the card does)."""
        card = super().make_card(card_type, partner, state, parent, **vals)
        if not card.type_id.draws_on_parent:
            card._get_wallet()
        return card

    @classmethod
    def topup(cls, card, amount, user=None, company=None, bonus=0, key=None):
        """Top up ``card`` as ``user`` (default: manager A in store A); no
        bonus unless ``bonus`` (``None``: the rules decide)."""
        env = cls.env_as(user or cls.manager_a, company or cls.store_a)
        card = card.with_env(env)
        return card._get_wallet()._topup(amount, key=key or new_key(), card=card, bonus=bonus)

    @classmethod
    def wallet_of(cls, card):
        return card.sudo()._get_wallet()

    def consume(self, card, amount, user=None, company=None, key=None):
        """api_consume as ``user`` (default: cashier A in store A)."""
        env = self.env_as(user or self.cashier_a, company or self.store_a)
        return env["member.wallet"].api_consume(card.name, amount, key or new_key())

    # ------------------------------------------------------------------
    # What is in the database
    # ------------------------------------------------------------------

    def ledger(self, wallet):
        self.env.flush_all()
        return read_ledger(self.env.cr, wallet.id)

    def assertLedgerConsistent(self, wallet):
        ledger = self.ledger(wallet)
        self.assertEqual(ledger_problems(ledger), [], f"ledger of wallet {wallet.id}")
        return ledger

    def assertBalances(self, wallet, principal=None, bonus=None, points=None):
        ledger = self.assertLedgerConsistent(wallet)
        if principal is not None:
            self.assertEqual(ledger.principal, money(principal), "principal")
        if bonus is not None:
            self.assertEqual(ledger.bonus, money(bonus), "bonus")
        if points is not None:
            self.assertEqual(ledger.points, points, "points")
        return ledger

    def db_state(self):
        """Counts of the ledger tables and the raw balances of every wallet."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """SELECT (SELECT COUNT(*) FROM member_wallet_move),
                      (SELECT COUNT(*) FROM member_wallet_line),
                      (SELECT COUNT(*) FROM member_wallet),
                      (SELECT COUNT(*) FROM member_wallet_reconciliation)"""
        )
        counts = cr.fetchone()
        cr.execute(
            """SELECT id, card_id, principal, bonus, balance, points, credit_limit, last_move_id
                 FROM member_wallet ORDER BY id"""
        )
        return {"counts": counts, "wallets": cr.fetchall()}

    def assertNothingWritten(self, exception=REFUSALS, message=None):
        """The block raises ``exception`` (with ``message`` in its text) and
        has written nothing to the ledger tables, compared before the
        savepoint is rolled back (the refusal came before any write)."""
        return self.assertWritesNothing(self.db_state, exception=exception, message=message)


class WalletCase(WalletMixin, MemberChainCase):
    """The wallet's test chain in a ``TransactionCase``."""


class WalletHttpCase(WalletMixin, MemberChainHttpCase):
    """The wallet's test chain in an ``HttpCase``, with an API key per role:
    calls over JSON-RPC (``rpc``, ``assertForgedWritesRefused``…)."""


# ----------------------------------------------------------------------
# Committed fixtures and threads
# ----------------------------------------------------------------------


def run_with_retry(env, func, tries=60):
    """Our own retry loop for code that runs outside an HTTP request: call
    ``func`` and commit; on a serialization failure or lock timeout roll
    back, wait a little and start again."""
    for attempt in range(tries):
        try:
            result = func()
            env.cr.commit()
            return result
        except (
            psycopg2.errors.SerializationFailure,
            psycopg2.errors.LockNotAvailable,
            psycopg2.errors.DeadlockDetected,
        ):
            env.cr.rollback()
            env.transaction.reset()
            if attempt == tries - 1:
                raise
            time.sleep(random.uniform(0, 0.02 * (attempt + 1)))
    raise AssertionError("unreachable")


def delete_rows(cr, table, ids, _seen=None):
    """Delete the rows ``ids`` of ``table`` with SQL, after the rows of other
    tables that reference them (recursively); self-references are cleared
    first. For committed test fixtures only."""
    ids = tuple(ids)
    if not ids or ids == (0,):
        return
    cr.execute(
        """SELECT c.conrelid::regclass::text, a.attname, c.confdeltype
             FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND c.confrelid = %s::regclass""",
        [table],
    )
    for ref_table, column, on_delete in cr.fetchall():
        if ref_table == table:
            cr.execute(
                f'UPDATE "{table}" SET "{column}" = NULL WHERE "{column}" IN %s',
                [ids],  # noqa: S608
            )
        elif on_delete in ("a", "r"):  # no action / restrict: delete the referencing rows
            cr.execute(f'SELECT id FROM "{ref_table}" WHERE "{column}" IN %s', [ids])  # noqa: S608
            delete_rows(cr, ref_table, [row[0] for row in cr.fetchall()])
    cr.execute(f'DELETE FROM "{table}" WHERE id IN %s', [ids])  # noqa: S608


class CommittedWalletCase(MemberChainMixin, BaseCase):
    """member_base's test chain under the main company, committed, and
    funded cards made on demand; all deleted in the class cleanup. The
    cursor that made them is closed: tests know the chain by id
    (``store_a_id``, ``cashier_b_id``…, ``manager_id`` the manager who funds
    the cards, ``type_id`` their card type)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.tag = uuid.uuid4().hex[:8]
        cls.created = {
            key: [] for key in ("companies", "users", "types", "levels", "partners", "cards")
        }
        cls.addClassCleanup(cls._cleanup_committed)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            cls._setup_member_chain(
                env, head_office=env.ref("base.main_company"), tag=f"-{cls.tag}"
            )
            cls.created.update(
                companies=(cls.chain - cls.head_office).ids,
                users=cls.chain_users.ids,
                types=cls.chain_card_types.ids,
                levels=cls.chain_levels.ids,
            )
        for name in ("store_a", "store_b", "cashier_a", "cashier_b", "manager_a", "manager_b"):
            setattr(cls, f"{name}_id", getattr(cls, name).id)
        cls.manager_id = cls.manager_a_id
        cls.type_id = cls.type_personal.id

    @classmethod
    def make_funded_card(cls, amount=100, points=0):
        """A member, an active card and its wallet, topped up with
        ``amount`` (no bonus) and ``points`` by the manager in store A;
        committed."""
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            partner = env["res.partner"].create(
                {
                    "name": f"MWT Conc Member {cls.tag}",
                    "is_member": True,
                    "member_register_company_id": cls.store_a_id,
                }
            )
            cls.created["partners"].append(partner.id)
            card = (
                env["member.card"]
                ._as_service()
                .create(
                    {
                        "name": new_card_number(),
                        "type_id": cls.type_id,
                        "partner_id": partner.id,
                        "issue_company_id": cls.store_a_id,
                        "state": "active",
                    }
                )
            )
            cls.created["cards"].append(card.id)
            manager_env = api.Environment(
                cr,
                cls.manager_id,
                {"allowed_company_ids": [cls.store_a_id], "tracking_disable": True},
            )
            wallet = card.with_env(manager_env)._get_wallet()
            if amount:
                wallet._topup(amount, key=new_key("seed"), bonus=0)
            if points:
                wallet._adjust("points", f"+{points}", "seed", key=new_key("seed"))
            return SimpleNamespace(card_id=card.id, card_number=card.name, wallet_id=wallet.id)

    @classmethod
    def _cleanup_committed(cls):
        ids = {key: tuple(values) or (0,) for key, values in cls.created.items()}
        with cls.registry.cursor() as cr:
            cr.execute(
                "SELECT id FROM member_card WHERE id IN %s OR partner_id IN %s",
                [ids["cards"], ids["partners"]],
            )
            cards = tuple(row[0] for row in cr.fetchall()) or (0,)
            cr.execute("SELECT id FROM member_wallet WHERE card_id IN %s", [cards])
            wallets = tuple(row[0] for row in cr.fetchall()) or (0,)
            # wallets, postings, lines and whatever other addons hang on them
            # (points lots, package uses, journal entries, settlement lines)
            delete_rows(cr, "member_wallet", wallets)
            cr.execute(
                """DELETE FROM member_operation_log
                    WHERE card_id IN %s OR partner_id IN %s OR user_id IN %s OR company_id IN %s""",
                [cards, ids["partners"], ids["users"], ids["companies"]],
            )
            delete_rows(cr, "member_card", cards)
            # the stores' own journals (the chain setup gives each a cash journal)
            cr.execute("SELECT id FROM account_journal WHERE company_id IN %s", [ids["companies"]])
            delete_rows(cr, "account_journal", [row[0] for row in cr.fetchall()])
        with cls.registry.cursor() as cr:
            env = api.Environment(
                cr, SUPERUSER_ID, {"tracking_disable": True, "active_test": False}
            )
            env["res.partner"].browse(cls.created["partners"]).exists().unlink()
            users = env["res.users"].browse(cls.created["users"]).exists()
            user_partners = users.partner_id
            users.unlink()
            user_partners.exists().unlink()
            env["member.card.type"].browse(cls.created["types"]).exists().unlink()
            env["member.level"].browse(cls.created["levels"]).exists().unlink()
            companies = env["res.company"].browse(cls.created["companies"]).exists()
            company_partners = companies.partner_id
            # in SQL, with whatever other addons gave each new company (stock: its
            # warehouse, locations and picking types), which Odoo will not unlink
            env.flush_all()
            delete_rows(cr, "res_company", companies.ids)
            env.invalidate_all()
            env.registry.clear_cache()
            company_partners.exists().unlink()

    # ------------------------------------------------------------------
    # Threads
    # ------------------------------------------------------------------

    def run_concurrently(self, calls, retry="odoo"):
        """Run each ``(uid, company_id, func)`` of ``calls`` in its own
        thread with its own cursor and transaction, all released at the same
        moment by a barrier; ``func(env)`` runs inside Odoo's ``retrying``
        (as an HTTP request would) or our own retry loop, and commits.

        :return: one ``(outcome, value)`` per call, in order: ``("ok",
            result)``, ``("refused", message)`` for a UserError, ``("busy",
            error)`` when the retries ran out.
        """
        barrier = threading.Barrier(len(calls))
        attempts = itertools.count()

        def attempt(func, env):
            next(attempts)
            return func(env)

        def worker(uid, company_id, func):
            with self.registry.cursor() as cr:
                env = api.Environment(cr, uid, {"allowed_company_ids": [company_id]})
                barrier.wait(timeout=60)
                try:
                    if retry == "odoo":
                        return ("ok", retrying(functools.partial(attempt, func, env), env))
                    return ("ok", run_with_retry(env, functools.partial(attempt, func, env)))
                except UserError as error:
                    cr.rollback()
                    return ("refused", str(error))
                except (
                    psycopg2.errors.SerializationFailure,
                    psycopg2.errors.LockNotAvailable,
                    psycopg2.errors.DeadlockDetected,
                ) as error:
                    cr.rollback()
                    return ("busy", repr(error))

        # The test runner holds the registry lock while tests run; a thread
        # that looks the registry up (a new transaction, a retry) would wait
        # for it forever. Odoo's own test mode swaps it the same way.
        with (
            patch.object(Registry, "_lock", DummyRLock()),
            ThreadPoolExecutor(max_workers=len(calls)) as executor,
        ):
            futures = [executor.submit(worker, *call) for call in calls]
            outcomes = [future.result(timeout=300) for future in futures]
        # how many transactions were rolled back and retried: the spenders met
        self.retries = next(attempts) - len(calls)
        _logger.info("%s concurrent calls, %s retries", len(calls), self.retries)
        return outcomes

    def committed_ledger(self, wallet_id):
        with self.registry.cursor() as cr:
            return read_ledger(cr, wallet_id)
