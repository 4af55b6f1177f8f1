"""Fixture of the accounting, settlement and opening-import tests:
member_base's test chain (``odoo.addons.member_base.tests.common``) under a
head office with a chart of accounts (Odoo's generic chart, through
``AccountTestInvoicingCommon``); the region and the stores are its branches
and share its books."""

from collections import defaultdict
from decimal import Decimal

from odoo import Command

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.member_base.tests.common import (  # noqa: F401 - shared with the tests
    MemberChainMixin,
    money,
    new_key,
)


class MemberAccountingCase(MemberChainMixin, AccountTestInvoicingCommon):
    """The chain of member_base's tests, its head office being the company of
    ``AccountTestInvoicingCommon`` with its chart of accounts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the test user of AccountTestInvoicingCommon builds the chain
        cls.env.user.group_ids = [Command.link(cls.env.ref("member_base.group_member_admin").id)]
        cls._setup_member_chain(head_office=cls.company_data["company"])
        cls.cr.precommit.run()  # loads the chart on the branches
        cls.env["member.topup.rule"].search([]).write({"active": False})
        Param = cls.env["ir.config_parameter"].sudo()
        Param.set_param("member_wallet.bonus_policy", "last")
        Param.set_param("member_wallet.max_amount", "100000")

        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.cash_journal = cls.head_office._member_journal("member_cash_journal_id")
        cls.liability = cls.head_office.member_liability_account_id
        cls.bonus_account = cls.head_office.member_bonus_account_id
        cls.income_account = cls.head_office._member_account("member_income_account_id")
        cls.adjustment_account = cls.head_office.member_adjustment_account_id
        cls.cards = cls.env["member.card"]

    # ------------------------------------------------------------------
    # Fixtures and operations
    # ------------------------------------------------------------------

    @classmethod
    def make_card(
        cls, card_type=None, partner=None, state="active", parent=None, store=None, **vals
    ):
        """member_base's card, remembered for :meth:`wallets_total`."""
        card = super().make_card(card_type, partner, state, parent, store, **vals).sudo(False)
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

    # ------------------------------------------------------------------
    # Reading the books
    # ------------------------------------------------------------------

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
        actual = defaultdict(Decimal)
        for line in entry.line_ids:
            actual[line.account_id.id] += money(line.balance)
        self.assertEqual(
            {account: amount for account, amount in actual.items() if amount},
            {account.id: money(amount) for account, amount in expected.items() if money(amount)},
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
