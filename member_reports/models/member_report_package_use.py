from odoo import fields, models
from odoo.tools import SQL

from .member_report_ledger_mixin import POSTING_COLUMNS, POSTINGS_FROM


class MemberReportPackageUse(models.Model):
    """计次消费: the package uses, one row per ledger line, in the store where
    the package was used (a package bought in one store may be used in
    another)."""

    _name = "member.report.package.use"
    _inherit = ["member.report.ledger.mixin"]
    _description = "Package Uses"
    _auto = False
    _report_xlsx_fields = (
        "date",
        "company_id",
        "card_id",
        "partner_id",
        "level_id",
        "user_id",
        "product_id",
        "package_id",
        "sold_company_id",
        "uses",
        "note",
    )

    package_id = fields.Many2one("member.package", string="Package", readonly=True)
    product_id = fields.Many2one("product.product", string="Package Product", readonly=True)
    sold_company_id = fields.Many2one("res.company", string="Sold In", readonly=True)
    uses = fields.Integer(string="Uses", readonly=True)
    note = fields.Text(string="Service", readonly=True)

    def _report_query(self):
        return SQL(
            """
            SELECT l.id AS id, l.date AS date, %(columns)s,
                   l.package_id AS package_id, pk.product_id AS product_id,
                   pk.company_id AS sold_company_id, (-l.amount)::integer AS uses,
                   m.note AS note
              FROM member_wallet_line l
              JOIN (%(postings)s) ON m.id = l.move_id
              JOIN member_package pk ON pk.id = l.package_id
             WHERE l.asset = 'package' AND l.kind = 'package_use'
            """,
            columns=POSTING_COLUMNS,
            postings=POSTINGS_FROM,
        )
