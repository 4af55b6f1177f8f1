import logging
from decimal import Decimal

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import settlement as settlement_tools

_logger = logging.getLogger(__name__)

# Postings from these documents book nothing here: the POS session closing
# books the sale against the member-balance payment method, whose account is
# the stored-value liability (member_pos).
POS_SOURCE_MODELS = ("pos.order", "pos.payment", "pos.session")

# The company whose books a posting goes to: its own store, except that a
# reversal goes to the books of the posting it reverses (unless the reversal
# comes from the POS, which books its returns in its own session).
BOOKING_COMPANY_SQL = """
    CASE WHEN m.kind = 'reversal' AND r.id IS NOT NULL
              AND COALESCE(m.res_model, '') NOT IN ('pos.order', 'pos.payment', 'pos.session')
         THEN r.company_id ELSE m.company_id END
"""

# How long a posting waits before the cron books it in deferred mode: every
# transaction that took a lower posting id has then ended.
DEFERRED_DELAY = "1 hour"


class MemberWalletMove(models.Model):
    """Journal entries of the stored value, one per posting.

    Stored value is a liability until consumed:

    ============================  ===================================  ====================
    posting (line kind)           debit                                credit
    ============================  ===================================  ====================
    top-up (principal)            payment journal's account (cash)     liability
    top-up (bonus)                bonus / marketing expense            liability
    consumption (back office)     liability                            consumption income
    refund of a sale              consumption income                   liability
    withdrawal (principal)        liability                            payment journal
    withdrawal (bonus clawback)   liability                            bonus expense
    adjustment / expiry           adjustment account (or liability)    liability (or adj.)
    reversal                      the reversed posting's entry, reversed
    opening balances              one entry per store and import (opening wizard)
    ============================  ===================================  ====================

    A top-up is an advance, not revenue: no tax. The back-office consumption
    books its gross amount on an income account; revenue and its tax are the
    business of the sale documents (POS orders, invoices). Postings made
    from the POS book nothing here (see ``POS_SOURCE_MODELS``), and neither
    does a company without a chart of accounts.

    Entries are made in the posting's transaction (``accounting_mode``
    'immediate', the default) or, to keep the tills fast (an Odoo journal
    entry costs ten times the posting itself), by an hourly cron
    ('deferred'): the same entries, a little later.
    """

    _inherit = "member.wallet.move"

    account_move_ids = fields.One2many(
        "account.move", "member_wallet_move_id", string="Journal Entries", readonly=True
    )
    settlement_line_ids = fields.One2many(
        "member.settlement.line", "move_id", string="Inter-store Settlement", readonly=True
    )

    def action_view_account_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_journal_line")
        action.update(domain=[("member_wallet_move_id", "=", self.id)], context={})
        return action

    # ------------------------------------------------------------------
    # Called by member.wallet._post right after a new posting
    # ------------------------------------------------------------------

    def _post_accounting(self):
        """Inter-store settlement records and journal entry of new postings
        (the entry later, by the cron, in deferred mode). Runs in the
        posting's transaction, under its wallet lock; safe to call twice."""
        deferred = self.env["member.wallet"]._param(
            "accounting_mode", "immediate"
        ) == "deferred" and not self.env.context.get("member_wallet_book_now")
        for move in self.sudo():
            move._member_record_settlement()
            if not deferred:
                move._member_book()

    def _member_book(self):
        """Book this posting's entry unless it has one or books nothing."""
        self.ensure_one()
        if self._member_books_nothing() or self.account_move_ids:
            return self.env["account.move"]
        reversed_entries = self.reversed_move_id.account_move_ids.filtered(
            lambda entry: entry.state == "posted" and not entry.reversal_move_ids
        )
        if self.kind == "reversal" and reversed_entries:
            return self._member_reverse_entries(reversed_entries)
        return self._member_book_entry()

    def _member_money_lines(self):
        return self.line_ids.filtered(lambda line: line.asset in ("principal", "bonus"))

    def _member_booking_company(self):
        """See ``BOOKING_COMPANY_SQL``."""
        self.ensure_one()
        if (
            self.kind == "reversal"
            and self.reversed_move_id
            and (self.res_model not in POS_SOURCE_MODELS)
        ):
            return self.reversed_move_id.company_id
        return self.company_id

    def _member_books_nothing(self):
        self.ensure_one()
        if self.res_model in POS_SOURCE_MODELS or self.env.context.get(
            "member_wallet_no_accounting"
        ):
            return True
        # opening balances are booked by the import, one entry per store
        if self.kind == "opening" or not self._member_money_lines():
            return True
        company = self._member_booking_company()
        if not company._member_has_chart():
            _logger.debug(
                "No chart of accounts in %s: posting %s not booked", company.name, self.id
            )
            return True
        return False

    # ------------------------------------------------------------------
    # Entries
    # ------------------------------------------------------------------

    def _member_payment_journal(self, company):
        journal = self.journal_id
        if not journal and self.env.context.get("member_wallet_payment_journal_id"):
            journal = self.env["account.journal"].browse(
                self.env.context["member_wallet_payment_journal_id"]
            )
        journal = journal or company._member_journal("member_cash_journal_id")
        if not journal.default_account_id:
            raise UserError(
                self.env._("The journal %s has no default account.", journal.display_name)
            )
        return journal

    def _member_counterpart(self, company, origin, asset):
        """Account facing the liability for a line of kind ``origin``."""
        if origin == "topup" or (origin == "withdrawal" and asset == "principal"):
            return self._member_payment_journal(company).default_account_id
        if origin in ("bonus", "withdrawal"):
            return company._member_account("member_bonus_account_id")
        if origin in ("consumption", "refund"):
            return company._member_account("member_income_account_id")
        if origin == "opening":
            return company._member_account("member_opening_account_id")
        return company._member_account("member_adjustment_account_id")

    def _member_entry_lines(self, company):
        """``(account, balance, partner, label)`` of this posting's entry:
        each stored-value line moves the liability by its amount, against
        the counterpart of its kind (of the reversed line's kind for a
        reversal)."""
        self.ensure_one()
        liability = company._member_account("member_liability_account_id")
        partner = self.wallet_id.partner_id
        kinds = dict(
            self.env["member.wallet.line"]._fields["kind"]._description_selection(self.env)
        )
        lines = []
        for line in self._member_money_lines():
            origin = line.kind
            if origin == "reversal" and line.reversed_line_id:
                origin = line.reversed_line_id.kind
            label = f"{kinds.get(origin, origin)} {self.card_id.name or ''}".strip()
            if line.kind == "reversal":
                label = self.env._("Reversal: %s", label)
            amount = float(Decimal(str(line.amount)))
            counterpart = self._member_counterpart(company, origin, line.asset)
            lines.append((counterpart, amount, partner, label))
            lines.append((liability, -amount, partner, label))
        return lines

    def _member_entry_date(self, company):
        """The posting's day in the store's time zone (also when the cron
        books it later)."""
        tz = pytz.timezone(company.member_tz or "Asia/Shanghai")
        return pytz.utc.localize(self.date).astimezone(tz).date()

    def _member_book_entry(self):
        self.ensure_one()
        company = self._member_booking_company()
        return company._member_post_entry(
            company._member_journal("member_journal_id"),
            self._member_entry_lines(company),
            ref=self.display_ref,
            date=self._member_entry_date(company),
            currency=self.wallet_id.currency_id,
            member_wallet_move_id=self.id,
        )

    def _member_reverse_entries(self, entries):
        """A reversal posting reverses the entries of the reversed posting,
        in their own books and journals, dated today."""
        self.ensure_one()
        reversals = entries._reverse_moves(
            [
                {
                    "date": self._member_entry_date(entry.company_id),
                    "ref": self.env._(
                        "Reversal of %(entry)s: %(posting)s",
                        entry=entry.name,
                        posting=self.display_ref,
                    ),
                    "member_wallet_move_id": self.id,
                }
                for entry in entries
            ]
        )
        reversals.action_post()
        return reversals

    @api.model
    def _cron_book_entries(self, limit=5000):
        """Deferred mode: book the entries of the postings made more than
        ``DEFERRED_DELAY`` ago that have none yet, oldest first. Stops at
        the first posting that cannot be booked (a missing account, …) and
        takes it up again next time; nothing is skipped."""
        Param = self.env["ir.config_parameter"].sudo()
        since = int(Param.get_param("member_wallet.accounting_booked_up_to", 0) or 0)
        booked_companies = tuple(
            company.id
            for company in self.env["res.company"].sudo().search([])
            if company._member_has_chart()
        ) or (0,)
        self.env.flush_all()
        self.env.cr.execute(
            f"""
            SELECT MAX(m.id) FROM member_wallet_move m
             WHERE m.id > %(since)s
               AND m.create_date < now() AT TIME ZONE 'UTC' - interval '{DEFERRED_DELAY}'
            """,  # noqa: S608 - constant
            {"since": since},
        )
        horizon = self.env.cr.fetchone()[0]
        if not horizon:
            return 0
        self.env.cr.execute(
            f"""
            SELECT m.id
              FROM member_wallet_move m
              LEFT JOIN member_wallet_move r ON r.id = m.reversed_move_id
             WHERE m.id > %(since)s AND m.id <= %(horizon)s
               AND m.kind <> 'opening'
               AND COALESCE(m.res_model, '') NOT IN %(pos)s
               AND {BOOKING_COMPANY_SQL} IN %(companies)s
               AND EXISTS (SELECT 1 FROM member_wallet_line l
                            WHERE l.move_id = m.id AND l.asset IN ('principal', 'bonus'))
               AND NOT EXISTS (SELECT 1 FROM account_move am
                                WHERE am.member_wallet_move_id = m.id)
             ORDER BY m.id
             LIMIT %(limit)s
            """,  # noqa: S608 - constant
            {
                "since": since,
                "horizon": horizon,
                "pos": POS_SOURCE_MODELS,
                "companies": booked_companies,
                "limit": limit,
            },
        )
        pending = [row[0] for row in self.env.cr.fetchall()]
        done = horizon if len(pending) < limit else pending[-1]
        count = 0
        for move in self.sudo().browse(pending):
            try:
                with self.env.cr.savepoint():
                    move._member_book()
            except UserError as error:
                _logger.warning("Posting %s could not be booked: %s", move.id, error)
                done = move.id - 1
                break
            count += 1
        Param.set_param("member_wallet.accounting_booked_up_to", str(done))
        return count

    # ------------------------------------------------------------------
    # Inter-store settlement records
    # ------------------------------------------------------------------

    def _member_settlement_events(self):
        """The stored-value postings of this wallet up to this one, as
        ``(move id, store id, amount)`` for the FIFO; the store is the one
        whose books the posting goes to (see ``BOOKING_COMPANY_SQL``)."""
        self.ensure_one()
        self.env["member.wallet.move"].flush_model()
        self.env.cr.execute(
            f"""
            SELECT m.id, {BOOKING_COMPANY_SQL}, m.amount
              FROM member_wallet_move m
              LEFT JOIN member_wallet_move r ON r.id = m.reversed_move_id
             WHERE m.wallet_id = %s AND m.id <= %s AND m.amount <> 0
             ORDER BY m.id
            """,  # noqa: S608 - constant
            [self.wallet_id.id, self.id],
        )
        return self.env.cr.fetchall()

    def _member_record_settlement(self):
        """Record what one store owes another for this posting: the part of
        a debit covered by value topped up in another store (FIFO over the
        card's credits), or the part of a credit paying off what another
        store let the card spend on credit."""
        self.ensure_one()
        money = Decimal(str(self.amount or 0))
        if not money or self.settlement_line_ids:
            return self.env["member.settlement.line"]
        if money > 0 and Decimal(str(self.wallet_id.balance)) - money >= 0:
            return self.env["member.settlement.line"]  # no deficit to pay off
        portions = settlement_tools.cross_store_portions(
            self._member_settlement_events(),
            self.id,
            decimals=self.wallet_id.currency_id.decimal_places,
        )
        return (
            self.env["member.settlement.line"]
            .sudo()
            .create(
                [
                    {
                        "move_id": self.id,
                        "source_move_id": portion.source_ref,
                        "wallet_id": self.wallet_id.id,
                        "from_company_id": portion.from_store,
                        "to_company_id": portion.to_store,
                        "amount": float(portion.amount),
                    }
                    for portion in portions
                ]
            )
        )
