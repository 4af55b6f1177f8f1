"""Cross-store settlement: value topped up in one store and used in another.
The lines are recorded by the booking run, for each posting it takes."""

from decimal import Decimal
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL

from ..tools import settlement as settlement_tools
from .booking_common import BookingCase, money, new_key


@tagged("post_install", "-at_install")
class TestSettlement(BookingCase):
    def open_lines(self, card=None):
        self.book()
        domain = [("state", "=", "open")]
        if card:
            domain.append(("wallet_id", "=", card.sudo().wallet_id.id))
        return self.env["member.settlement.line"].sudo().search(domain)

    def settle(self, lines=None, user=None):
        env = self.env_as(user or self.head_office_user, self.head_office)
        if lines is None:
            settlement = env["member.settlement"].create({})
            settlement.action_settle()
            return settlement
        return env["member.settlement.line"].browse(lines.ids).action_settle()

    def held_per_store(self, card):
        """What each store's books should hold for ``card`` once settled."""
        wallet = card.sudo().wallet_id
        events = self.env["member.settlement.line"]._wallet_events(wallet.move_ids.ids)
        return settlement_tools.held_by_store(events[wallet.id][1] if events else [])

    # ------------------------------------------------------------------

    def test_worked_example_settled_once(self):
        # 300 topped up in A, 100 in B, 350 spent in B
        card = self.make_card()
        topup_a = self.topup(card, 300)
        self.topup(card, 100, store=self.store_b, user=self.cashier_b)
        spend = self.consume(card, 350, store=self.store_b, user=self.cashier_b)

        line = self.open_lines(card)
        self.assertEqual(len(line), 1, "the next 50 came from B's own top-up: nothing owed")
        self.assertEqual(
            (
                line.from_company_id,
                line.to_company_id,
                money(line.amount),
                line.move_id,
                line.source_move_id,
                line.kind,
            ),
            (self.store_a, self.store_b, money(300), spend, topup_a, "consumption"),
        )
        self.assertEqual(spend.sudo().settlement_line_ids, line)

        # before settlement: A's books hold 300, B's are 250 below zero
        self.assertEqual(self.account_balance(self.liability, self.store_a), -money(300))
        self.assertEqual(self.account_balance(self.liability, self.store_b), money(250))

        settlement = self.settle()
        self.assertEqual(settlement.state, "done")
        self.assertEqual(settlement.line_ids, line)
        self.assertEqual(line.state, "settled")
        entries = settlement.sudo().account_move_ids
        self.assertEqual(len(entries), 2)
        entry_a = entries.filtered(lambda e: e.company_id == self.store_a)
        entry_b = entries.filtered(lambda e: e.company_id == self.store_b)
        due_to, due_from = (
            self.head_office.member_due_to_account_id,
            self.head_office.member_due_from_account_id,
        )
        self.assertEntry(entry_a, self.store_a, {self.liability: 300, due_to: -300})
        self.assertEntry(entry_b, self.store_b, {due_from: 300, self.liability: -300})
        self.assertEqual(entry_a.line_ids.partner_id, self.store_b.partner_id)
        self.assertEqual(entry_b.line_ids.partner_id, self.store_a.partner_id)
        self.assertEqual(entry_a.journal_id, self.head_office.member_settlement_journal_id)

        # each store's books now hold the value still on the card from its own top-ups
        self.assertEqual(self.held_per_store(card), {self.store_b.id: Decimal("50.00")})
        self.assertEqual(self.account_balance(self.liability, self.store_a), money(0))
        self.assertEqual(self.account_balance(self.liability, self.store_b), -money(50))
        self.assertEqual(self.account_balance(self.liability), -self.wallets_total(card))
        # in the common books, due to / due from cancel out
        self.assertEqual(self.account_balance(due_to) + self.account_balance(due_from), 0)

        # settling again posts nothing
        count = (
            self.env["account.move"].sudo().search_count([("member_settlement_id", "!=", False)])
        )
        again = self.settle()
        self.assertEqual(again.state, "draft")
        self.assertFalse(again.line_ids)
        self.settle(line)
        settlement.with_env(self.env_as(self.head_office_user, self.head_office)).action_settle()
        self.assertEqual(
            self.env["account.move"].sudo().search_count([("member_settlement_id", "!=", False)]),
            count,
        )
        self.assertEqual(line.settlement_id, settlement)

    def test_same_store_and_replay_record_nothing_more(self):
        card = self.make_card()
        self.topup(card, 100)
        self.consume(card, 60)
        self.assertFalse(self.open_lines(card), "spent where topped up")
        card_b, wallet = self.wallet(card, self.cashier_b, self.store_b)
        key = new_key()
        wallet._consume(30, key=key, card=card_b, company=self.store_b)
        wallet._consume(30, key=key, card=card_b, company=self.store_b)
        self.assertEqual(money(sum(self.open_lines(card).mapped("amount"))), money(30))

    def test_fifo_across_top_ups_refunds_and_reversals(self):
        card = self.make_card()
        topup_a = self.topup(card, 100)
        topup_b = self.topup(card, 50, store=self.store_b, user=self.cashier_b)
        spend_b = self.consume(card, 120, store=self.store_b, user=self.cashier_b)
        self.book()
        # A owes B 100 (A's top-up), the other 20 were B's own
        self.assertEqual(
            [
                (sl.from_company_id, sl.to_company_id, money(sl.amount), sl.source_move_id)
                for sl in spend_b.sudo().settlement_line_ids
            ],
            [(self.store_a, self.store_b, money(100), topup_a)],
        )
        # the spend is reversed in B: B's books take the 120 back, a lot of B's
        self.reverse(spend_b, user=self.manager_b)
        # a refund in A of value now held by B: B owes A
        refund = self.withdraw(card, 130)
        self.book()
        lines = refund.sudo().settlement_line_ids
        self.assertEqual(
            sorted(
                (sl.from_company_id.id, sl.to_company_id.id, money(sl.amount), sl.source_move_id.id)
                for sl in lines
            ),
            [
                (self.store_b.id, self.store_a.id, money(30), topup_b.id),
                (self.store_b.id, self.store_a.id, money(100), spend_b.reversal_move_ids.id),
            ],
        )
        self.assertEqual(lines.mapped("kind"), ["withdrawal"] * 2)
        self.settle()
        expected = self.held_per_store(card)
        for store in (self.store_a, self.store_b):
            self.assertEqual(
                self.account_balance(self.liability, store),
                -expected.get(store.id, money(0)),
                store.name,
            )
        self.assertEqual(self.account_balance(self.liability), -self.wallets_total(card))

    def test_spend_booked_by_another_addon_is_settled_too(self):
        Move = type(self.env["member.wallet.move"])
        excluded = Move._member_booking_excluded_sql
        card = self.make_card()
        self.topup(card, 80)
        sale = self.consume(card, 80, store=self.store_b, user=self.cashier_b)
        with patch.object(
            Move,
            "_member_booking_excluded_sql",
            lambda self: SQL("(%s) OR m.id = %s", excluded(self), sale.id),
        ):
            self.book()
        self.assertFalse(sale.sudo().booking_id.account_move_id)
        self.assertEqual(money(sale.sudo().settlement_line_ids.amount), money(80))

    def test_rights_and_visibility(self):
        card = self.make_card()
        self.topup(card, 40)
        self.consume(card, 40, store=self.store_b, user=self.cashier_b)
        line = self.open_lines(card)
        store_c = self.env["res.company"].create(
            {
                "name": "MWA Store C",
                "parent_id": self.head_office.id,
                "member_store_code": "MWA-C",
            }
        )
        manager_c = self.env["res.users"].create(
            {
                "name": "MWA Manager C",
                "login": "mwa_manager_c",
                "group_ids": [Command.link(self.env.ref("member_base.group_member_manager").id)],
                "company_id": store_c.id,
                "company_ids": [Command.set(store_c.ids)],
            }
        )
        Line = "member.settlement.line"
        self.assertEqual(
            self.env_as(self.manager_a, self.store_a)[Line].search([("id", "=", line.id)]), line
        )
        self.assertEqual(
            self.env_as(self.manager_b, self.store_b)[Line].search([("id", "=", line.id)]), line
        )
        self.assertFalse(self.env_as(manager_c, store_c)[Line].search([("id", "=", line.id)]))
        with self.assertRaises(AccessError):
            self.env_as(self.cashier_a, self.store_a)[Line].search([])
        with self.assertRaises(AccessError):
            self.settle(line, user=self.manager_a)
        with self.assertRaises(UserError):
            line.with_env(self.env_as(self.head_office_user, self.head_office)).write(
                {"state": "settled"}
            )
        self.assertEqual(line.state, "open")


