"""Shared fixture of the member_base tests: a chain of companies, one user
per role, card types and levels of its own, and helpers that act as a given
user in a given store (never as superuser when access is under test)."""

import itertools
import json
import unittest
from contextlib import contextmanager

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user

REFUSALS = (UserError, AccessError, ValidationError)

_mobile_counter = itertools.count(1)


def next_mobile():
    """A fresh, valid mainland mobile number (national form, 11 digits)."""
    return f"1391{next(_mobile_counter):07d}"


class MemberChainCase(TransactionCase):
    """Head office (the main company) → East region → store A; store B
    directly under head office. Users (their store only unless said):

    cashier_a, manager_a, cashier_b, manager_b; head_office, admin and
    auditor with every company of the chain.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        Company = cls.env["res.company"]
        cls.head_office = cls.env.company
        cls.head_office.write({"member_tz": "Asia/Shanghai"})
        cls.region = Company.create(
            {
                "name": "Test East Region",
                "parent_id": cls.head_office.id,
                "member_company_kind": "region",
                "member_store_code": "T-RE",
            }
        )
        cls.store_a = Company.create(
            {
                "name": "Test Store A",
                "parent_id": cls.region.id,
                "member_company_kind": "store",
                "member_store_code": "T-A",
                "member_tz": "Asia/Shanghai",
            }
        )
        cls.store_b = Company.create(
            {
                "name": "Test Store B",
                "parent_id": cls.head_office.id,
                "member_company_kind": "store",
                "member_store_code": "T-B",
                "member_tz": "Asia/Shanghai",
            }
        )
        cls.chain = cls.head_office | cls.region | cls.store_a | cls.store_b

        def user(login, group, companies):
            return new_test_user(
                cls.env,
                login=login,
                groups=f"member_base.{group}",
                company_id=companies[0].id,
                company_ids=[Command.set(companies.ids)],
                tz="Asia/Shanghai",
            )

        cls.cashier_a = user("mbt_cashier_a", "group_member_cashier", cls.store_a)
        cls.manager_a = user("mbt_manager_a", "group_member_manager", cls.store_a)
        cls.cashier_b = user("mbt_cashier_b", "group_member_cashier", cls.store_b)
        cls.manager_b = user("mbt_manager_b", "group_member_manager", cls.store_b)
        cls.head_office_user = user("mbt_head_office", "group_member_head_office", cls.chain)
        cls.admin_user = user("mbt_admin", "group_member_admin", cls.chain)
        cls.auditor = user("mbt_auditor", "group_member_auditor", cls.chain)

        Level = cls.env["member.level"]
        cls.level_basic = Level.create({"name": "MBT Basic", "sequence": 110})
        cls.level_silver = Level.create({"name": "MBT Silver", "sequence": 120, "discount": 5})
        cls.level_gold = Level.create({"name": "MBT Gold", "sequence": 130, "discount": 10})

        Type = cls.env["member.card.type"]
        cls.type_personal = Type.create(
            {
                "name": "MBT Personal",
                "medium": "magnetic",
                "kind": "personal",
                "level_id": cls.level_basic.id,
                "balance_ceiling": 5000,
            }
        )
        cls.type_gold = Type.create(
            {
                "name": "MBT Gold Chip",
                "medium": "rfid",
                "kind": "personal",
                "level_id": cls.level_gold.id,
                "uid_format": "hex_msb",
                "balance_ceiling": 5000,
            }
        )
        cls.type_supplementary = Type.create(
            {
                "name": "MBT Supplementary",
                "medium": "magnetic",
                "kind": "supplementary",
            }
        )
        cls.type_anonymous = Type.create(
            {
                "name": "MBT Anonymous",
                "medium": "magnetic",
                "kind": "anonymous",
                "validity_months": 36,
                "balance_ceiling": 1000,
            }
        )
        cls.type_store_a_only = Type.create(
            {
                "name": "MBT Store A Only",
                "medium": "magnetic",
                "kind": "personal",
                "company_ids": [Command.set(cls.store_a.ids)],
            }
        )
        cls.type_digits = Type.create(
            {
                "name": "MBT Digits",
                "medium": "magnetic",
                "kind": "personal",
                "number_pattern": r"^62\d{14}$",
            }
        )

    # ------------------------------------------------------------------
    # Acting as someone
    # ------------------------------------------------------------------

    @classmethod
    def env_as(cls, user, company=None):
        """The environment of ``user`` working in ``company`` first, like the
        web client's company switcher (default: the user's own company and
        every allowed company)."""
        env = cls.env(user=user, su=False)
        if company:
            allowed = [company.id] + [cid for cid in user.company_ids.ids if cid != company.id]
            env = env(context=dict(env.context, allowed_company_ids=allowed))
        return env

    @classmethod
    def create_member(cls, user=None, company=None, **vals):
        """Register a member as ``user`` in ``company`` (default: cashier A
        in store A)."""
        env = cls.env_as(user or cls.cashier_a, company)
        vals = {
            "name": vals.pop("name", f"Member {next(_mobile_counter)}"),
            "is_member": True,
            "member_mobile": vals.pop("member_mobile", next_mobile()),
            **vals,
        }
        return env["res.partner"].create(vals)

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
    def make_card(cls, state="active", card_type=None, partner=None, **vals):
        """A card put directly in ``state`` as superuser (fixture shortcut:
        no log line); the holder is a new member unless the type is
        anonymous or a partner is given."""
        card_type = card_type or cls.type_personal
        if partner is None and card_type.kind != "anonymous":
            partner = cls.create_member()
        values = {
            "type_id": card_type.id,
            "partner_id": partner.id if partner else False,
            "issue_company_id": cls.store_a.id,
            "state": state,
            **vals,
        }
        if state == "expired" and "expiry_date" not in vals:
            today = fields.Date.today()
            values.update(
                issue_date=fields.Date.subtract(today, years=2),
                expiry_date=fields.Date.subtract(today, days=3),
            )
        return cls.env["member.card"].sudo().create(values)

    # ------------------------------------------------------------------
    # What is in the database
    # ------------------------------------------------------------------

    def log_count(self, **where):
        """Number of operation log rows, straight from the table."""
        self.env.flush_all()
        clauses = " AND ".join(f"{column} = %s" for column in where) or "TRUE"
        self.env.cr.execute(
            f"SELECT COUNT(*) FROM member_operation_log WHERE {clauses}", list(where.values())
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
                          replaced_by_id, chip_uid
                     FROM member_card WHERE id IN %s ORDER BY id""",
                [tuple(cards.ids)],
            )
            snapshot["cards"] = self.env.cr.fetchall()
        return snapshot

    @contextmanager
    def assertRefused(self, exception=REFUSALS, cards=None, message=None, strict=True):
        """The block raises ``exception`` and leaves the database as it was.

        With ``strict`` the database is compared *before* the refused
        transaction is rolled back: the refusal happened before anything was
        written. Without it, only after the rollback (errors raised by
        constraints, which Odoo checks after writing).
        """
        before = self.db_snapshot(cards)
        savepoint = self.env.cr.savepoint()
        try:
            with unittest.TestCase.assertRaises(self, exception) as catcher:
                yield catcher
                self.env.flush_all()  # what is only in the cache fails here
            if message:
                self.assertIn(message, str(catcher.exception))
            if strict:
                self.assertEqual(
                    self.db_snapshot(cards), before, "The refused operation wrote something."
                )
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()
        self.assertEqual(self.db_snapshot(cards), before)

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
