"""Journal entries of the stored value: a liability until consumed."""

from odoo import Command
from odoo.tests import tagged

from .accounting_common import MemberAccountingCase, money, new_key


@tagged("post_install", "-at_install")
class TestWalletAccounting(MemberAccountingCase):
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
        self.assertFalse(move.sudo().account_move_ids)
        self.assertEqual(card.sudo().wallet_id.balance, 100)
        settings = self.env["res.config.settings"].with_company(no_books).create({})
        self.assertTrue(settings.member_accounting_warning)

    # ------------------------------------------------------------------
    # Entries, operation by operation
    # ------------------------------------------------------------------

    def test_entries_of_each_operation(self):
        card = self.make_card()
        bank = self.bank_journal.default_account_id
        cash = self.cash_journal.default_account_id

        # top-up 1000 by bank in store A: the rule gives 100 (cashier: no accounting rights)
        topup = self.topup(card, 1000, journal=self.bank_journal, bonus=None)
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
        self.assertEqual(entry.member_wallet_move_id, topup)

        # consumption of 300 in store B (from principal, bonus last)
        consumption = self.consume(card, 300, store=self.store_b, user=self.cashier_b)
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
        self.assertEntry(
            self.entry_of(plus),
            self.store_a,
            {
                self.adjustment_account: 50,
                self.liability: -50,
            },
        )
        minus = self.adjust(card, "bonus", "-20")
        self.assertEntry(
            self.entry_of(minus),
            self.store_a,
            {
                self.liability: 20,
                self.adjustment_account: -20,
            },
        )

        # reversals reverse the entry of the reversed posting, in its own books
        reversal = self.reverse(consumption, user=self.manager_b)
        reversed_entry = self.entry_of(reversal)
        self.assertEqual(reversed_entry.reversed_entry_id, self.entry_of(consumption))
        self.assertEntry(
            reversed_entry,
            self.store_b,
            {
                self.liability: -300,
                self.income_account: 300,
            },
        )
        undo_refund = self.reverse(withdrawal)
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
        again, _answer = wallet._topup(100, key=key, card=card, company=self.store_a, bonus=0)
        self.assertEqual(first, again)
        self.assertEqual(len(first.sudo().account_move_ids), 1)
        first._post_accounting()  # safe to call again
        self.assertEqual(len(first.sudo().account_move_ids), 1)
        self.assertEqual(self.account_balance(self.liability), -money(100))

    def test_pos_postings_book_nothing_here(self):
        card = self.make_card()
        self.topup(card, 200)
        sale = self.consume(card, 80, source=self.pos_order())
        self.assertEqual(sale.res_model, "pos.order")
        self.assertFalse(sale.sudo().account_move_ids, "the POS session books the sale")
        self.assertEqual(self.account_balance(self.liability), -money(200))

    def test_points_only_postings_book_nothing(self):
        card = self.make_card()
        move = self.adjust(card, "points", "30")
        self.assertFalse(move.sudo().account_move_ids)

    def test_top_up_is_not_revenue_and_carries_no_tax(self):
        # even when the income account carries a default tax
        self.income_account.tax_ids = [Command.set(self.tax_sale_a.ids)]
        self.liability.tax_ids = [Command.set(self.tax_sale_a.ids)]
        card = self.make_card()
        topup = self.topup(card, 500)
        consumption = self.consume(card, 100)
        for move in (topup, consumption):
            entry = self.entry_of(move)
            self.assertFalse(entry.line_ids.tax_ids)
            self.assertFalse(entry.line_ids.filtered("tax_line_id"))
        self.assertEqual(self.account_balance(self.income_account), -money(100))

    def test_deferred_mode_books_the_same_entries_later(self):
        Param = self.env["ir.config_parameter"].sudo()
        Param.set_param("member_wallet.accounting_mode", "deferred")
        Move = self.env["member.wallet.move"]
        Move._cron_book_entries()  # what was there before is not our business
        card = self.make_card()
        topup = self.topup(card, 500, journal=self.bank_journal)
        consumption = self.consume(card, 200, store=self.store_b, user=self.cashier_b)
        reversal = self.reverse(consumption, user=self.manager_b)
        spend_a = self.consume(card, 100)
        self.assertFalse((topup | consumption | reversal | spend_a).sudo().account_move_ids)
        self.assertEqual(self.account_balance(self.liability), 0)
        # too recent: the transactions of lower ids may still be running
        self.assertEqual(Move._cron_book_entries(), 0)

        def age(moves, hours):
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE member_wallet_move SET create_date = create_date - %s * interval '1 hour', "
                "date = date - %s * interval '1 hour' WHERE id IN %s",
                [hours, hours, tuple(moves.ids)],
            )
            moves.invalidate_recordset()

        age(topup | consumption | reversal | spend_a, 30)
        # a posting that cannot be booked stops the cron there, and is taken up again
        self.store_a.member_liability_account_id = False
        self.region.member_liability_account_id = False
        self.head_office.member_liability_account_id = False
        with self.assertLogs(
            "odoo.addons.member_wallet.models.member_wallet_accounting", "WARNING"
        ):
            self.assertEqual(Move._cron_book_entries(), 0)
        self.head_office.member_liability_account_id = self.liability
        self.assertEqual(Move._cron_book_entries(), 4)
        self.assertEqual(Move._cron_book_entries(), 0, "booked once")
        bank = self.bank_journal.default_account_id
        self.assertEntry(self.entry_of(topup), self.store_a, {bank: 500, self.liability: -500})
        self.assertEqual(self.entry_of(topup).date, topup._member_entry_date(self.store_a))
        self.assertEqual(self.entry_of(reversal).reversed_entry_id, self.entry_of(consumption))
        self.assertEqual(self.account_balance(self.liability), -money(400))
        self.assertEqual(self.account_balance(self.liability), -self.wallets_total(card))

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
class TestWalletAccountingChinaLarge(MemberAccountingCase):
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
        card = self.make_card()
        topup = self.topup(card, 1000, journal=self.bank_journal, bonus=100)
        self.assertEntry(
            self.entry_of(topup),
            self.store_a,
            {
                self.bank_journal.default_account_id: 1000,
                self.bonus_account: 100,
                self.liability: -1100,
            },
        )
        consumption = self.consume(card, 300, store=self.store_b, user=self.cashier_b)
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
class TestWalletAccountingChinaSmall(MemberAccountingCase):
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
        self.assertEqual(self.account_balance(self.liability), -money(380))
