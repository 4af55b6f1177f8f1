from odoo import fields, models


class MemberLevelChange(models.TransientModel):
    """Change a member's level by hand (store managers), with a reason."""

    _name = "member.level.change"
    _description = "Change Member Level"

    partner_id = fields.Many2one(
        "res.partner", string="Member", required=True, domain=[("is_member", "=", True)]
    )
    current_level_id = fields.Many2one(related="partner_id.member_level_id", string="Current Level")
    level_id = fields.Many2one("member.level", string="New Level", required=True)
    reason = fields.Text(required=True)

    def action_apply(self):
        self.ensure_one()
        self.partner_id._member_change_level(self.level_id, self.reason)
        return {"type": "ir.actions.act_window_close"}
