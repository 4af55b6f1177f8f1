import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# The company whose books a posting goes to: the store where it was made,
# except that a reversal goes to the books of the posting it reverses.
# ``m`` is the posting, ``r`` the posting it reverses:
# ``LEFT JOIN member_wallet_move r ON r.id = m.reversed_move_id``.
BOOKING_COMPANY_SQL = SQL(
    "CASE WHEN m.kind = 'reversal' AND r.id IS NOT NULL THEN r.company_id ELSE m.company_id END"
)

# The posting's day in the time zone of the company ``c`` whose books it goes to.
BOOKING_DATE_SQL = SQL(
    "(m.date AT TIME ZONE 'UTC' AT TIME ZONE COALESCE(c.member_tz, 'Asia/Shanghai'))::date"
)

# One booking run at a time in the database: a transaction-level advisory
# lock, released when the run's transaction ends.
BOOKING_LOCK_SQL = SQL("SELECT pg_try_advisory_xact_lock(hashtext('member.wallet.booking'))")

# Postings per batch of the cron (each batch is committed).
CRON_BATCH_SIZE = 20000

GRANULARITIES = [("day", "Per store and day"), ("posting", "Per posting")]


class BookingBusyError(UserError):
    """Another booking run holds the lock."""


class BookingConflictError(UserError):
    """A posting of a group was booked by someone else meanwhile."""


@dataclass
class BookingRun:
    """What one call of ``_book`` did."""

    bookings: models.BaseModel
    selected: int = 0  # postings selected (booked or not)
    booked_ids: list = field(default_factory=list)
    problems: dict = field(default_factory=dict)  # company id -> message


