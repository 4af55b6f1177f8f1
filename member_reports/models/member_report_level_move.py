from odoo import fields, models
from odoo.tools import SQL


class MemberReportLevelMove(models.Model):
    """Level movement (head office): one row per change of a member's level
    (member_marketing's level history: reviews, immediate upgrades, manual
    changes), in the store the member registered in; the pivot counts ups
    and downs per store and month, from and to which level."""

    _name = "member.report.level.move"
    _inherit = ["member.report.mixin"]
    _description = "Level Movement"
    _auto = False
    _order = "date desc, id desc"
    _depends = {
        "member.level.history": [
            "partner_id",
            "level_from_id",
            "level_to_id",
            "direction",
            "date",
            "origin",
            "user_id",
        ],
        "res.partner": ["member_register_company_id"],
        "res.company": ["parent_id"],
    }
    _report_xlsx_fields = (
        "date",
        "company_id",
        "partner_id",
        "level_from_id",
        "level_to_id",
        "direction",
        "origin",
        "user_id",
        "up_count",
        "down_count",
    )

    date = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", string="Store", readonly=True)
    region_id = fields.Many2one("res.company", string="Region", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Member", readonly=True)
    level_from_id = fields.Many2one("member.level", string="From Level", readonly=True)
    level_to_id = fields.Many2one("member.level", string="To Level", readonly=True)
    direction = fields.Selection([("up", "Up"), ("down", "Down")], readonly=True)
    origin = fields.Selection(
        selection=lambda self: (
            self.env["member.level.history"]._fields["origin"]._description_selection(self.env)
        ),
        readonly=True,
    )
    user_id = fields.Many2one("res.users", string="Operator", readonly=True)
    up_count = fields.Integer(string="Upgrades", readonly=True)
    down_count = fields.Integer(string="Downgrades", readonly=True)

    def _report_query(self):
        return SQL(
            """
            SELECT h.id AS id, h.date AS date, c.id AS company_id,
                   c.parent_id AS region_id, h.partner_id AS partner_id,
                   h.level_from_id AS level_from_id, h.level_to_id AS level_to_id,
                   h.direction AS direction, h.origin AS origin, h.user_id AS user_id,
                   CASE WHEN h.direction = 'up' THEN 1 ELSE 0 END AS up_count,
                   CASE WHEN h.direction = 'down' THEN 1 ELSE 0 END AS down_count
              FROM member_level_history h
              JOIN res_partner p ON p.id = h.partner_id
              JOIN res_company c ON c.id = p.member_register_company_id
            """
        )
