from odoo import fields, models
from odoo.tools import SQL

from odoo.addons.member_wallet.models.member_wallet_booking import BOOKING_COMPANY_SQL
from odoo.addons.member_wallet.models.member_wallet_move import MOVE_KINDS

# The postings ``m`` with what every report row carries: the store whose books
# the posting goes to (a reversal: the store of the posting it reverses, as
# the booking does), its region (the store's parent company), the member's
# card, card type and level. ``r`` is the posting a reversal reverses. The
# date of a row is the posting's (``m.date``) or, in the views over ledger
# lines, the line's (``l.date``, the same value, indexed on the lines).
POSTINGS_FROM = SQL(
    """
      member_wallet_move m
      LEFT JOIN member_wallet_move r ON r.id = m.reversed_move_id
      JOIN res_company c ON c.id = %(company)s
      JOIN member_wallet w ON w.id = m.wallet_id
      LEFT JOIN res_partner p ON p.id = w.partner_id
      LEFT JOIN member_card card ON card.id = COALESCE(m.card_id, w.card_id)
    """,
    company=BOOKING_COMPANY_SQL,
)

POSTING_COLUMNS = SQL(
    """
      c.id AS company_id, c.parent_id AS region_id,
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
