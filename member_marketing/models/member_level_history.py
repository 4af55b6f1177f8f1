from odoo import api, fields, models

ORIGINS = [
    ("immediate", "Immediate Upgrade"),
    ("review", "Periodic Review"),
    ("manual", "Manual Change"),
    ("system", "Other Operation"),
]


class MemberLevelHistory(models.Model):
    """Every change of a member's level: from, to, when, why (the rule, or
    the reason given by hand) and by whom. Written by the services only,
    never changed or deleted."""

    _name = "member.level.history"
    _inherit = ["member.append.only.mixin"]
    _description = "Member Level History"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Member",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    level_from_id = fields.Many2one(
        "member.level", string="From Level", readonly=True, ondelete="restrict"
    )
    level_to_id = fields.Many2one(
        "member.level", string="To Level", readonly=True, ondelete="restrict"
    )
    direction = fields.Selection([("up", "Up"), ("down", "Down")], readonly=True, required=True)
    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True, index=True)
    origin = fields.Selection(ORIGINS, required=True, readonly=True)
    rule_id = fields.Many2one(
        "member.level.rule", string="Rule", readonly=True, ondelete="restrict"
    )
    user_id = fields.Many2one("res.users", string="Operator", required=True, readonly=True)
    company_id = fields.Many2one("res.company", string="Store", readonly=True)
    reason = fields.Text(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        """A member moved up a level (by a review, an immediate upgrade, a
        change by hand, a card type's level) is told by a service SMS when
        member_base's “SMS on Upgrade” is on; one batch for a review's
        whole chunk."""
        lines = super().create(vals_list)
        self.env["res.partner"]._member_sms_service(
            "upgrade",
            lines.filtered(lambda line: line.direction == "up" and line.level_to_id),
            partner_of=lambda line: line.partner_id,
            company_of=lambda line: line.company_id,
        )
        return lines
