"""Shared fixtures of the member_wallet ledger tests.

Two kinds of fixture:

* :class:`WalletCase` (a ``TransactionCase``): a chain of its own (head
  office → region → store A, store B under head office), one user per role,
  card types and levels of its own, and helpers that act as a given user in
  a given store (never as superuser when rights are under test) and check
  that a refused operation wrote nothing.
* :class:`CommittedWalletCase` (a ``BaseCase``): fixtures committed for real
  through their own cursor, so that threads with their own cursors and
  transactions see them; removed again in the class cleanup (ledger tables
  are append-only through the ORM, so with SQL, children first).
"""

import functools
import itertools
import logging
import random
import threading
import time
import unittest
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from types import SimpleNamespace
from unittest.mock import patch

import psycopg2.errors

from odoo import Command, api
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.registry import Registry
from odoo.orm.registry import DummyRLock
from odoo.service.model import retrying
from odoo.tests import BaseCase, TransactionCase, new_test_user
from odoo.tests.common import get_db_name

_logger = logging.getLogger(__name__)

SUPERUSER_ID = api.SUPERUSER_ID
REFUSALS = (UserError, AccessError, ValidationError)
INSUFFICIENT = "Insufficient balance"
NOT_ENOUGH_POINTS = "Not enough points"
CENT = Decimal("0.01")

# card numbers: letters and digits (never read as a phone number or a chip
# UID), random start so committed fixtures of a failed run cannot collide
_card_numbers = itertools.count(random.randrange(10_000_000, 89_999_999))


def new_key(prefix="mwt"):
    """A fresh idempotency key."""
    return f"{prefix}-{uuid.uuid4().hex}"


def new_card_number():
    return f"MW{next(_card_numbers):09d}"


def money(value):
    """``value`` as a Decimal rounded to the cent (Odoo reads numeric
    columns as floats)."""
    return Decimal(str(value or 0)).quantize(CENT)


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


