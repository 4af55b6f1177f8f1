from collections import Counter

from odoo import fields, models


class MemberLevelSimulation(models.TransientModel):
    """What the chosen rules, added to the active ones, would do today: how
    many members move up or down, per store, from the review's own SQL.
    No level, history or log line is written."""

    _name = "member.level.simulation"
    _description = "Level Rule Simulation"

    rule_ids = fields.Many2many("member.level.rule", string="Simulated Rules", readonly=True)
    line_ids = fields.One2many(
        "member.level.simulation.line", "simulation_id", string="Moves", readonly=True
    )
    up_count = fields.Integer(string="Members Moving Up", readonly=True)
    down_count = fields.Integer(string="Members Moving Down", readonly=True)

    def _simulate(self):
        self.ensure_one()
        rules = self.env["member.level.rule"].search([("state", "=", "active")]) | self.rule_ids
        changes = self.env["member.level.review"]._compute_changes(rules)
        counts = Counter(
            (change.company_id or False, change.from_id, change.to_id, change.direction)
            for change in changes
        )
        self.write(
            {
                "up_count": sum(1 for change in changes if change.direction == "up"),
                "down_count": sum(1 for change in changes if change.direction == "down"),
                "line_ids": [(5, 0, 0)]
                + [
                    (
                        0,
                        0,
                        {
                            "company_id": company_id,
                            "level_from_id": from_id or False,
                            "level_to_id": to_id,
                            "direction": direction,
                            "member_count": count,
                        },
                    )
                    for (company_id, from_id, to_id, direction), count in sorted(
                        counts.items(),
                        key=lambda item: (item[0][0] or 0, item[0][3], item[0][1] or 0, item[0][2]),
                    )
                ],
            }
        )
        return changes
