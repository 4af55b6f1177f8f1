from odoo import fields, models


class MemberLevelSimulationLine(models.TransientModel):
    """Members of one store who would move from one level to another."""

    _name = "member.level.simulation.line"
    _description = "Level Rule Simulation Line"
    _order = "company_id, direction desc, id"

    simulation_id = fields.Many2one("member.level.simulation", required=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", string="Registering Store")
    level_from_id = fields.Many2one("member.level", string="From Level")
    level_to_id = fields.Many2one("member.level", string="To Level")
    direction = fields.Selection([("up", "Up"), ("down", "Down")])
    member_count = fields.Integer(string="Members")
