import datetime

from odoo import fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from odoo.addons.member_wallet.models.member_wallet_booking import BOOKING_COMPANY_SQL
from odoo.addons.member_wallet.models.member_wallet_move import MOVE_KINDS

# The postings ``m`` with what every report row carries: the store whose books
# the posting goes to (a reversal: the store of the posting it reverses, as
# the booking does), its region (the store's parent company), the member's
# card, card type and level. ``r`` is the posting a reversal reverses, looked
# up by its id (a lateral join kept apart by its LIMIT: the planner never
# hashes the whole posting table to find the few reversed postings of a
# month). The
# date of a row is the posting's (``m.date``) or, in the views over ledger
# lines, the line's (``l.date``, the same value, indexed on the lines).
POSTINGS_FROM = SQL(
    """
      member_wallet_move m
      LEFT JOIN LATERAL (
            SELECT rm.id, rm.company_id, rm.kind, rm.date
              FROM member_wallet_move rm WHERE rm.id = m.reversed_move_id
             LIMIT 1) r ON TRUE
      JOIN res_company c ON c.id = %(company)s
      JOIN member_wallet w ON w.id = m.wallet_id
      LEFT JOIN res_partner p ON p.id = w.partner_id
      LEFT JOIN member_card card ON card.id = COALESCE(m.card_id, w.card_id)
    """,
    company=BOOKING_COMPANY_SQL,
)

POSTING_COLUMNS = SQL(
    """
      m.date AS move_date, c.id AS company_id, c.parent_id AS region_id,
      m.company_id AS posted_company_id, m.user_id AS user_id, m.journal_id AS journal_id,
      w.partner_id AS partner_id, card.id AS card_id, card.type_id AS card_type_id,
      p.member_level_id AS level_id, m.id AS move_id, m.kind AS move_kind,
      w.currency_id AS currency_id
    """
)


