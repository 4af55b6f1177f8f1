from odoo import fields, models
from odoo.tools import SQL

from .member_report_ledger_mixin import POSTING_COLUMNS, POSTINGS_FROM


class MemberReportPackageSale(models.Model):
    """计次续费: the package sales and renewals, one row per ledger line of
    package uses added: the package, its product, the uses, the price and
    the validity they set."""

    _name = "member.report.package.sale"
    _inherit = ["member.report.ledger.mixin"]
    _description = "Package Sales and Renewals"
    _auto = False
    _report_xlsx_fields = (
        "date",
        "company_id",
        "card_id",
        "partner_id",
        "level_id",
        "user_id",
        "kind",
        "product_id",
        "package_id",
        "uses",
        "price",
        "expiry_date",
    )

    kind = fields.Selection(
        [("package_sale", "Package Sale"), ("renewal", "Package Renewal")], readonly=True
    )
    package_id = fields.Many2one("member.package", string="Package", readonly=True)
    product_id = fields.Many2one("product.product", string="Product", readonly=True)
    uses = fields.Integer(string="Uses Added", readonly=True)
    price = fields.Monetary(readonly=True, help="What was paid for these uses.")
    expiry_date = fields.Date(string="Valid Until", readonly=True)

    def _report_query(self):
        return SQL(
            """
            SELECT l.id AS id, l.date AS date, %(columns)s, l.kind AS kind,
                   l.package_id AS package_id, pk.product_id AS product_id,
                   l.amount::integer AS uses, COALESCE(l.package_price, 0) AS price,
                   l.package_expiry_date AS expiry_date
              FROM member_wallet_line l
              JOIN (%(postings)s) ON m.id = l.move_id
              JOIN member_package pk ON pk.id = l.package_id
             WHERE l.asset = 'package' AND l.kind IN ('package_sale', 'renewal')
            """,
            columns=POSTING_COLUMNS,
            postings=POSTINGS_FROM,
        )
