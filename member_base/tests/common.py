"""The one test chain of the suite, and the helpers every addon's tests share.

:class:`MemberChainMixin` builds the chain (companies, one user per role,
levels, card types) with ``_setup_member_chain`` and gives the helpers that
act as a given user in a given store (never as superuser when rights are
under test). It is a mixin so that every kind of Odoo test case builds the
same chain, as ``pos_loyalty``'s tests build on ``point_of_sale``'s:

* :class:`MemberChainCase`, a ``TransactionCase`` (most tests);
* a ``BaseCase`` whose fixtures are committed for the thread tests
  (member_wallet's ``CommittedWalletCase``: ``_setup_member_chain(env, tag=…)``
  on a cursor of its own);
* an ``AccountTestInvoicingCommon`` case whose head office carries a chart of
  accounts (member_wallet's ``MemberAccountingCase``:
  ``_setup_member_chain(head_office=…)``);
* :class:`MemberChainHttpCase`, an ``HttpCase`` that calls the server as an
  outside client would (:class:`MemberRpcMixin`).
"""

import itertools
import json
import random
import unittest
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, TransactionCase, new_test_user
from odoo.tools import mute_logger

REFUSALS = (UserError, AccessError, ValidationError)
CENT = Decimal("0.01")
CHAIN_TZ = "Asia/Shanghai"

_mobile_counter = itertools.count(1)
# card numbers: letters and digits (never read as a phone number or a chip
# UID), random start so that committed fixtures of a failed run cannot collide
_card_numbers = itertools.count(random.randrange(10_000_000, 89_999_999))


def next_mobile():
    """A fresh, valid mainland mobile number (national form, 11 digits)."""
    return f"1391{next(_mobile_counter):07d}"


def new_key(prefix="key"):
    """A fresh idempotency key."""
    return f"{prefix}-{uuid.uuid4().hex}"


def new_card_number():
    """A fresh card number, unique across test runs."""
    return f"MW{next(_card_numbers):09d}"


def money(value):
    """``value`` as a Decimal rounded to the cent (Odoo reads numeric
    columns as floats)."""
    return Decimal(str(value or 0)).quantize(CENT)


