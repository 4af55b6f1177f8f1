"""Reading the books in the booking tests: the booking run, the entry of a
posting, and the three figures of invariant 8 computed independently of the
liability report (general ledger, postings not yet booked, ledger)."""

from collections import defaultdict
from decimal import Decimal

from .accounting_common import MemberAccountingCase, money, new_key  # noqa: F401 - shared


class BookingCase(MemberAccountingCase):
    def book(self, user=None, **kwargs):
        """One booking run over the chain of the test (as superuser, as the
        cron runs, unless ``user``)."""
        env = self.env_as(user, self.head_office) if user else self.env
        kwargs.setdefault("companies", self.chain)
        return env["member.wallet.booking"]._book(**kwargs)

    def set_granularity(self, value):
        self.env["ir.config_parameter"].sudo().set_param("member_wallet.booking_granularity", value)

    def payment_account(self, move):
        """The account of the money a top-up took in or a refund paid out:
        its payment journal's, else its store's default payment journal's."""
        move = move.sudo()
        journal = move.journal_id or move.company_id._member_journal("member_cash_journal_id")
        return journal.default_account_id

    def entry_of(self, move):
        """The journal entry that booked ``move`` (one, posted)."""
        entry = move.sudo().booking_id.account_move_id
        self.assertEqual(len(entry), 1, f"one entry for {move.display_ref}")
        return entry

    # ------------------------------------------------------------------
    # Invariant 8, figure by figure
    # ------------------------------------------------------------------

    def postings(self):
        wallets = self.cards.sudo().exists().mapped("wallet_id")
        return (
            self.env["member.wallet.move"]
            .sudo()
            .search([("wallet_id", "in", wallets.ids), ("amount", "!=", 0)])
        )

    @staticmethod
    def books_of(move):
        """The store whose books a posting goes to."""
        if move.kind == "reversal" and move.reversed_move_id:
            return move.reversed_move_id.company_id
        return move.company_id

    def ledger_by_store(self):
        """Stored value each store's books should hold: its postings, and
        what settled inter-store lines moved."""
        ledger = defaultdict(Decimal)
        postings = self.postings()
        for move in postings:
            ledger[self.books_of(move)] += money(move.amount)
        for line in postings.settlement_line_ids.filtered(lambda sl: sl.state == "settled"):
            ledger[line.to_company_id] += money(line.amount)
            ledger[line.from_company_id] -= money(line.amount)
        return ledger

    def unbooked_by_store(self):
        unbooked = defaultdict(Decimal)
        for move in self.postings().filtered(lambda m: not m.booking_id and m.kind != "opening"):
            unbooked[self.books_of(move)] += money(move.amount)
        return unbooked

    def report_rows(self):
        self.env.flush_all()
        Report = self.env["member.wallet.liability.report"].sudo()
        Report.invalidate_model()  # read-time SQL: nothing in the cache holds
        rows = Report.search([("company_id", "in", self.chain.ids)])
        return {row.company_id: row for row in rows}

    def assertBooksAgree(self, stores=None):
        """Per store: general ledger liability + not yet booked = ledger, to
        the cent, and the liability report says the same; the ledgers of
        the chain add up to the sum of the wallet balances."""
        ledger, unbooked, report = (
            self.ledger_by_store(),
            self.unbooked_by_store(),
            self.report_rows(),
        )
        for store in stores or self.chain:
            gl = -self.account_balance(self.liability, store)
            self.assertEqual(gl + unbooked[store], ledger[store], store.name)
            row = report.get(store)
            if not row:
                self.assertFalse(gl or unbooked[store] or ledger[store], store.name)
                continue
            self.assertEqual(
                (
                    money(row.gl_amount),
                    money(row.unbooked_amount),
                    money(row.ledger_amount),
                    money(row.difference),
                ),
                (gl, money(unbooked[store]), money(ledger[store]), money(0)),
                f"liability report of {store.name}",
            )
        self.assertEqual(money(sum(ledger.values(), Decimal(0))), self.wallets_total())
        self.assertEqual(
            money(sum((money(row.ledger_amount) for row in report.values()), Decimal(0))),
            self.wallets_total(),
        )
        return ledger, unbooked