@tagged("post_install", "-at_install")
class TestSettlementSeparateCompanies(BookingCase):
    """A store that is a company of its own (its own chart, no common root)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.setup_other_company(name="MWA Franchise")["company"]
        cls.other.member_store_code = "MWA-F"
        cls.head_office_user.company_ids = [Command.link(cls.other.id)]
        cls.cashier_f = cls.env["res.users"].create(
            {
                "name": "MWA Cashier F",
                "login": "mwa_cashier_f",
                "group_ids": [Command.link(cls.env.ref("member_base.group_member_cashier").id)],
                "company_id": cls.other.id,
                "company_ids": [Command.set(cls.other.ids)],
            }
        )

    def test_inter_company_entries_in_each_books(self):
        self.assertFalse(self.other.parent_id)
        other_liability = self.other.member_liability_account_id
        self.assertTrue(other_liability)
        self.assertNotEqual(other_liability, self.liability, "each company its own chart")

        card = self.make_card()
        self.topup(card, 200)
        spend = self.consume(card, 150, store=self.other, user=self.cashier_f)
        self.book(companies=self.chain | self.other)
        self.assertEntry(
            self.entry_of(spend),
            self.other,
            {
                other_liability: 150,
                self.other._member_account("member_income_account_id"): -150,
            },
        )
        line = spend.sudo().settlement_line_ids
        self.assertEqual(
            (line.from_company_id, line.to_company_id, money(line.amount)),
            (self.store_a, self.other, money(150)),
        )

        settlement = self.env_as(self.head_office_user, self.head_office)[
            "member.settlement"
        ].create({})
        settlement.action_settle()
        entries = settlement.sudo().account_move_ids
        mine = entries.filtered(lambda e: e.company_id == self.store_a)
        theirs = entries.filtered(lambda e: e.company_id == self.other)
        self.assertEntry(
            mine,
            self.store_a,
            {
                self.liability: 150,
                self.head_office.member_due_to_account_id: -150,
            },
        )
        self.assertEntry(
            theirs,
            self.other,
            {
                self.other.member_due_from_account_id: 150,
                other_liability: -150,
            },
        )
        self.assertEqual(mine.line_ids.partner_id, self.other.partner_id)
        self.assertEqual(theirs.line_ids.partner_id, self.store_a.partner_id)
        # each company's liability is what it still owes the card's holder
        self.assertEqual(self.account_balance(self.liability), -money(50))
        self.assertEqual(self.account_balance(other_liability, self.other), money(0))