class MemberChainMixin:
    """Head office → East region → store A; store B directly under head
    office; every company in the chain's time zone. Users (their own store
    only unless said): ``cashier_a``, ``manager_a``, ``cashier_b``,
    ``manager_b``; ``head_office_user``, ``admin_user`` (member administrator
    and Odoo settings) and ``auditor`` with every company of the chain.
    Levels basic < silver < gold; card types personal, gold (chip, with a
    balance ceiling), supplementary, linked, anonymous, one valid in store A
    only, one with a number pattern.
    """

    # attribute: (login, groups, companies: "own" store or the whole "chain")
    CHAIN_USERS = {
        "cashier_a": ("cashier_a", "member_base.group_member_cashier", "store_a"),
        "manager_a": ("manager_a", "member_base.group_member_manager", "store_a"),
        "cashier_b": ("cashier_b", "member_base.group_member_cashier", "store_b"),
        "manager_b": ("manager_b", "member_base.group_member_manager", "store_b"),
        "head_office_user": ("head_office", "member_base.group_member_head_office", "chain"),
        "admin_user": ("admin", "member_base.group_member_admin,base.group_system", "chain"),
        "auditor": ("auditor", "member_base.group_member_auditor", "chain"),
    }

    @classmethod
    def _setup_member_chain(cls, env=None, head_office=None, tag=""):
        """Build the chain in ``env`` (default: the test's own, tracking
        off) under ``head_office`` (default: the environment's company).

        :param tag: suffix of every name, code and login, for fixtures that
            are committed and must not meet those of another run
        """
        if env is None:
            cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
            env = cls.env
        Company = env["res.company"]
        cls.head_office = head_office or env.company
        if cls.head_office.member_tz != CHAIN_TZ:
            cls.head_office.member_tz = CHAIN_TZ

        def company(name, code, parent, kind):
            return Company.create(
                {
                    "name": f"Test {name}{tag}",
                    "parent_id": parent.id,
                    "member_company_kind": kind,
                    "member_store_code": f"T-{code}{tag}",
                    "member_tz": CHAIN_TZ,
                }
            )

        cls.region = company("East Region", "RE", cls.head_office, "region")
        cls.store_a = company("Store A", "A", cls.region, "store")
        cls.store_b = company("Store B", "B", cls.head_office, "store")
        cls.chain = cls.head_office | cls.region | cls.store_a | cls.store_b

        cls.chain_users = env["res.users"]
        for attribute, (login, groups, where) in cls.CHAIN_USERS.items():
            companies = cls.chain if where == "chain" else getattr(cls, where)
            user = new_test_user(
                env,
                login=f"mbt_{login}{tag}",
                groups=groups,
                company_id=companies[0].id,
                company_ids=[Command.set(companies.ids)],
                tz=CHAIN_TZ,
                # no signup invitation (a mail rendered and queued per user)
                context={"no_reset_password": True},
            )
            setattr(cls, attribute, user)
            cls.chain_users |= user

        Level = env["member.level"]
        cls.level_basic = Level.create({"name": f"MBT Basic{tag}", "sequence": 110})
        cls.level_silver = Level.create(
            {"name": f"MBT Silver{tag}", "sequence": 120, "discount": 5}
        )
        cls.level_gold = Level.create({"name": f"MBT Gold{tag}", "sequence": 130, "discount": 10})
        cls.chain_levels = cls.level_basic | cls.level_silver | cls.level_gold

        Type = env["member.card.type"]

        def card_type(name, **vals):
            return Type.create({"name": f"MBT {name}{tag}", "medium": "magnetic", **vals})

        cls.type_personal = card_type(
            "Personal", kind="personal", level_id=cls.level_basic.id, balance_ceiling=0
        )
        cls.type_gold = card_type(
            "Gold Chip",
            kind="personal",
            medium="rfid",
            uid_format="hex_msb",
            level_id=cls.level_gold.id,
            balance_ceiling=5000,
        )
        cls.type_supplementary = card_type("Supplementary", kind="supplementary")
        cls.type_linked = card_type("Linked", kind="linked")
        cls.type_anonymous = card_type(
            "Anonymous", kind="anonymous", validity_months=36, balance_ceiling=1000
        )
        cls.type_store_a_only = card_type(
            "Store A Only", kind="personal", company_ids=[Command.set(cls.store_a.ids)]
        )
        cls.type_digits = card_type("Digits", kind="personal", number_pattern=r"^62\d{14}$")
        cls.chain_card_types = (
            cls.type_personal
            | cls.type_gold
            | cls.type_supplementary
            | cls.type_linked
            | cls.type_anonymous
            | cls.type_store_a_only
            | cls.type_digits
        )

    # ------------------------------------------------------------------
    # Acting as someone
    # ------------------------------------------------------------------

    @classmethod
    def env_as(cls, user, company=None):
        """The environment of ``user`` working in ``company`` (default: the
        user's own company), with the user's other companies allowed too, like
        the web client's company switcher; never superuser."""
        company = company or user.company_id
        allowed = [company.id] + [cid for cid in user.company_ids.ids if cid != company.id]
        return cls.env(
            user=user, su=False, context=dict(cls.env.context, allowed_company_ids=allowed)
        )

    @classmethod
    def create_member(cls, user=None, company=None, **vals):
        """Register a member as ``user`` in ``company`` (default: cashier A
        in store A), through the ORM with that user's rights."""
        env = cls.env_as(user or cls.cashier_a, company)
        vals = {
            "name": vals.pop("name", f"Member {next(_mobile_counter)}"),
            "is_member": True,
            "member_mobile": vals.pop("member_mobile", next_mobile()),
            **vals,
        }
        return env["res.partner"].create(vals)

    @classmethod
    def make_member(cls, level=None, name=None, **vals):
        """A member registered in store A with ``level`` (default basic), made
        as superuser (fixture shortcut)."""
        return cls.env["res.partner"].create(
            {
                "name": name or f"MBT Member {new_card_number()}",
                "is_member": True,
                "member_level_id": (level or cls.level_basic).id,
                "member_register_company_id": cls.store_a.id,
                **vals,
            }
        )

    @classmethod
    def issue_card(cls, partner=None, user=None, company=None, card_type=None, **wizard_vals):
        """办卡 through the issue wizard as ``user`` in ``company`` (default:
        cashier A in store A); returns the card in that user's environment."""
        env = cls.env_as(user or cls.cashier_a, company)
        wizard = env["member.card.issue"].create(
            {
                "partner_id": partner.id if partner else False,
                "type_id": (card_type or cls.type_personal).id,
                **wizard_vals,
            }
        )
        action = wizard.action_issue()
        return env["member.card"].browse(action["res_id"])

    @classmethod
    def make_card(
        cls, card_type=None, partner=None, state="active", parent=None, store=None, **vals
    ):
        """A card of ``card_type`` (default personal) issued in ``store``
        (default store A), put directly in ``state`` by the card service
        (fixture shortcut: no log line). The holder is the parent card's, or
        a new member unless the type is anonymous."""
        card_type = card_type or cls.type_personal
        if partner is None and card_type.kind != "anonymous":
            partner = parent.partner_id if parent else cls.make_member()
        values = {
            "name": new_card_number(),
            "type_id": card_type.id,
            "partner_id": partner.id if partner else False,
            "parent_id": parent.id if parent else False,
            "issue_company_id": (store or cls.store_a).id,
            "state": state,
            **vals,
        }
        if state == "expired" and "expiry_date" not in vals:
            today = fields.Date.today()
            values.update(
                issue_date=fields.Date.subtract(today, years=2),
                expiry_date=fields.Date.subtract(today, days=3),
            )
        return cls.env["member.card"]._as_service().create(values).with_env(cls.env)

    # ------------------------------------------------------------------
    # What is in the database
    # ------------------------------------------------------------------

    def log_count(self, **where):
        """Number of operation log rows, straight from the table."""
        self.env.flush_all()
        clauses = " AND ".join(f"{column} = %s" for column in where) or "TRUE"
        self.env.cr.execute(
            f"SELECT COUNT(*) FROM member_operation_log WHERE {clauses}",  # noqa: S608
            list(where.values()),
        )
        return self.env.cr.fetchone()[0]

    def log_lines(self, **where):
        """Log lines matching ``where`` (column = value), read as superuser."""
        domain = [(column, "=", value) for column, value in where.items()]
        return self.env["member.operation.log"].sudo().search(domain, order="id")

    def table_count(self, table):
        self.env.flush_all()
        self.env.cr.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - test helper
        return self.env.cr.fetchone()[0]

    def db_snapshot(self, cards=None):
        """Counts of the member tables and the raw rows of ``cards``."""
        self.env.flush_all()
        snapshot = {
            table: self.table_count(table)
            for table in ("member_operation_log", "member_card", "res_partner")
        }
        if cards:
            self.env.cr.execute(
                """SELECT id, name, state, type_id, partner_id, expiry_date, parent_id,
                          replaced_by_id, chip_uid, pin_hash
                     FROM member_card WHERE id IN %s ORDER BY id""",
                [tuple(cards.ids)],
            )
            snapshot["cards"] = self.env.cr.fetchall()
        return snapshot

    @contextmanager
    def assertWritesNothing(self, snapshot, exception=REFUSALS, message=None, strict=True):
        """The block raises ``exception`` (with ``message`` in its text) and
        leaves ``snapshot()`` as it was.

        With ``strict`` the snapshot is compared *before* the refused
        transaction is rolled back: the refusal came before anything was
        written. Without it, only after the rollback (errors raised by
        constraints, which Odoo checks after writing). The cache is emptied
        first, so that every record the block reads is checked against the
        access rules (as Odoo's ``assertRaises`` does).
        """
        before = snapshot()
        savepoint = self.env.cr.savepoint()
        self.env.invalidate_all()
        try:
            # unittest's assertRaises: Odoo's rolls back a savepoint of its
            # own before we could look at what was written
            with unittest.TestCase.assertRaises(self, exception) as catcher:
                yield catcher
                self.env.flush_all()  # what is only in the cache fails here
            if message:
                self.assertIn(message, str(catcher.exception))
            if strict:
                self.assertEqual(snapshot(), before, "The refused operation wrote something.")
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()
        self.assertEqual(snapshot(), before)

    def assertRefused(self, exception=REFUSALS, cards=None, message=None, strict=True):
        """The block raises ``exception`` and leaves the member tables (and
        the rows of ``cards``) as they were."""
        return self.assertWritesNothing(
            lambda: self.db_snapshot(cards), exception=exception, message=message, strict=strict
        )

    def assertLogLine(self, line, operation, user, company, before=None, after=None, reason=None):
        """``line`` is one log line of ``operation`` by ``user`` in
        ``company`` with these before/after values (subsets) and reason."""
        self.assertEqual(len(line), 1)
        self.assertEqual(line.operation, operation)
        self.assertEqual(line.user_id, user)
        self.assertEqual(line.company_id, company)
        old = json.loads(line.old_values) if line.old_values else {}
        new = json.loads(line.new_values) if line.new_values else {}
        for key, value in (before or {}).items():
            self.assertEqual(old.get(key), value, f"before[{key}] of {operation}")
        for key, value in (after or {}).items():
            self.assertEqual(new.get(key), value, f"after[{key}] of {operation}")
        if reason is not None:
            self.assertEqual(line.reason, reason)


