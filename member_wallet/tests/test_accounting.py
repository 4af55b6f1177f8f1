"""Journal entries of the stored value: a liability until consumed. The
entries of each operation are checked one posting per entry (granularity
"per posting"); the default, per store and day, is tested in
test_booking.py."""

from odoo import Command
from odoo.tests import tagged

from .booking_common import BookingCase, money, new_key


@tagged("post_install", "-at_install")
class TestWalletAccounting(BookingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.env["member.topup.rule"].create(
            {
                "name": "MWA pay 1000 get 100",
                "min_amount": 1000,
                "bonus_amount": 100,
            }
        )

    # ------------------------------------------------------------------
    # Configuration
    # ------------------------------------------------------------------

    def test_defaults_on_the_chart_and_branches(self):
        root = self.head_office
        self.assertEqual(self.liability.account_type, "liability_current")
        self.assertEqual(
            self.liability.code, "2203", "a member stored value account, code 2203 if free"
        )
        self.assertTrue(root.member_bonus_account_id)
        self.assertTrue(root.member_adjustment_account_id)
        self.assertEqual(root.member_due_from_account_id.account_type, "asset_current")
        self.assertEqual(root.member_due_to_account_id.account_type, "liability_current")
        self.assertEqual(root.member_journal_id.type, "general")
        self.assertEqual(root.member_settlement_journal_id.type, "general")
        self.assertIn(root.member_cash_journal_id.type, ("cash", "bank"))
        self.assertFalse(root.member_accounting_warning)
        # branches share the root's accounts; an empty field falls back on the parent
        self.assertEqual(self.store_a.member_liability_account_id, self.liability)
        self.store_a.member_liability_account_id = False
        self.assertEqual(
            self.store_a._member_account("member_liability_account_id"), self.liability
        )
        # the settings edit the current company's accounts
        settings = self.env["res.config.settings"].with_company(self.store_b).create({})
        self.assertEqual(settings.member_liability_account_id, self.liability)
        self.assertFalse(settings.member_accounting_warning)
        # installing again keeps what was set
        other = self.liability.copy({"code": "220399"})
        root.member_liability_account_id = other
        self.env["res.company"]._member_wallet_install_accounting()
        self.assertEqual(root.member_liability_account_id, other)

    def test_company_without_chart_books_nothing(self):
        no_books = self.env["res.company"].create(
            {"name": "MWA No Books", "member_store_code": "MWA-NB"}
        )
        self.assertFalse(no_books._member_has_chart())
        self.assertIn("no chart of accounts", no_books.member_accounting_warning)
        self.head_office_user.company_ids = [Command.link(no_books.id)]
        card = self.make_card(store=no_books)
        move = self.topup(card, 100, store=no_books, user=self.head_office_user)
        run = self.book(companies=self.chain | no_books)
        self.assertEqual(move.sudo().booking_id, run.bookings, "taken by the run")
        self.assertFalse(run.bookings.account_move_id, "but no entry")
        self.assertEqual(card.sudo().wallet_id.balance, 100)
        # all of it counts as not booked: nothing is missing from books it does not keep
        row = (
            self.env["member.wallet.liability.report"]
            .sudo()
            .search([("company_id", "=", no_books.id)])
        )
        figures = (row.gl_amount, row.unbooked_amount, row.difference)
        self.assertFalse(row.has_books)
        self.assertEqual(tuple(money(f) for f in figures), (money(0), money(100), money(0)))
        settings = self.env["res.config.settings"].with_company(no_books).create({})
        self.assertTrue(settings.member_accounting_warning)

    # ------------------------------------------------------------------
    # Entries, operation by operation
    # ------------------------------------------------------------------

    def test_entries_of_each_operation(self):
        self.set_granularity("posting")
        card = self.make_card()
        bank = self.bank_journal.default_account_id

        # top-up 1000 by bank in store A: the rule gives 100 (cashier: no accounting rights)
        topup = self.topup(card, 1000, journal=self.bank_journal, bonus=None)
        self.book()
        entry = self.entry_of(topup)
        self.assertEntry(
            entry,
            self.store_a,
            {
                bank: 1000,
                self.bonus_account: 100,
                self.liability: -1100,
            },
        )
        self.assertEqual(entry.journal_id, self.head_office.member_journal_id)
        self.assertEqual(entry.line_ids.partner_id, card.partner_id)
        self.assertEqual(entry.ref, topup.display_ref)

        # consumption of 300 in store B (from principal, bonus last)
        consumption = self.consume(card, 300, store=self.store_b, user=self.cashier_b)
        self.book()
        self.assertEntry(
            self.entry_of(consumption),
            self.store_b,
            {
                self.liability: 300,
                self.income_account: -300,
            },
        )

        # refund of 200 in store A (default cash journal): 100 × 200 / 700 of bonus clawed back
        withdrawal = self.withdraw(card, 200)
        self.book()
        cash = self.payment_account(withdrawal)
        self.assertEntry(
            self.entry_of(withdrawal),
            self.store_a,
            {
                self.liability: "228.57",
                cash: -200,
                self.bonus_account: "-28.57",
            },
        )

        # adjustments, both ways
        plus = self.adjust(card, "principal", "50")
        minus = self.adjust(card, "bonus", "-20")
        self.book()
        self.assertEntry(
            self.entry_of(plus),
            self.store_a,
            {
                self.adjustment_account: 50,
                self.liability: -50,
            },
        )
        self.assertEntry(
            self.entry_of(minus),
            self.store_a,
            {
                self.liability: 20,
                self.adjustment_account: -20,
            },
        )

        # a reversal is booked as a posting of its own, in the reversed posting's
        # books, on the reversed lines' accounts the other way round
        reversal = self.reverse(consumption, user=self.manager_b)
        undo_refund = self.reverse(withdrawal)
        self.book()
        self.assertEntry(
            self.entry_of(reversal),
            self.store_b,
            {
                self.liability: -300,
                self.income_account: 300,
            },
        )
        self.assertEntry(
            self.entry_of(undo_refund),
            self.store_a,
            {
                self.liability: "-228.57",
                cash: 200,
                self.bonus_account: "28.57",
            },
        )

        # the liability is what the card holds: 1050 paid-in + 80 bonus
        wallet = card.sudo().wallet_id
        wallet.invalidate_recordset()
        self.assertEqual((money(wallet.principal), money(wallet.bonus)), (money(1050), money(80)))
        self.assertEqual(self.account_balance(self.liability), -money(1130))

        # a refund paid out by bank credits the bank journal, not the cash
        by_bank = self.withdraw(card, 105, journal=self.bank_journal)
        self.assertEqual(by_bank.journal_id, self.bank_journal)
        self.book()
        self.assertEntry(
            self.entry_of(by_bank),
            self.store_a,
            {
                self.liability: 113,
                bank: -105,
                self.bonus_account: -8,
            },
        )

    def test_replayed_key_books_once(self):
        card = self.make_card()
        card, wallet = self.wallet(card, self.cashier_a, self.store_a)
        key = new_key()
        first, _answer = wallet._topup(100, key=key, card=card, company=self.store_a, bonus=0)
        self.book()
        again, _answer = wallet._topup(100, key=key, card=card, company=self.store_a, bonus=0)
        self.assertEqual(first, again)
        self.assertFalse(self.book().booked_ids, "booked once")
        self.assertEqual(len(self.entry_of(first).line_ids), 2)
        self.assertEqual(self.account_balance(self.liability), -money(100))

    def test_points_only_postings_book_nothing(self):
        card = self.make_card()
        move = self.adjust(card, "points", "30")
        self.assertFalse(self.book().selected)
        self.assertFalse(move.sudo().booking_id)

    def test_top_up_is_not_revenue_and_carries_no_tax(self):
        # even when the income account carries a default tax
        self.income_account.tax_ids = [Command.set(self.tax_sale_a.ids)]
        self.liability.tax_ids = [Command.set(self.tax_sale_a.ids)]
        card = self.make_card()
        topup = self.topup(card, 500)
        consumption = self.consume(card, 100)
        self.book()
        for move in (topup, consumption):
            entry = self.entry_of(move)
            self.assertFalse(entry.line_ids.tax_ids)
            self.assertFalse(entry.line_ids.filtered("tax_line_id"))
        self.assertEqual(self.account_balance(self.income_account), -money(100))

    # ------------------------------------------------------------------
    # The liability is the sum of the wallets
    # ------------------------------------------------------------------

    def test_liability_equals_wallet_balances_across_two_stores(self):
        first, second, third = (
            self.make_card(),
            self.make_card(store=self.store_b),
            self.make_card(),
        )
        self.topup(first, 1000, journal=self.bank_journal, bonus=None)  # + 100 bonus
        self.topup(second, 500, store=self.store_b, user=self.cashier_b)
        self.topup(third, "88.88", store=self.store_b, user=self.cashier_b)
        self.consume(first, "250.50", store=self.store_b, user=self.cashier_b)
        self.consume(second, 120)
        self.consume(first, 800)  # the 749.50 paid-in left, then 50.50 of bonus
        self.consume(second, "379.99", store=self.store_b, user=self.cashier_b)
        self.withdraw(third, "0.89", store=self.store_b, user=self.manager_b)
        self.adjust(second, "principal", "10")
        last = self.consume(third, 50, store=self.store_b, user=self.cashier_b)
        self.reverse(last, user=self.manager_b)
        self.book()
        total = self.wallets_total()
        self.assertEqual(
            total,
            money("1000")
            + 100
            + 500
            + money("88.88")
            - money("250.50")
            - 120
            - 800
            - money("379.99")
            - money("0.89")
            + 10,
        )
        self.assertEqual(self.account_balance(self.liability), -total)
        # per store, before settlement, the liability moved with the operations
        per_store = sum(
            (self.account_balance(self.liability, store) for store in (self.store_a, self.store_b)),
            money(0),
        )
        self.assertEqual(per_store, -total)


@tagged("post_install", "-at_install")
class TestWalletAccountingChinaLarge(BookingCase):
    """企业会计准则 (l10n_cn, large enterprises): 2204 合同负债. Skipped
    when l10n_cn is not installed."""

    chart_template = "cn_large_bis"

    def test_chart_accounts(self):
        self.assertEqual(self.liability.code, "2204")
        self.assertEqual(self.bonus_account.code, "6601.02")
        self.assertEqual(self.adjustment_account.code, "6711")
        self.assertEqual(self.income_account.code, "6001")
        self.assertEqual(self.head_office.member_due_from_account_id.code, "1221")
        self.assertEqual(self.head_office.member_due_to_account_id.code, "2241")
        self.set_granularity("posting")
        card = self.make_card()
        topup = self.topup(card, 1000, journal=self.bank_journal, bonus=100)
        consumption = self.consume(card, 300, store=self.store_b, user=self.cashier_b)
        self.book()
        self.assertEntry(
            self.entry_of(topup),
            self.store_a,
            {
                self.bank_journal.default_account_id: 1000,
                self.bonus_account: 100,
                self.liability: -1100,
            },
        )
        self.assertEntry(
            self.entry_of(consumption),
            self.store_b,
            {
                self.liability: 300,
                self.income_account: -300,
            },
        )
        self.assertEqual(self.account_balance(self.liability), -money(800))


@tagged("post_install", "-at_install")
class TestWalletAccountingChinaSmall(BookingCase):
    """小企业会计准则 (l10n_cn, small businesses): 2203 预收账款."""

    chart_template = "cn"

    def test_chart_accounts(self):
        self.assertEqual(self.liability.code, "2203")
        self.assertEqual(self.bonus_account.code, "5601.02")
        self.assertEqual(self.adjustment_account.code, "5711")
        self.assertEqual(self.income_account.code, "5001")
        card = self.make_card()
        self.topup(card, 500)
        self.consume(card, 120)
        self.book()
        self.assertEqual(self.account_balance(self.liability), -money(380))