class MemberWalletBooking(models.Model):
    """One booking of stored value in the general ledger: the postings of one
    store and one day (its local date) that one booking run took, and the
    journal entry that books them, one line per account and counterpart.

    The wallet's postings are the sub-ledger; the general ledger receives
    their totals, as Odoo's POS books a session: never in the transaction
    of the till, by a cron (hourly) and on demand (*Book Now*). Every
    posting is booked once: the run sets its ``booking_id`` in SQL, only
    where it is still empty, and checks that every row was taken; the next
    run selects the postings whose ``booking_id`` is empty, so a posting
    committed late (with a lower id than others already booked) is booked
    by the next run, never skipped. One run at a time (advisory lock).

    The entry of a day, in the journal of the stored-value entries of the
    store whose books the postings go to (a reversal: the reversed posting's
    store), is made of, per ledger line kind:

    ============================  ===================================  ====================
    ledger line (kind)            debit                                credit
    ============================  ===================================  ====================
    top-up (principal)            payment journal's account (cash)     liability
    top-up (bonus)                bonus / marketing expense            liability
    consumption (back office)     liability                            consumption income
    refund of a sale              consumption income                   liability
    withdrawal (principal)        liability                            payment journal
    withdrawal (bonus clawback)   liability                            bonus expense
    adjustment / expiry /         adjustment account (or liability)    liability (or adj.)
    transfer
    reversal                      the reversed line's accounts, the other way round
    ============================  ===================================  ====================

    A top-up is an advance, not revenue: no tax. The back-office consumption
    books its gross amount on an income account; revenue and its tax are the
    business of the sale documents (POS orders, invoices).

    What the wallet does not book is decided by
    ``member.wallet.move._member_booking_excluded_sql()``: opening balances
    (booked by the opening import, one entry per store and import), and
    whatever other addons add (member_pos: its orders, booked by the POS
    session). The run still takes those postings (``booking_id`` is set,
    the entry has no line for them), because it also records the
    inter-store settlement lines of every posting it takes (FIFO over each
    wallet's postings in id order, see ``member.settlement.line``). A company
    without a chart of accounts gets bookings without entry.

    A chain may ask for one entry per posting (setting *Book Entries*:
    per posting), still by the cron: one journal entry for each posting,
    i.e. as many entries as postings.
    """

    _name = "member.wallet.booking"
    _description = "Stored Value Booking"
    _order = "id desc"

    company_id = fields.Many2one(
        "res.company",
        string="Store",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        help="The store whose books the postings go to.",
    )
    date = fields.Date(
        string="Day",
        required=True,
        readonly=True,
        index=True,
        help="The store's local date of the postings, the date of the journal entry.",
    )
    granularity = fields.Selection(
        GRANULARITIES, string="Booked", required=True, readonly=True, default="day"
    )
    account_move_id = fields.Many2one(
        "account.move",
        string="Journal Entry",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    posting_ids = fields.One2many(
        "member.wallet.move", "booking_id", string="Postings", readonly=True
    )
    posting_count = fields.Integer(string="Postings Booked", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(
        string="Stored Value Booked",
        readonly=True,
        help="Net change of the stored value booked by the journal entry (positive: the "
        "liability grew).",
    )
    excluded_amount = fields.Monetary(
        string="Booked Elsewhere",
        readonly=True,
        help="Net stored value of the postings of this booking that other documents book "
        "(opening balances, POS sessions): no line in this entry.",
    )
    user_id = fields.Many2one("res.users", string="Run By", readonly=True)

    @api.depends("company_id", "date")
    def _compute_display_name(self):
        for booking in self:
            booking.display_name = f"{booking.company_id.name} {booking.date or ''}".strip()

    def write(self, vals):
        raise UserError(self.env._("A booking cannot be changed."))

    def unlink(self):
        raise UserError(self.env._("A booking cannot be deleted."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_book_now(self):
        """Book every posting not yet booked (head office, accountants)."""
        run = self.env["member.wallet.booking"]._book()
        entries = run.bookings.account_move_id
        message = self.env._(
            "%(postings)s postings booked in %(entries)s journal entries.",
            postings=len(run.booked_ids),
            entries=len(entries),
        )
        problems = [
            self.env._(
                "%(store)s: %(reason)s",
                store=self.env["res.company"].browse(company_id).sudo().display_name,
                reason=reason,
            )
            for company_id, reason in run.problems.items()
        ]
        if problems:
            message = "\n".join([message, self.env._("Not booked:"), *problems])
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if problems else "success",
                "message": message,
                "sticky": bool(problems),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_view_postings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "member_wallet.action_member_wallet_move"
        )
        action.update(domain=[("booking_id", "=", self.id)], context={})
        return action

    # ------------------------------------------------------------------
    # The booking service
    # ------------------------------------------------------------------

    @api.model
    def _cron_book(self):
        """Book in batches, each committed; a store that cannot be booked
        (a missing account, …) is left for the next run, the others go on."""
        skip = set()
        while True:
            try:
                run = self._book(limit=CRON_BATCH_SIZE, skip_companies=skip)
            except BookingBusyError:
                _logger.info("Stored value booking: another run is in progress")
                return
            except psycopg2.errors.SerializationFailure:
                # this transaction's snapshot predates a run that committed
                # meanwhile: nothing was booked twice, the next run goes on
                self.env.cr.rollback()
                _logger.info("Stored value booking: postings booked meanwhile, next run")
                return
            for company_id, reason in run.problems.items():
                _logger.warning("Stored value of company %s not booked: %s", company_id, reason)
            skip |= set(run.problems)
            time_left = self.env["ir.cron"]._commit_progress(len(run.booked_ids))
            if run.selected < CRON_BATCH_SIZE or not time_left:
                return

    @api.model
    def _book(self, companies=None, limit=None, skip_companies=()):
        """Book the postings not yet booked, oldest first.

        :param companies: book only the postings going to these companies'
            books (default: every company; the user's companies unless
            superuser)
        :param limit: at most this many postings
        :param skip_companies: ids of companies to leave out
        :return: a :class:`BookingRun`
        :raise BookingBusyError: another run is in progress
        """
        user = self.env.user
        if not (
            self.env.su
            or user.has_group("member_base.group_member_head_office")
            or user.has_group("account.group_account_manager")
        ):
            raise AccessError(self.env._("Only head office and accountants book stored value."))
        if companies is None and not self.env.su:
            companies = user.company_ids
        return self.sudo()._book_as_service(companies, limit, skip_companies, user)

    @api.model
    def _book_as_service(self, companies, limit, skip_companies, user):
        """``_book`` once the rights are checked (superuser)."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(BOOKING_LOCK_SQL)
        if not cr.fetchone()[0]:
            raise BookingBusyError(
                self.env._("Stored value is being booked by another run; try again in a moment.")
            )
        granularity = self._granularity()
        run = BookingRun(bookings=self.browse())
        candidates = self._select_postings(companies, limit, skip_companies)
        run.selected = len(candidates)
        if not candidates:
            return run
        Company = self.env["res.company"]
        keeps_books = {
            company.id: company._member_has_chart()
            for company in Company.browse(sorted({row[1] for row in candidates}))
        }
        booked_here = [row[0] for row in candidates if keeps_books[row[1]] and not row[3]]
        amounts = self._entry_amounts(booked_here, granularity)

        groups = defaultdict(list)
        for move_id, company_id, day, excluded, amount in candidates:
            key = (company_id, day, move_id if granularity == "posting" else 0)
            groups[key].append((move_id, excluded, amount))
        for key in sorted(groups):
            company_id, day, posting_id = key
            postings = groups[key]
            move_ids = [move_id for move_id, _excluded, _amount in postings]
            try:
                with cr.savepoint():
                    entry = self.env["account.move"]
                    if keeps_books[company_id] and amounts.get(key):
                        entry = self._post_entry(
                            Company.browse(company_id), day, amounts[key], posting_id
                        )
                    booking = self.create(
                        {
                            "company_id": company_id,
                            "date": day,
                            "granularity": granularity,
                            "account_move_id": entry.id,
                            "posting_count": len(postings),
                            "amount": self._sum(a for _m, excl, a in postings if not excl),
                            "excluded_amount": self._sum(a for _m, excl, a in postings if excl),
                            "user_id": user.id,
                        }
                    )
                    booking._take_postings(move_ids)
            except UserError as error:
                run.problems.setdefault(company_id, str(error))
                continue
            run.bookings |= booking
            run.booked_ids += move_ids
        self.env["member.wallet.move"].invalidate_model(["booking_id"])
        run.bookings.invalidate_recordset(["posting_ids"])
        self.env["member.settlement.line"]._record_for_postings(run.booked_ids)
        return run

    @api.model
    def _granularity(self):
        value = (
            self.env["ir.config_parameter"].sudo().get_param("member_wallet.booking_granularity")
        )
        return value if value in dict(GRANULARITIES) else "day"

    @api.model
    def _select_postings(self, companies, limit, skip_companies):
        """``(id, company, local day, excluded, amount)`` of the postings of
        stored value not yet booked, by id."""
        conditions = [SQL("m.booking_id IS NULL"), SQL("m.amount <> 0")]
        if companies is not None:
            conditions.append(SQL("%s = ANY(%s)", BOOKING_COMPANY_SQL, list(companies.ids)))
        if skip_companies:
            conditions.append(SQL("NOT (%s = ANY(%s))", BOOKING_COMPANY_SQL, list(skip_companies)))
        excluded = self.env["member.wallet.move"]._member_booking_excluded_sql()
        self.env.cr.execute(
            SQL(
                """
                SELECT m.id, c.id, %(day)s, COALESCE((%(excluded)s), FALSE), m.amount
                  FROM member_wallet_move m
                  LEFT JOIN member_wallet_move r ON r.id = m.reversed_move_id
                  JOIN res_company c ON c.id = %(company)s
                 WHERE %(where)s
                 ORDER BY m.id
                 LIMIT %(limit)s
                """,
                day=BOOKING_DATE_SQL,
                excluded=excluded,
                company=BOOKING_COMPANY_SQL,
                where=SQL(" AND ").join(conditions),
                limit=limit,
            )
        )
        return self.env.cr.fetchall()

    @api.model
    def _entry_amounts(self, move_ids, granularity):
        """The stored-value ledger lines of ``move_ids`` summed per group
        (company, day, posting or 0) and per counterpart: ``{group: [(origin
        kind, is reversal, asset, payment journal, currency, amount)]}``; a
        reversal line counts as the kind of the line it reverses."""
        if not move_ids:
            return {}
        posting = SQL("m.id") if granularity == "posting" else SQL("0")
        self.env.cr.execute(
            SQL(
                """
                SELECT c.id, %(day)s, %(posting)s,
                       CASE WHEN l.kind = 'reversal' AND rl.id IS NOT NULL
                            THEN rl.kind ELSE l.kind END,
                       l.kind = 'reversal',
                       l.asset,
                       COALESCE(m.journal_id, r.journal_id),
                       w.currency_id,
                       SUM(l.amount)
                  FROM member_wallet_line l
                  JOIN member_wallet_move m ON m.id = l.move_id
                  JOIN member_wallet w ON w.id = m.wallet_id
                  LEFT JOIN member_wallet_move r ON r.id = m.reversed_move_id
                  LEFT JOIN member_wallet_line rl ON rl.id = l.reversed_line_id
                  JOIN res_company c ON c.id = %(company)s
                 WHERE m.id = ANY(%(ids)s) AND l.asset IN ('principal', 'bonus')
                 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
                 ORDER BY 1, 2, 3, 5, 4, 6, 7
                """,
                day=BOOKING_DATE_SQL,
                posting=posting,
                company=BOOKING_COMPANY_SQL,
                ids=list(move_ids),
            )
        )
        amounts = defaultdict(list)
        for company_id, day, posting_id, *rest in self.env.cr.fetchall():
            amounts[(company_id, day, posting_id)].append(tuple(rest))
        return amounts

    def _take_postings(self, move_ids):
        """Link the postings to this booking, only those not booked yet: a
        posting taken by another run meanwhile makes this group fail (and
        roll back), so no posting is ever booked twice."""
        self.ensure_one()
        self.env.cr.execute(
            "UPDATE member_wallet_move SET booking_id = %s "
            "WHERE id = ANY(%s) AND booking_id IS NULL",
            [self.id, list(move_ids)],
        )
        if self.env.cr.rowcount != len(move_ids):
            raise BookingConflictError(
                self.env._(
                    "%(taken)s of %(count)s postings were booked by another run meanwhile.",
                    taken=len(move_ids) - self.env.cr.rowcount,
                    count=len(move_ids),
                )
            )

    # ------------------------------------------------------------------
    # Entries
    # ------------------------------------------------------------------

    @staticmethod
    def _sum(amounts):
        return float(sum((Decimal(str(amount)) for amount in amounts), Decimal(0)))

    @api.model
    def _post_entry(self, company, day, amounts, posting_id=0):
        """Post the entry of one group in ``company``'s books."""
        currency = self.env["res.currency"].browse(sorted({row[4] for row in amounts}))
        if len(currency) > 1:
            raise UserError(self.env._("Cards of several currencies cannot be booked together."))
        partner = card = posting = None
        if posting_id:
            posting = self.env["member.wallet.move"].browse(posting_id)
            partner, card = posting.wallet_id.partner_id, posting.card_id
        ref = (
            posting.display_ref
            if posting
            else self.env._("Stored value %(store)s %(day)s", store=company.name, day=day)
        )
        return company._member_post_entry(
            company._member_journal("member_journal_id"),
            self._entry_lines(company, amounts, partner=partner, card=card),
            ref=ref,
            date=day,
            currency=currency,
        )

    @api.model
    def _entry_lines(self, company, amounts, partner=None, card=None):
        """``(account, balance, partner, label)``: per kind of ledger line,
        its counterpart and the liability, each summed over the group."""
        liability = company._member_account("member_liability_account_id")
        kinds = dict(
            self.env["member.wallet.line"]._fields["kind"]._description_selection(self.env)
        )
        totals = {}
        for origin, reversal, asset, journal_id, _currency, amount in amounts:
            label = kinds.get(origin, origin)
            if card:
                label = f"{label} {card.name}"
            if reversal:
                label = self.env._("Reversal: %s", label)
            counterpart = self._counterpart(company, origin, asset, journal_id)
            for account, sign in ((counterpart, 1), (liability, -1)):
                key = (label, account)
                totals[key] = totals.get(key, Decimal(0)) + sign * Decimal(str(amount))
        return [
            (account, float(balance), partner, label)
            for (label, account), balance in totals.items()
        ]

    @api.model
    def _counterpart(self, company, origin, asset, journal_id):
        """The account facing the liability for a ledger line of kind
        ``origin`` (see the class docstring)."""
        if origin == "topup" or (origin == "withdrawal" and asset == "principal"):
            journal = self.env["account.journal"].browse(journal_id)
            journal = journal or company._member_journal("member_cash_journal_id")
            if not journal.default_account_id:
                raise UserError(
                    self.env._("The journal %s has no default account.", journal.display_name)
                )
            return journal.default_account_id
        if origin in ("bonus", "withdrawal"):
            return company._member_account("member_bonus_account_id")
        if origin in ("consumption", "refund"):
            return company._member_account("member_income_account_id")
        if origin == "opening":
            return company._member_account("member_opening_account_id")
        return company._member_account("member_adjustment_account_id")
