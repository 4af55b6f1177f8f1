from odoo import fields, models
from odoo.tools import SQL

from odoo.addons.member_pos.models.member_wallet_move import POS_SOURCE

from .member_report_ledger_mixin import POSTING_COLUMNS, POSTINGS_FROM

CHANNELS = [("pos", "Point of Sale"), ("backoffice", "Back Office"), ("api", "API")]

# The channel of a consumption: a till's (a balance payment authorised for a
# POS session, member_pos's ``POS_SOURCE``, or a posting of a POS order); the
# back office's operation dialog (its idempotency keys are ``wizard-…``);
# otherwise the API.
CHANNEL_SQL = SQL(
    """CASE WHEN m.res_model IN (%s, 'pos.order') THEN 'pos'
            WHEN m.res_model = 'member.wallet.operation'
              OR m.idempotency_key LIKE 'wizard-%%' THEN 'backoffice'
            ELSE 'api' END""",
    POS_SOURCE,
)


class MemberReportConsumption(models.Model):
    """消费明细: the consumptions from stored value, one row per posting, by
    channel (POS, back office, API), paid-in and bonus apart. A consumption
    given back (a return) shows in the returns (退货明细)."""

    _name = "member.report.consumption"
    _inherit = ["member.report.ledger.mixin"]
    _description = "Consumption Detail"
    _auto = False
    _report_xlsx_fields = (
        "date",
        "company_id",
        "channel",
        "card_id",
        "partner_id",
        "level_id",
        "card_type_id",
        "user_id",
        "paid_in",
        "bonus",
        "amount",
        "returned",
        "note",
    )

    channel = fields.Selection(CHANNELS, readonly=True)
    paid_in = fields.Monetary(string="From Paid-in", readonly=True)
    bonus = fields.Monetary(string="From Bonus", readonly=True)
    amount = fields.Monetary(string="Consumed", readonly=True, help="From paid-in + from bonus.")
    returned = fields.Monetary(
        readonly=True, help="What reversals (returns) of this consumption gave back so far."
    )
    res_model = fields.Char(string="Source Model", readonly=True)
    res_id = fields.Integer(string="Source Record", readonly=True)
    note = fields.Text(readonly=True)

    def _report_query(self):
        return SQL(
            """
            SELECT m.id AS id, m.date AS date, %(columns)s, %(channel)s AS channel,
                   -COALESCE(s.paid_in, 0) AS paid_in, -COALESCE(s.bonus, 0) AS bonus,
                   -m.amount AS amount, COALESCE(back.amount, 0) AS returned,
                   m.res_model AS res_model, m.res_id AS res_id, m.note AS note
              FROM %(postings)s
              CROSS JOIN LATERAL (
                    SELECT SUM(l.amount) FILTER (WHERE l.asset = 'principal') AS paid_in,
                           SUM(l.amount) FILTER (WHERE l.asset = 'bonus') AS bonus
                      FROM member_wallet_line l WHERE l.move_id = m.id) s
              LEFT JOIN LATERAL (
                    SELECT SUM(b.amount) AS amount
                      FROM member_wallet_move b WHERE b.reversed_move_id = m.id) back ON TRUE
             WHERE m.kind = 'consumption'
            """,
            columns=POSTING_COLUMNS,
            postings=POSTINGS_FROM,
            channel=CHANNEL_SQL,
        )
