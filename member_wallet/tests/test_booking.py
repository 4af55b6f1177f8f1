"""Stored value booked in the general ledger per store and day, by a run of
its own: the books agree with the ledgers at any moment (invariant 8)."""

import datetime
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL

from .booking_common import BookingCase, money


def at(moves, utc):
    """Put postings at the moment ``utc`` (fixture shortcut: postings are
    append-only through the ORM)."""
    moves.env.flush_all()
    moves.env.cr.execute(
        "UPDATE member_wallet_move SET date = %s WHERE id = ANY(%s)", [utc, moves.ids]
    )
    moves.invalidate_recordset(["date"])


@tagged("post_install", "-at_install")
class TestBooking(BookingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["member.topup.rule"].create(
            {"name": "MWA pay 1000 get 100", "min_amount": 1000, "bonus_amount": 100}
        )
        cls.bank = cls.bank_journal.default_account_id

    def scenario(self):
        """Top-ups with bonus in A and B, consumption across stores, a
        refund, a reversal; returns the postings by name."""
        first, second = self.make_card(), self.make_card(store=self.store_b)
        moves = {}
        moves["topup_a"] = self.topup(first, 1000, journal=self.bank_journal, bonus=None)
        moves["topup_b"] = self.topup(second, 500, store=self.store_b, user=self.cashier_b)
        moves["spend_b"] = self.consume(first, 300, store=self.store_b, user=self.cashier_b)
        moves["spend_a"] = self.consume(second, 120)
        moves["refund"] = self.withdraw(first, 200)  # 100 × 200 / 700 of bonus back
        moves["adjust"] = self.adjust(second, "principal", "10")
        moves["spend_b2"] = self.consume(second, 90, store=self.store_b, user=self.cashier_b)
        moves["reversal"] = self.reverse(moves["spend_b2"], user=self.manager_b)
        return moves

    # ------------------------------------------------------------------
    # (a) GL + not yet booked = ledger, before, during and after booking
    # ------------------------------------------------------------------

    def test_books_agree_with_the_ledger_at_any_moment(self):
        moves = self.scenario()
        total = money(1000 + 100 + 500) - 300 - 120 - money("228.57") + 10
        self.assertEqual(money(moves["refund"].amount), -money("228.57"))
        self.assertEqual(self.wallets_total(), total)

        # nothing booked yet: the ledger is all "not yet booked"
        ledger, unbooked = self.assertBooksAgree()
        self.assertEqual(ledger, unbooked)
        self.assertFalse(self.postings().settlement_line_ids, "recorded by the booking run")

        # a partial run: the three oldest postings
        run = self.book(limit=3)
        self.assertEqual(
            run.booked_ids, [moves["topup_a"].id, moves["topup_b"].id, moves["spend_b"].id]
        )
        self.assertEqual(len(run.bookings), 2, "one booking per store")
        ledger, unbooked = self.assertBooksAgree()
        self.assertEqual(
            -self.account_balance(self.liability, self.store_a), money(1100), "A's top-up"
        )

        # the rest
        self.book()
        ledger, unbooked = self.assertBooksAgree()
        self.assertFalse(any(unbooked.values()))
        self.assertEqual(-self.account_balance(self.liability), total)

        # the inter-store lines were recorded by the runs, then settled by head office
        spend_b = moves["spend_b"].sudo()
        self.assertEqual(
            [
                (sl.from_company_id, sl.to_company_id, money(sl.amount))
                for sl in spend_b.settlement_line_ids
            ],
            [(self.store_a, self.store_b, money(300))],
        )
        self.env_as(self.head_office_user, self.head_office)["member.settlement"].create(
            {}
        ).action_settle()
        ledger, unbooked = self.assertBooksAgree()
        self.assertEqual(ledger[self.store_b], -self.account_balance(self.liability, self.store_b))

        # postings after the settlement, booked later: still in agreement at each step
        card = moves["topup_a"].card_id
        self.consume(card, 50, store=self.store_b, user=self.cashier_b)
        self.assertBooksAgree()
        self.book()
        self.assertBooksAgree()

    # ------------------------------------------------------------------
    # (b) one entry per store and day, one line per account and counterpart
    # ------------------------------------------------------------------

    def test_one_entry_per_store_and_local_day(self):
        self.store_b.member_tz = "Europe/London"
        card_a, card_b = self.make_card(), self.make_card(store=self.store_b)
        evening = (
            self.topup(card_a, 1000, journal=self.bank_journal, bonus=None)
            | self.topup(card_a, 1000, journal=self.bank_journal, bonus=None)
            | self.consume(card_a, 300)
            | self.consume(card_a, "99.99")
        )
        after_midnight = self.consume(card_a, "0.01") | self.topup(card_a, 500)
        in_b = self.topup(card_b, 200, store=self.store_b, user=self.cashier_b) | self.consume(
            card_b, 30, store=self.store_b, user=self.cashier_b
        )
        # 15:30 UTC is 23:30 in Shanghai and 15:30 in London; 16:30 UTC is past
        # midnight in Shanghai, still the 1st in London
        at(evening, datetime.datetime(2026, 3, 1, 15, 30))
        at(after_midnight, datetime.datetime(2026, 3, 1, 16, 30))
        at(in_b[0], datetime.datetime(2026, 3, 1, 15, 30))
        at(in_b[1], datetime.datetime(2026, 3, 1, 16, 30))

        run = self.book()
        a, b = self.store_a.id, self.store_b.id
        self.assertEqual(
            sorted((bk.company_id.id, str(bk.date), bk.posting_count) for bk in run.bookings),
            [(a, "2026-03-01", 4), (a, "2026-03-02", 2), (b, "2026-03-01", 2)],
        )
        entries = run.bookings.account_move_id
        self.assertEqual(len(entries), 3)
        self.assertEqual(
            sorted((e.company_id.id, str(e.date)) for e in entries),
            [(a, "2026-03-01"), (a, "2026-03-02"), (b, "2026-03-01")],
            "dated the store's local day",
        )
        evening_entry = self.entry_of(evening[0])
        self.assertEqual(evening_entry, self.entry_of(evening[3]), "the day's postings, one entry")
        self.assertEntry(
            evening_entry,
            self.store_a,
            {
                self.bank: 2000,
                self.bonus_account: 200,
                self.income_account: -money("399.99"),
                self.liability: -money("1800.01"),
            },
        )
        # top-ups, bonuses and consumption: a counterpart and a liability line each
        self.assertEqual(len(evening_entry.line_ids), 6, "lines per account, not per posting")
        self.assertEqual(
            sorted(evening_entry.line_ids.mapped("name")),
            sorted(["Top-up", "Top-up", "Bonus", "Bonus", "Consumption", "Consumption"]),
        )
        self.assertFalse(evening_entry.line_ids.partner_id, "no member on a day's lines")
        self.assertEqual(evening_entry.journal_id, self.head_office.member_journal_id)
        self.assertEntry(
            self.entry_of(after_midnight[0]),
            self.store_a,
            {
                self.payment_account(after_midnight[1]): 500,
                self.income_account: money("-0.01"),
                self.liability: -money("499.99"),
            },
        )
        self.assertEntry(
            self.entry_of(in_b[0]),
            self.store_b,
            {self.payment_account(in_b[0]): 200, self.income_account: -30, self.liability: -170},
        )
        self.assertBooksAgree()

    def test_a_reversal_is_booked_in_the_books_of_the_posting_it_reverses(self):
        card = self.make_card()
        self.topup(card, 100)
        spend = self.consume(card, 40, store=self.store_b, user=self.cashier_b)
        reversal = self.reverse(spend, user=self.head_office_user, store=self.store_a)
        self.assertEqual(reversal.company_id, self.store_a, "made in A")
        run = self.book()
        entry = self.entry_of(reversal)
        self.assertEqual(entry, self.entry_of(spend), "booked with B's day")
        self.assertEqual(entry.company_id, self.store_b)
        # the consumption and its reversal, each on its own lines, cancel out
        self.assertEntry(entry, self.store_b, {})
        self.assertEqual(
            sorted(entry.line_ids.mapped("name")),
            ["Consumption", "Consumption", "Reversal: Consumption", "Reversal: Consumption"],
        )
        self.assertEqual(len(run.bookings), 2)
        self.assertBooksAgree()

    # ------------------------------------------------------------------
    # (d) each posting booked once
    # ------------------------------------------------------------------

    def test_booking_twice_books_nothing_the_second_time(self):
        self.scenario()
        first = self.book()
        self.assertTrue(first.bookings)
        entries = self.env["account.move"].sudo().search_count([])
        settlement_lines = self.env["member.settlement.line"].sudo().search_count([])
        again = self.book()
        self.assertEqual((again.selected, again.booked_ids, again.bookings.ids), (0, [], []))
        self.assertEqual(self.env["account.move"].sudo().search_count([]), entries)
        self.assertEqual(
            self.env["member.settlement.line"].sudo().search_count([]), settlement_lines
        )
        self.assertBooksAgree()

    def test_a_posting_taken_by_another_run_is_not_taken_again(self):
        card = self.make_card()
        move = self.topup(card, 100)
        run = self.book()
        booking = move.sudo().booking_id
        self.assertEqual(run.bookings, booking)
        # what a concurrent run would try on a stale snapshot: refused, nothing changed
        other = (
            self.env["member.wallet.booking"]
            .sudo()
            .create({"company_id": self.store_a.id, "date": booking.date, "posting_count": 1})
        )
        with self.assertRaisesRegex(Exception, "booked by another run"):
            other._take_postings(move.ids)
        move.invalidate_recordset(["booking_id"])
        self.assertEqual(move.sudo().booking_id, booking)

    def test_a_late_posting_with_a_lower_id_is_booked_by_the_next_run(self):
        card = self.make_card()
        early = self.topup(card, 100)
        late = self.consume(card, 60, store=self.store_b, user=self.cashier_b)
        Booking = type(self.env["member.wallet.booking"])
        select = Booking._select_postings

        def early_not_committed_yet(self, *args):
            return [row for row in select(self, *args) if row[0] != early.id]

        # the first run's snapshot sees the later posting, not the earlier one
        with patch.object(Booking, "_select_postings", early_not_committed_yet):
            first = self.book()
        self.assertEqual(first.booked_ids, [late.id])
        # its settlement line still comes from the earlier top-up (FIFO by id)
        self.assertEqual(
            [
                (sl.from_company_id, sl.to_company_id, money(sl.amount), sl.source_move_id)
                for sl in late.sudo().settlement_line_ids
            ],
            [(self.store_a, self.store_b, money(60), early)],
        )
        self.assertBooksAgree()
        second = self.book()
        self.assertEqual(second.booked_ids, [early.id], "no watermark: nothing is skipped")
        self.assertBooksAgree()
        self.assertFalse(self.book().booked_ids)

    # ------------------------------------------------------------------
    # Per posting, on request
    # ------------------------------------------------------------------

    def test_per_posting_granularity(self):
        self.set_granularity("posting")
        card = self.make_card()
        topup = self.topup(card, 1000, journal=self.bank_journal, bonus=None)
        spend = self.consume(card, 300, store=self.store_b, user=self.cashier_b)
        run = self.book()
        self.assertEqual(len(run.bookings), 2)
        self.assertEqual(run.bookings.mapped("granularity"), ["posting", "posting"])
        entry = self.entry_of(topup)
        self.assertEntry(
            entry, self.store_a, {self.bank: 1000, self.bonus_account: 100, self.liability: -1100}
        )
        self.assertEqual(entry.ref, topup.display_ref)
        self.assertEqual(entry.line_ids.partner_id, card.partner_id)
        self.assertIn(card.name, entry.line_ids[0].name)
        self.assertEntry(
            self.entry_of(spend), self.store_b, {self.liability: 300, self.income_account: -300}
        )
        self.assertBooksAgree()

    # ------------------------------------------------------------------
    # What is not booked, and who books
    # ------------------------------------------------------------------

    def test_the_hook_decides_what_the_wallet_does_not_book(self):
        Move = self.env["member.wallet.move"]
        # the wallet's own condition (other addons installed may add theirs)
        self.assertIn("m.kind = 'opening'", Move._member_booking_excluded_sql().code)
        card = self.make_card()
        self.topup(card, 200)

        class Document:
            """A document another addon books itself (a POS order)."""

            _name = "x.member.pos.order"
            id = 7

        sale = self.consume(card, 80, store=self.store_b, user=self.cashier_b, source=Document())
        self.assertEqual(sale.res_model, "x.member.pos.order")

        original = type(Move)._member_booking_excluded_sql

        def excluded(self):
            return SQL("(%s) OR m.res_model = %s", original(self), "x.member.pos.order")

        def pending(self):
            # what the other addon has not booked yet (its session is open)
            return SQL(
                "SELECT %s AS company_id, -80::numeric AS amount, 1::bigint AS count",
                sale.company_id.id,
            )

        Report = type(self.env["member.wallet.liability.report"])
        with (
            patch.object(type(Move), "_member_booking_excluded_sql", excluded),
            patch.object(Report, "_unbooked_elsewhere_sql", pending),
        ):
            run = self.book()
            self.assertEqual(sale.sudo().booking_id.excluded_amount, -80)
            self.assertEqual(sale.sudo().booking_id.amount, 0)
            self.assertFalse(sale.sudo().booking_id.account_move_id, "B books nothing for it")
            # the settlement line is recorded all the same: A's value used in B
            self.assertEqual(money(sale.sudo().settlement_line_ids.amount), money(80))
            self.assertEqual(-self.account_balance(self.liability), money(200))
            rows = self.report_rows()
            self.assertEqual(money(rows[self.store_b].unbooked_amount), -money(80))
            self.assertEqual(money(rows[self.store_b].difference), 0)
        self.assertEqual(len(run.bookings), 2)

    def test_no_context_key_skips_booking(self):
        card = self.make_card()
        env = self.env_as(self.cashier_a, self.store_a)
        forged = env(
            context=dict(
                env.context,
                member_wallet_no_accounting=True,
                member_wallet_book_now=False,
                member_wallet_payment_journal_id=self.bank_journal.id,
            )
        )
        card = card.with_env(forged)
        wallet = card._get_wallet()
        move, _answer = wallet._topup(
            100, key="mwa-forged-context", card=card, company=self.store_a, bonus=0
        )
        self.book()
        self.assertEntry(
            self.entry_of(move),
            self.store_a,
            {self.payment_account(move): 100, self.liability: -100},
        )
        self.assertNotEqual(self.payment_account(move), self.bank, "not the forged journal")

    def test_who_books(self):
        card = self.make_card()
        self.topup(card, 100)
        for user in (self.cashier_a, self.manager_a):
            with self.assertRaises(AccessError):
                self.book(user=user)
        auditor = self.auditor
        with self.assertRaises(AccessError):
            self.book(user=auditor)
        # auditors read the report and the bookings
        env = self.env_as(auditor, self.head_office)
        self.assertTrue(env["member.wallet.liability.report"].search([]))
        action = self.env_as(self.head_office_user, self.head_office)[
            "member.wallet.booking"
        ].action_book_now()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("1 postings booked in 1 journal entries", action["params"]["message"])
        self.assertEqual(len(env["member.wallet.booking"].search([])), 1)

    def test_the_cron_books_in_batches_past_a_store_that_cannot_be_booked(self):
        cron = self.env.ref("member_wallet.ir_cron_wallet_booking")
        self.assertEqual(
            (cron.model_id.model, cron.code), ("member.wallet.booking", "model._cron_book()")
        )
        card_a, card_b = self.make_card(), self.make_card(store=self.store_b)
        in_a = self.topup(card_a, 1000, bonus=None) | self.topup(card_a, 10)
        in_b = (
            self.topup(card_b, 100, store=self.store_b, user=self.cashier_b)
            | self.consume(card_b, 1, store=self.store_b, user=self.cashier_b)
            | self.consume(card_b, 2, store=self.store_b, user=self.cashier_b)
        )
        bonus_accounts = {company: company.member_bonus_account_id for company in self.chain}
        self.chain.member_bonus_account_id = False  # A's first top-up has a bonus
        Booking = type(self.env["member.wallet.booking"])
        book = Booking._book
        batches = []

        def book_our_chain(self, limit=None, skip_companies=()):
            run = book(
                self,
                companies=self.env["res.company"].browse(chain),
                limit=limit,
                skip_companies=skip_companies,
            )
            batches.append((run.selected, len(run.booked_ids), sorted(run.problems)))
            return run

        chain = self.chain.ids
        with (
            patch("odoo.addons.member_wallet.models.member_wallet_booking.CRON_BATCH_SIZE", 2),
            patch.object(Booking, "_book", book_our_chain),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", lambda *a, **k: 1.0),
            self.assertLogs("odoo.addons.member_wallet.models.member_wallet_booking", "WARNING"),
        ):
            self.env["member.wallet.booking"]._cron_book()
        # A's two postings fail and are left for later; B's three go in batches of two
        self.assertEqual(batches, [(2, 0, [self.store_a.id]), (2, 2, []), (1, 1, [])])
        self.assertFalse(in_a.sudo().booking_id)
        self.assertEqual(len(in_b.sudo().booking_id), 2, "one booking per batch")
        for company, account in bonus_accounts.items():
            company.member_bonus_account_id = account
        self.assertEqual(len(self.book().booked_ids), 2)
        self.assertBooksAgree()

    def test_a_store_that_cannot_be_booked_waits_for_the_next_run(self):
        card_a, card_b = self.make_card(), self.make_card(store=self.store_b)
        in_a = self.topup(card_a, 100)
        in_b = self.topup(card_b, 70, store=self.store_b, user=self.cashier_b)
        self.chain.member_bonus_account_id = False
        self.topup(card_a, 1000, bonus=None)  # with a bonus: no bonus account in A's books
        run = self.book()
        self.assertEqual(list(run.problems), [self.store_a.id])
        self.assertIn("Bonus Expense", run.problems[self.store_a.id])
        self.assertFalse(in_a.sudo().booking_id, "A's day waits")
        self.assertTrue(in_b.sudo().booking_id, "B is booked")
        self.assertBooksAgree()
        self.head_office.member_bonus_account_id = self.bonus_account
        run = self.book()
        self.assertFalse(run.problems)
        self.assertEqual(len(run.booked_ids), 2)
        self.assertBooksAgree()
