"""Fixture of the accounting, settlement and opening-import tests: a company
with a chart of accounts (Odoo's generic chart, through
``AccountTestInvoicingCommon``), two stores that are its branches, and
users of each role working in them."""

import itertools
import random
import uuid
from decimal import Decimal
from types import SimpleNamespace

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

CENT = Decimal("0.01")
_numbers = itertools.count(random.randrange(10_000_000, 89_999_999))


def new_key(prefix="mwa"):
    return f"{prefix}-{uuid.uuid4().hex}"


def money(value):
    return Decimal(str(value or 0)).quantize(CENT)


class MemberAccountingCase(AccountTestInvoicingCommon):
    """Root company (generic chart) → store A and store B (branches sharing
    its books). Users: cashier_a, manager_a (store A), cashier_b, manager_b
    (store B), head_office (every company)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.env.user.group_ids = [Command.link(cls.env.ref("member_base.group_member_admin").id)]
        cls.env["member.topup.rule"].search([]).write({"active": False})
        Param = cls.env["ir.config_parameter"].sudo()
        Param.set_param("member_wallet.bonus_policy", "last")
        Param.set_param("member_wallet.max_amount", "100000")

        cls.root = cls.company_data["company"]
        cls.root.write(
            {
                "member_store_code": "MWA-HO",
                "child_ids": [
                    Command.create({"name": "MWA Store A", "member_store_code": "MWA-A"}),
                    Command.create({"name": "MWA Store B", "member_store_code": "MWA-B"}),
                ],
            }
        )
        cls.cr.precommit.run()  # loads the chart on the branches
        cls.store_a = cls.root.child_ids.filtered(lambda c: c.member_store_code == "MWA-A")
        cls.store_b = cls.root.child_ids.filtered(lambda c: c.member_store_code == "MWA-B")
        cls.chain = cls.root | cls.store_a | cls.store_b

        def user(login, group, companies):
            return new_test_user(
                cls.env,
                login=login,
                groups=f"member_base.{group}",
                company_id=companies[0].id,
                company_ids=[Command.set(companies.ids)],
                tz="Asia/Shanghai",
            )

        cls.cashier_a = user("mwa_cashier_a", "group_member_cashier", cls.store_a)
        cls.manager_a = user("mwa_manager_a", "group_member_manager", cls.store_a)
        cls.cashier_b = user("mwa_cashier_b", "group_member_cashier", cls.store_b)
        cls.manager_b = user("mwa_manager_b", "group_member_manager", cls.store_b)
        cls.head_office = user("mwa_head_office", "group_member_head_office", cls.chain)

        cls.level = cls.env["member.level"].create({"name": "MWA Level", "sequence": 310})
        cls.card_type = cls.env["member.card.type"].create(
            {
                "name": "MWA Personal",
                "kind": "personal",
                "level_id": cls.level.id,
                "balance_ceiling": 0,
            }
        )
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.cash_journal = cls.root._member_journal("member_cash_journal_id")
        cls.liability = cls.root.member_liability_account_id
        cls.bonus_account = cls.root.member_bonus_account_id
        cls.income_account = cls.root._member_account("member_income_account_id")
        cls.adjustment_account = cls.root.member_adjustment_account_id
        cls.cards = cls.env["member.card"]

    # ------------------------------------------------------------------
    # Fixtures and operations
    # ------------------------------------------------------------------

    @classmethod
    def env_as(cls, user, company):
        allowed = [company.id] + [cid for cid in user.company_ids.ids if cid != company.id]
        return cls.env(
            user=user, su=False, context=dict(cls.env.context, allowed_company_ids=allowed)
        )

    @classmethod
    def make_card(cls, store=None, **vals):
        partner = cls.env["res.partner"].create(
            {
                "name": f"MWA Member {next(_numbers)}",
                "is_member": True,
                "member_level_id": cls.level.id,
            }
        )
        # a card put directly in its state (fixture shortcut, as superuser)
        card = (
            cls.env["member.card"]
            .sudo()
            .create(
                {
                    "name": f"MWA{next(_numbers):09d}",
                    "type_id": cls.card_type.id,
                    "partner_id": partner.id,
                    "issue_company_id": (store or cls.store_a).id,
                    "state": "active",
                    **vals,
                }
            )
        )
        card = card.sudo(False)
        cls.cards |= card
        return card

    def wallet(self, card, user, store):
        card = card.with_env(self.env_as(user, store))
        return card, card._get_wallet()

    def topup(self, card, amount, store=None, user=None, journal=None, bonus=0):
        store = store or self.store_a
        card, wallet = self.wallet(card, user or self.cashier_a, store)
        return wallet._topup(
            amount, key=new_key(), card=card, company=store, journal=journal, bonus=bonus
        )[0]

    def consume(self, card, amount, store=None, user=None, source=None):
        store = store or self.store_a
        card, wallet = self.wallet(card, user or self.cashier_a, store)
        return wallet._consume(amount, key=new_key(), card=card, company=store, source=source)[0]

    def withdraw(self, card, amount, store=None, user=None, journal=None):
        store = store or self.store_a
        _card, wallet = self.wallet(card, user or self.manager_a, store)
        return wallet._withdraw(
            amount, key=new_key(), company=store, note="Member moves away", journal=journal
        )[0]

    def adjust(self, card, asset, amount, store=None, user=None):
        store = store or self.store_a
        _card, wallet = self.wallet(card, user or self.manager_a, store)
        return wallet._adjust(asset, amount, "Counting error", key=new_key(), company=store)[0]

    def reverse(self, move, user=None, store=None):
        store = store or move.company_id
        env = self.env_as(user or self.manager_a, store)
        return env["member.wallet.move"].browse(move.id)._reverse("Wrong card", key=new_key())[0]

    @staticmethod
    def pos_order():
        """Stands for a POS order (point_of_sale is not installed here)."""
        return SimpleNamespace(_name="pos.order", id=1)

    # ------------------------------------------------------------------
    # Reading the books
    # ------------------------------------------------------------------

    def entry_of(self, move):
        entries = move.sudo().account_move_ids
        self.assertEqual(len(entries), 1, f"one entry for {move.display_ref}")
        return entries

    def assertEntry(self, entry, company, expected):
        """``entry`` is posted in ``company``'s books, balanced, without
        taxes, and its lines are ``expected``: ``{account: balance}``
        (positive for a debit), summed per account."""
        self.assertEqual(entry.state, "posted")
        self.assertEqual(entry.company_id, company)
        self.assertEqual(entry.move_type, "entry")
        self.assertFalse(entry.line_ids.tax_ids, "no tax on stored value")
        self.assertFalse(entry.line_ids.filtered("tax_line_id"), "no tax line")
        self.assertEqual(money(sum(entry.line_ids.mapped("balance"))), 0, "balanced")
        actual = {}
        for line in entry.line_ids:
            actual[line.account_id] = actual.get(line.account_id, Decimal(0)) + money(line.balance)
        self.assertEqual(
            {account.id: amount for account, amount in actual.items() if amount},
            {account.id: money(amount) for account, amount in expected.items() if amount},
        )

    def account_balance(self, account, companies=None):
        """Balance (debit − credit) of ``account`` in the posted entries of
        ``companies`` (default: the chain)."""
        self.env.flush_all()
        lines = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("account_id", "=", account.id),
                    ("parent_state", "=", "posted"),
                    ("company_id", "in", (companies or self.chain).ids),
                ]
            )
        )
        return money(sum(lines.mapped("balance")))

    def wallets_total(self, cards=None):
        # cards of the tests rolled back before are gone
        wallets = (cards or self.cards).sudo().exists().mapped("wallet_id")
        wallets.invalidate_recordset()
        return money(sum(wallets.mapped("balance")))
