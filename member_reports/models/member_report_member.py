from odoo import fields, models
from odoo.tools import SQL


class MemberReportMember(models.Model):
    """会员信息: the members with their assets, one row per wallet: stored
    value (paid-in and bonus), points and the package uses left, in the
    store the member registered in (else the store that issued the card).
    The balances are the wallet's own, which its ledger lines sum to."""

    _name = "member.report.member"
    _inherit = ["member.report.mixin"]
    _description = "Member Information"
    _auto = False
    _order = "company_id, partner_id"
    _depends = {
        "member.wallet": ["partner_id", "card_id", "principal", "bonus", "balance", "points"],
        "member.card": ["type_id", "issue_company_id", "state"],
        "member.package": ["wallet_id", "uses_remaining", "state"],
        "res.partner": [
            "member_level_id",
            "member_register_company_id",
            "member_number",
            "member_mobile",
            "member_register_date",
        ],
        "res.company": ["parent_id"],
    }
    _report_xlsx_fields = (
        "member_number",
        "partner_id",
        "mobile",
        "card_id",
        "card_type_id",
        "card_state",
        "level_id",
        "company_id",
        "register_date",
        "principal",
        "bonus",
        "balance",
        "points",
        "points_value",
        "packages",
        "package_uses_left",
        "last_move_date",
    )

    company_id = fields.Many2one(
        "res.company",
        string="Store",
        readonly=True,
        help="The store the member registered in (else the store that issued the card).",
    )
    region_id = fields.Many2one("res.company", string="Region", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Member", readonly=True)
    member_number = fields.Char(readonly=True)
    mobile = fields.Char(readonly=True)
    register_date = fields.Date(string="Registration Date", readonly=True)
    card_id = fields.Many2one("member.card", string="Card", readonly=True)
    card_type_id = fields.Many2one("member.card.type", string="Card Type", readonly=True)
    card_state = fields.Selection(
        selection=lambda self: (
            self.env["member.card"]._fields["state"]._description_selection(self.env)
        ),
        string="Card Status",
        readonly=True,
    )
    level_id = fields.Many2one("member.level", string="Level", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    principal = fields.Monetary(string="Paid-in Value", readonly=True)
    bonus = fields.Monetary(string="Bonus Value", readonly=True)
    balance = fields.Monetary(string="Stored Value", readonly=True)
    points = fields.Integer(readonly=True)
    points_value = fields.Monetary(
        readonly=True,
        help="The points at their value as a cash deduction (Settings: so many points for so "
        "much): the points liability.",
    )
    packages = fields.Integer(string="Active Packages", readonly=True)
    package_uses_left = fields.Integer(string="Package Uses Left", readonly=True)
    last_move_date = fields.Datetime(string="Last Posting", readonly=True)

    def _report_query(self):
        return SQL(
            """
            SELECT w.id AS id, c.id AS company_id, c.parent_id AS region_id,
                   w.partner_id AS partner_id, p.member_number AS member_number,
                   p.member_mobile AS mobile, p.member_register_date AS register_date,
                   w.card_id AS card_id, card.type_id AS card_type_id, card.state AS card_state,
                   p.member_level_id AS level_id, w.currency_id AS currency_id,
                   w.principal AS principal, w.bonus AS bonus, w.balance AS balance,
                   w.points AS points,
                   ROUND(w.points * rate.amount / NULLIF(rate.points, 0), 2) AS points_value,
                   COALESCE(pk.packages, 0) AS packages,
                   COALESCE(pk.uses_left, 0) AS package_uses_left, last.date AS last_move_date
              FROM member_wallet w
              JOIN member_card card ON card.id = w.card_id
              LEFT JOIN res_partner p ON p.id = w.partner_id
              JOIN res_company c ON c.id = COALESCE(p.member_register_company_id,
                                                    card.issue_company_id)
              LEFT JOIN member_wallet_move last ON last.id = w.last_move_id
              -- the value of points as a cash deduction, as member_wallet reads it
              -- (default 100 points for 1.00; a setting that is no number: none)
              CROSS JOIN (
                    SELECT COALESCE((SELECT CASE WHEN value ~ '^ *[0-9]+([.][0-9]+)? *$'
                                                 THEN value::numeric END
                                       FROM ir_config_parameter
                                      WHERE key = 'member_wallet.points_cash_amount'), 1.0)
                               AS amount,
                           COALESCE((SELECT CASE WHEN value ~ '^ *[0-9]+ *$'
                                                 THEN value::numeric END
                                       FROM ir_config_parameter
                                      WHERE key = 'member_wallet.points_cash_points'), 100)
                               AS points) rate
              LEFT JOIN LATERAL (
                    SELECT COUNT(*)::integer AS packages,
                           SUM(uses_remaining)::integer AS uses_left
                      FROM member_package
                     WHERE wallet_id = w.id AND state = 'active') pk ON TRUE
            """
        )
