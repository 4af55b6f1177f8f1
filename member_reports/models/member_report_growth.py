from odoo import fields, models
from odoo.tools import SQL


class MemberReportGrowth(models.Model):
    """Member growth (head office): one row per member, in the store they
    registered in, on their registration day, with the registration source
    and their level now; the pivot counts new members per store and month."""

    _name = "member.report.growth"
    _inherit = ["member.report.mixin"]
    _description = "Member Growth"
    _auto = False
    _order = "register_date desc, id desc"
    _depends = {
        "res.partner": [
            "is_member",
            "member_register_company_id",
            "member_register_date",
            "member_source",
            "member_level_id",
        ],
        "res.company": ["parent_id"],
    }
    _report_xlsx_fields = (
        "register_date",
        "company_id",
        "region_id",
        "partner_id",
        "source",
        "level_id",
        "member_count",
    )

    register_date = fields.Date(string="Registration Date", readonly=True)
    company_id = fields.Many2one("res.company", string="Store", readonly=True)
    region_id = fields.Many2one("res.company", string="Region", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Member", readonly=True)
    source = fields.Selection(
        selection=lambda self: (
            self.env["res.partner"]._fields["member_source"]._description_selection(self.env)
        ),
        string="Registration Source",
        readonly=True,
    )
    level_id = fields.Many2one("member.level", string="Level", readonly=True)
    member_count = fields.Integer(string="New Members", readonly=True)

    def _report_query(self):
        return SQL(
            """
            SELECT p.id AS id,
                   COALESCE(p.member_register_date, p.create_date::date) AS register_date,
                   c.id AS company_id, c.parent_id AS region_id, p.id AS partner_id,
                   p.member_source AS source, p.member_level_id AS level_id,
                   1 AS member_count
              FROM res_partner p
              JOIN res_company c ON c.id = p.member_register_company_id
             WHERE p.is_member AND p.active
            """
        )