class MemberReportLedgerMixin(models.AbstractModel):
    """The columns of a report over the wallet's postings and ledger lines:
    when, in which store's books (and region), by which operator and payment
    method, for which member, card, card type and level, from which posting.

    The store of a row is the store whose books the posting goes to: a
    reversal counts in the store of the posting it reverses (as the booking
    and the liability report count it); ``posted_company_id`` is where it
    was done. The level is the member's level now.
    """

    _name = "member.report.ledger.mixin"
    _inherit = ["member.report.mixin"]
    _description = "Membership Ledger Report"
    _order = "date desc, id desc"
    # a Date column of the view holding the local day of ``date`` (the
    # summary's ``day``): a condition on it also bounds ``date``
    _report_day_field = None
    _depends = {
        "member.wallet.move": [
            "date",
            "company_id",
            "user_id",
            "journal_id",
            "kind",
            "card_id",
            "wallet_id",
            "reversed_move_id",
            "amount",
            "points",
        ],
        "member.wallet.line": ["move_id", "asset", "kind", "amount", "company_id"],
        "member.wallet": ["partner_id", "card_id", "currency_id"],
        "member.card": ["type_id"],
        "res.partner": ["member_level_id"],
        "res.company": ["parent_id"],
    }

    date = fields.Datetime(readonly=True)
    move_date = fields.Datetime(
        string="Posting Date",
        readonly=True,
        help="The posting's date: the same as the date (a ledger line's date is its "
        "posting's); a condition on the date is also put on it.",
    )
    company_id = fields.Many2one(
        "res.company",
        string="Store",
        readonly=True,
        help="The store whose books the row goes to; a reversal counts in the store of the "
        "posting it reverses.",
    )
    region_id = fields.Many2one(
        "res.company", string="Region", readonly=True, help="The store's parent company."
    )
    posted_company_id = fields.Many2one(
        "res.company", string="Done In", readonly=True, help="The store the posting was made in."
    )
    user_id = fields.Many2one("res.users", string="Operator", readonly=True)
    journal_id = fields.Many2one("account.journal", string="Payment Method", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Member", readonly=True)
    card_id = fields.Many2one("member.card", string="Card", readonly=True)
    card_type_id = fields.Many2one("member.card.type", string="Card Type", readonly=True)
    level_id = fields.Many2one("member.level", string="Level", readonly=True)
    move_id = fields.Many2one("member.wallet.move", string="Posting", readonly=True)
    move_kind = fields.Selection(MOVE_KINDS, string="Posting Kind", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    tag_ids = fields.Many2many(
        "res.partner.category",
        string="Member Tags",
        compute="_compute_tag_ids",
        search="_search_tag_ids",
        help="The member's tags now (manual and automatic): filter the rows of the members "
        "with a tag.",
    )

    def _compute_tag_ids(self):
        for row in self:
            row.tag_ids = row.partner_id.sudo().category_id

    def _search_tag_ids(self, operator, value):
        """The rows of the members with (or without) the tags: a subquery
        of the partners through the tags' table (its index by tag), as
        superuser (which partners carry a tag is no secret of a row the
        record rules let the user see; the rows themselves stay filtered)."""
        if operator not in ("in", "not in", "any", "not any", "ilike", "not ilike", "="):
            return NotImplemented
        negative = operator.startswith("not")
        positive = {"not in": "in", "not any": "any", "not ilike": "ilike"}.get(operator, operator)
        partners = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            ._search([("category_id", positive, value)])
        )
        return Domain("partner_id", "not in" if negative else "in", partners)

    # ------------------------------------------------------------------
    # A month's report reads the month, through the date indexes
    # ------------------------------------------------------------------

    def _search(self, domain, *args, **kwargs):
        return super()._search(self._report_dated_domain(domain), *args, **kwargs)

    def _read_group(self, domain, *args, **kwargs):
        return super()._read_group(
            self._report_dated_domain(domain, postings=True), *args, **kwargs
        )

    def _report_dated_domain(self, domain, postings=False):
        """``domain`` with each condition on the local day
        (``_report_day_field``) bounding the date too, with a day's margin,
        so that it reaches the date index; and, with ``postings`` (for the
        aggregates: pivot, graph, totals), each condition on the date put on
        the posting's date as well (the same value, in the other table).

        A page of rows (``ORDER BY date DESC LIMIT 80``) reads the newest
        lines backwards on the lines' date index and looks their postings up
        one by one: a condition on both dates would make the planner read the
        whole month instead. An aggregate reads the whole month anyway: with
        the condition on both dates it reads that month of the lines and of
        the postings through their date indexes and joins them, instead of
        joining the month's lines to every posting ever made (a hash join
        over the whole posting table)."""
        day_field = self._report_day_field
        dated_names = ("date", "move_date") if postings else ("date",)

        def dated(condition):
            name, operator, value = condition.field_expr, condition.operator, condition.value
            if name == day_field and operator in ("=", ">", ">=", "<", "<=") and value:
                return condition & self._report_day_bounds(operator, value, dated_names)
            if (
                postings
                and name == "date"
                and operator in ("=", ">", ">=", "<", "<=", "in")
                and value
            ):
                return condition & Domain("move_date", operator, value)
            return condition

        return Domain(domain).map_conditions(dated)

    def _report_day_bounds(self, operator, value, names):
        """A condition on the dates ``names`` (UTC) implied by the condition
        ``day <operator> value`` on the local day, whatever the store's time
        zone (UTC−12 … UTC+14: a day's margin each side)."""
        day = fields.Date.to_date(value)
        if not isinstance(day, datetime.date):
            return Domain.TRUE
        start = datetime.datetime.combine(day, datetime.time.min)
        margin = datetime.timedelta(days=1)
        bounds = {
            ">=": [(">=", start - margin)],
            ">": [(">=", start)],
            "<": [("<", start + margin)],
            "<=": [("<", start + 2 * margin)],
            "=": [(">=", start - margin), ("<", start + 2 * margin)],
        }[operator]
        return Domain.AND(Domain(name, op, moment) for op, moment in bounds for name in names)