class WalletCase(TransactionCase):
    """Head office (the main company) → East region → store A; store B
    directly under head office. Users (their own store only unless said):
    cashier_a, manager_a, cashier_b, manager_b; head_office_user,
    admin_user and auditor with every company of the chain."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        # the database's own bonus rules (demo, other tests) do not interfere
        cls.env["member.topup.rule"].search([]).write({"active": False})
        cls.set_param("bonus_policy", "last")
        cls.set_param("max_amount", "100000")

        Company = cls.env["res.company"]
        cls.head_office = cls.env.company
        cls.currency = cls.head_office.root_id.currency_id
        cls.region = Company.create(
            {
                "name": "MWT East Region",
                "parent_id": cls.head_office.id,
                "member_company_kind": "region",
                "member_store_code": "MWT-RE",
            }
        )
        cls.store_a = Company.create(
            {
                "name": "MWT Store A",
                "parent_id": cls.region.id,
                "member_company_kind": "store",
                "member_store_code": "MWT-A",
            }
        )
        cls.store_b = Company.create(
            {
                "name": "MWT Store B",
                "parent_id": cls.head_office.id,
                "member_company_kind": "store",
                "member_store_code": "MWT-B",
            }
        )
        cls.chain = cls.head_office | cls.region | cls.store_a | cls.store_b

        def user(login, groups, companies):
            return new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=companies[0].id,
                company_ids=[Command.set(companies.ids)],
                tz="Asia/Shanghai",
            )

        cls.cashier_a = user("mwt_cashier_a", "member_base.group_member_cashier", cls.store_a)
        cls.manager_a = user("mwt_manager_a", "member_base.group_member_manager", cls.store_a)
        cls.cashier_b = user("mwt_cashier_b", "member_base.group_member_cashier", cls.store_b)
        cls.manager_b = user("mwt_manager_b", "member_base.group_member_manager", cls.store_b)
        cls.head_office_user = user(
            "mwt_head_office", "member_base.group_member_head_office", cls.chain
        )
        cls.admin_user = user(
            "mwt_admin", "member_base.group_member_admin,base.group_system", cls.chain
        )
        cls.auditor = user("mwt_auditor", "member_base.group_member_auditor", cls.chain)

        Level = cls.env["member.level"]
        cls.level_basic = Level.create({"name": "MWT Basic", "sequence": 210})
        cls.level_gold = Level.create({"name": "MWT Gold", "sequence": 230, "discount": 10})

        Type = cls.env["member.card.type"]
        cls.type_personal = Type.create(
            {
                "name": "MWT Personal",
                "kind": "personal",
                "level_id": cls.level_basic.id,
                "balance_ceiling": 0,
            }
        )
        cls.type_gold = Type.create(
            {
                "name": "MWT Gold",
                "kind": "personal",
                "level_id": cls.level_gold.id,
                "balance_ceiling": 5000,
            }
        )
        cls.type_supplementary = Type.create({"name": "MWT Supplementary", "kind": "supplementary"})
        cls.type_linked = Type.create({"name": "MWT Linked", "kind": "linked"})
        cls.type_store_a_only = Type.create(
            {
                "name": "MWT Store A Only",
                "kind": "personal",
                "company_ids": [Command.set(cls.store_a.ids)],
            }
        )

    # ------------------------------------------------------------------
    # Settings and fixtures
    # ------------------------------------------------------------------

    @classmethod
    def set_param(cls, key, value):
        cls.env["ir.config_parameter"].sudo().set_param(f"member_wallet.{key}", value)

    @classmethod
    def env_as(cls, user, company=None):
        """The environment of ``user`` working in ``company`` (default: the
        user's own company), like the web client's company switcher."""
        company = company or user.company_id
        allowed = [company.id] + [cid for cid in user.company_ids.ids if cid != company.id]
        return cls.env(
            user=user, su=False, context=dict(cls.env.context, allowed_company_ids=allowed)
        )

    @classmethod
    def make_member(cls, level=None, name=None):
        return cls.env["res.partner"].create(
            {
                "name": name or f"MWT Member {new_card_number()}",
                "is_member": True,
                "member_level_id": level.id if level else cls.level_basic.id,
                "member_register_company_id": cls.store_a.id,
            }
        )

    @classmethod
    def make_card(cls, card_type=None, partner=None, state="active", parent=None, **vals):
        """A card put directly in ``state``, with its wallet unless it draws
        on its parent's (fixture shortcut, as superuser)."""
        card_type = card_type or cls.type_personal
        if partner is None:
            partner = parent.partner_id if parent else cls.make_member()
        card = cls.env["member.card"].create(
            {
                "name": new_card_number(),
                "type_id": card_type.id,
                "partner_id": partner.id,
                "parent_id": parent.id if parent else False,
                "issue_company_id": cls.store_a.id,
                "state": state,
                **vals,
            }
        )
        if not card_type.draws_on_parent:
            card._get_wallet()  # as issuing the card does
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

    @contextmanager
    def assertNothingWritten(self, exception=REFUSALS, message=None):
        """The block raises ``exception`` (with ``message`` in its text) and
        has written nothing: compared *before* the savepoint is rolled
        back, so the refusal came before any write."""
        before = self.db_state()
        savepoint = self.env.cr.savepoint()
        # an empty cache, so that every record the block reads is checked
        # against the access rules (as Odoo's assertRaises does)
        self.env.invalidate_all()
        try:
            # unittest's assertRaises: Odoo's rolls back a savepoint of its
            # own before we could look at what was written
            with unittest.TestCase.assertRaises(self, exception) as catcher:
                yield catcher
            if message:
                self.assertIn(message, str(catcher.exception))
            self.assertEqual(self.db_state(), before, "The refused operation wrote something.")
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()


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


class CommittedWalletCase(BaseCase):
    """Two stores (branches of the main company), a cashier in each, a
    manager in both, a card type, and funded cards made on demand; all
    committed for real and deleted in the class cleanup."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.tag = uuid.uuid4().hex[:8]
        cls.created = {"companies": [], "users": [], "types": [], "partners": [], "cards": []}
        cls.addClassCleanup(cls._cleanup_committed)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            head = env.ref("base.main_company")
            Company = env["res.company"]
            store_a = Company.create(
                {
                    "name": f"MWT Conc A {cls.tag}",
                    "parent_id": head.id,
                    "member_company_kind": "store",
                    "member_store_code": f"MWTA{cls.tag}",
                }
            )
            cls.created["companies"].append(store_a.id)
            store_b = Company.create(
                {
                    "name": f"MWT Conc B {cls.tag}",
                    "parent_id": head.id,
                    "member_company_kind": "store",
                    "member_store_code": f"MWTB{cls.tag}",
                }
            )
            cls.created["companies"].append(store_b.id)

            def user(login, groups, companies):
                record = new_test_user(
                    env,
                    login=f"{login}_{cls.tag}",
                    groups=groups,
                    company_id=companies[0].id,
                    company_ids=[Command.set(companies.ids)],
                )
                cls.created["users"].append(record.id)
                return record.id

            cls.store_a_id, cls.store_b_id = store_a.id, store_b.id
            cls.cashier_a_id = user(
                "mwt_conc_cashier_a", "member_base.group_member_cashier", store_a
            )
            cls.cashier_b_id = user(
                "mwt_conc_cashier_b", "member_base.group_member_cashier", store_b
            )
            cls.manager_id = user(
                "mwt_conc_manager", "member_base.group_member_manager", store_a | store_b
            )
            card_type = env["member.card.type"].create(
                {
                    "name": f"MWT Concurrency {cls.tag}",
                    "kind": "personal",
                    "balance_ceiling": 0,
                }
            )
            cls.created["types"].append(card_type.id)
            cls.type_id = card_type.id

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
            card = env["member.card"].create(
                {
                    "name": new_card_number(),
                    "type_id": cls.type_id,
                    "partner_id": partner.id,
                    "issue_company_id": cls.store_a_id,
                    "state": "active",
                }
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
            companies = env["res.company"].browse(cls.created["companies"]).exists()
            company_partners = companies.partner_id
            companies.unlink()
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