class MemberChainCase(MemberChainMixin, TransactionCase):
    """The chain in a ``TransactionCase``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_member_chain()


# ----------------------------------------------------------------------
# Calling the server as an outside client
# ----------------------------------------------------------------------

# Every context key that ever acted as a capability in the suite, and the
# service capability itself: a client may send them all, none may count.
FORGED_CONTEXT = {
    "member_service": True,
    "member_card_operation": True,
    "member_wallet_service": True,
    "member_timed_service": True,
    "member_wallet_no_accounting": True,
    "import_file": True,
}
# The roles that call the server, as attributes of the chain.
RPC_ROLES = ("cashier_a", "manager_a", "head_office_user", "admin_user", "auditor")
RPC_CHANNELS = ("call_kw", "json2")
# What a refusal looks like to the client (the exception's qualified name).
RPC_REFUSALS = tuple(f"{error.__module__}.{error.__name__}" for error in REFUSALS)


class MemberRpcMixin:
    """Calls over the two ways a client reaches a model: the web client's
    ``/web/dataset/call_kw`` (session of the user's login) and Odoo 19's
    ``/json/2`` (an API key per user), with whatever context the client
    chooses to send."""

    @classmethod
    def _setup_rpc_keys(cls, roles=RPC_ROLES):
        """An API key for each role of ``roles`` (attributes of the chain)."""
        Keys = cls.env["res.users.apikeys"]
        tomorrow = datetime.now() + timedelta(days=1)
        cls.api_keys = {
            role: Keys.with_user(getattr(cls, role))._generate(None, f"test {role}", tomorrow)
            for role in roles
        }

    def rpc(self, channel, role, model, method, ids=None, context=None, **params):
        """Call ``model.method`` as ``role`` over ``channel``, on ``ids`` (a
        list, ``None`` for a model method), with ``params`` as keyword
        arguments and ``context`` as the client's context (default: the
        role's companies).

        :return: ``(True, result)`` or ``(False, {"name": …, "message": …})``
        """
        user = getattr(self, role)
        if context is None:
            context = {"allowed_company_ids": user.company_ids.ids}
        if channel == "json2":
            self.authenticate(None, None)  # the key alone, no session of another user
            body = {**params, "context": context}
            if ids is not None:
                body["ids"] = ids
            response = self.url_open(
                f"/json/2/{model}/{method}",
                data=json.dumps(body),
                headers={
                    "Authorization": f"bearer {self.api_keys[role]}",
                    "Content-Type": "application/json",
                },
            )
            if response.status_code == 200:
                return True, response.json()
            return False, response.json()
        self.authenticate(user.login, user.login)
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": model,
                        "method": method,
                        "args": [ids] if ids is not None else [],
                        "kwargs": {**params, "context": context},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        if "error" in body:
            return False, body["error"]["data"]
        return True, body["result"]

    def rpc_snapshot(self, model, ids=(), tables=()):
        """What a forged call must not change: the raw rows ``ids`` of
        ``model``'s table, the number of its rows, of the operation log and
        of ``tables``."""
        self.env.flush_all()
        self.env.invalidate_all()
        table = self.env[model]._table
        cr = self.env.cr
        snapshot = {}
        for name in {table, "member_operation_log", *tables}:
            cr.execute(f'SELECT COUNT(*) FROM "{name}"')  # noqa: S608 - test helper
            snapshot[name] = cr.fetchone()[0]
        if ids:
            cr.execute(
                f'SELECT * FROM "{table}" WHERE id IN %s ORDER BY id',  # noqa: S608
                [tuple(ids)],
            )
            snapshot["rows"] = cr.fetchall()
        return snapshot

    def assertForgedCallsRefused(
        self, model, method, ids=None, roles=RPC_ROLES, forged=FORGED_CONTEXT, tables=(), **params
    ):
        """``model.method(**params)`` on ``ids``, called by each role of
        ``roles`` over each channel with the capability flags ``forged`` in
        its context, is refused as a business error (not a missing route or
        a bad call) and changes nothing: the record's row, the number of rows
        of its table, of the operation log and of ``tables``."""
        for role in roles:
            user = getattr(self, role)
            context = {**forged, "allowed_company_ids": user.company_ids.ids}
            for channel in RPC_CHANNELS:
                with self.subTest(model=model, method=method, role=role, channel=channel):
                    before = self.rpc_snapshot(model, ids or (), tables)
                    with mute_logger("odoo.http"):  # the refusal, logged as a warning
                        ok, answer = self.rpc(
                            channel, role, model, method, ids=ids, context=context, **params
                        )
                    self.assertFalse(ok, f"{role} called {model}.{method} over {channel}")
                    self.assertIn(answer.get("name"), RPC_REFUSALS, answer)
                    self.assertEqual(self.rpc_snapshot(model, ids or (), tables), before)

    def assertForgedWritesRefused(self, model, record_id, vals, roles=RPC_ROLES, **kwargs):
        """``write(vals)`` on the record, by each role with forged
        capabilities, is refused and changes nothing."""
        self.assertForgedCallsRefused(
            model, "write", ids=[record_id], roles=roles, vals=vals, **kwargs
        )

    def assertForgedCreateRefused(self, model, vals, roles=RPC_ROLES, **kwargs):
        """``create([vals])``, by each role with forged capabilities, is
        refused and adds nothing."""
        self.assertForgedCallsRefused(model, "create", roles=roles, vals_list=[vals], **kwargs)

    def assertForgedUnlinkRefused(self, model, record_id, roles=RPC_ROLES, **kwargs):
        """``unlink()`` of the record, by each role with forged capabilities,
        is refused and removes nothing."""
        self.assertForgedCallsRefused(model, "unlink", ids=[record_id], roles=roles, **kwargs)


class MemberChainHttpCase(MemberRpcMixin, MemberChainMixin, HttpCase):
    """The chain in an ``HttpCase``, with an API key per role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_member_chain()
        cls._setup_rpc_keys()
