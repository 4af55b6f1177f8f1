from odoo import fields, models
from odoo.tools import SQL

from odoo.addons.member_pos.models.member_commission_rule import COMMISSION_BASES


class MemberReportCommission(models.Model):
    """业务提成: the staff commission per employee and period, one row per
    commission line of member_pos (``member.commission.line``), as it was
    earned at the sale, top-up, card issue or package sale, and the negative
    lines of the returns that took it back (in the period of the return).
    The figures are the lines' own: the report's totals are their sums."""

    _name = "member.report.commission"
    _inherit = ["member.report.mixin"]
    _description = "Staff Commission"
    _auto = False
    _order = "date desc, id desc"
    _depends = {
        "member.commission.line": [
            "date",
            "company_id",
            "user_id",
            "employee_name",
            "basis",
            "rule_id",
            "rule_percent",
            "rule_fixed_amount",
            "product_id",
            "categ_id",
            "card_id",
            "partner_id",
            "pos_order_id",
            "base_amount",
            "quantity",
            "amount",
            "currency_id",
            "reversed_line_id",
        ],
        "res.company": ["parent_id"],
    }
    _report_xlsx_fields = (
        "date",
        "company_id",
        "user_id",
        "employee_name",
        "basis",
        "product_id",
        "categ_id",
        "card_id",
        "pos_order_id",
        "rule_id",
        "rule_percent",
        "rule_fixed_amount",
        "quantity",
        "base_amount",
        "earned",
        "taken_back",
        "amount",
    )

    date = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", string="Store", readonly=True)
    region_id = fields.Many2one(
        "res.company", string="Region", readonly=True, help="The store's parent company."
    )
    user_id = fields.Many2one("res.users", string="Employee", readonly=True)
    employee_name = fields.Char(string="Cashier", readonly=True)
    basis = fields.Selection(COMMISSION_BASES, string="Commission On", readonly=True)
    rule_id = fields.Many2one("member.commission.rule", string="Rule", readonly=True)
    rule_percent = fields.Float(string="Rate (%)", digits=(5, 2), readonly=True, aggregator=None)
    rule_fixed_amount = fields.Monetary(string="Fixed Amount", readonly=True, aggregator=None)
    product_id = fields.Many2one("product.product", string="Product", readonly=True)
    categ_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    card_id = fields.Many2one("member.card", string="Card", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Member", readonly=True)
    pos_order_id = fields.Many2one("pos.order", string="POS Order", readonly=True)
    is_return = fields.Boolean(
        string="Return", readonly=True, help="A line taking back the commission of a return."
    )
    quantity = fields.Float(digits="Product Unit", readonly=True)
    base_amount = fields.Monetary(
        string="Base", readonly=True, help="The amount sold, topped up or paid for the card."
    )
    earned = fields.Monetary(readonly=True, help="The commission earned (lines of the business).")
    taken_back = fields.Monetary(
        string="Taken Back", readonly=True, help="The commission taken back by returns (negative)."
    )
    amount = fields.Monetary(string="Commission", readonly=True, help="Earned + taken back.")
    currency_id = fields.Many2one("res.currency", readonly=True)

    def _report_query(self):
        return SQL(
            """
            SELECT l.id AS id, l.date AS date, l.company_id AS company_id,
                   c.parent_id AS region_id, l.user_id AS user_id,
                   l.employee_name AS employee_name, l.basis AS basis, l.rule_id AS rule_id,
                   l.rule_percent AS rule_percent, l.rule_fixed_amount AS rule_fixed_amount,
                   l.product_id AS product_id, l.categ_id AS categ_id, l.card_id AS card_id,
                   l.partner_id AS partner_id, l.pos_order_id AS pos_order_id,
                   l.reversed_line_id IS NOT NULL AS is_return,
                   l.quantity AS quantity, l.base_amount AS base_amount,
                   CASE WHEN l.reversed_line_id IS NULL THEN l.amount ELSE 0 END AS earned,
                   CASE WHEN l.reversed_line_id IS NULL THEN 0 ELSE l.amount END AS taken_back,
                   l.amount AS amount, l.currency_id AS currency_id
              FROM member_commission_line l
              JOIN res_company c ON c.id = l.company_id
            """
        )
