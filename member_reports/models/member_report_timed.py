from odoo import fields, models
from odoo.tools import SQL

from .member_report_ledger_mixin import POSTING_COLUMNS, POSTINGS_FROM


class MemberReportTimed(models.Model):
    """计时消费: the timed sessions paid from stored value, one row per
    posting: the resource, the minutes billed and the charge."""

    _name = "member.report.timed"
    _inherit = ["member.report.ledger.mixin"]
    _description = "Timed Consumption"
    _auto = False
    _report_xlsx_fields = (
        "date",
        "company_id",
        "card_id",
        "partner_id",
        "level_id",
        "user_id",
        "resource_id",
        "start",
        "stop",
        "billed_minutes",
        "paid_in",
        "bonus",
        "amount",
    )

    session_id = fields.Many2one("member.timed.session", string="Session", readonly=True)
    resource_id = fields.Many2one("member.timed.resource", string="Resource", readonly=True)
    start = fields.Datetime(readonly=True)
    stop = fields.Datetime(readonly=True)
    billed_minutes = fields.Float(string="Minutes Billed", readonly=True)
    paid_in = fields.Monetary(string="From Paid-in", readonly=True)
    bonus = fields.Monetary(string="From Bonus", readonly=True)
    amount = fields.Monetary(string="Charge", readonly=True)

    def _report_query(self):
        return SQL(
            """
            SELECT m.id AS id, m.date AS date, %(columns)s, ts.id AS session_id,
                   ts.resource_id AS resource_id, ts.start AS start, ts.stop AS stop,
                   COALESCE(ts.billed_minutes, 0) AS billed_minutes,
                   -COALESCE(s.paid_in, 0) AS paid_in, -COALESCE(s.bonus, 0) AS bonus,
                   -m.amount AS amount
              FROM %(postings)s
              CROSS JOIN LATERAL (
                    SELECT SUM(l.amount) FILTER (WHERE l.asset = 'principal') AS paid_in,
                           SUM(l.amount) FILTER (WHERE l.asset = 'bonus') AS bonus
                      FROM member_wallet_line l WHERE l.move_id = m.id) s
              LEFT JOIN member_timed_session ts
                     ON m.res_model = 'member.timed.session' AND ts.id = m.res_id
             WHERE m.kind = 'timed'
            """,
            columns=POSTING_COLUMNS,
            postings=POSTINGS_FROM,
        )
