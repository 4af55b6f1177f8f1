from odoo import api, models

from .member_level_review import NO_LEVEL_KEY


class MemberLevelReview(models.AbstractModel):
    """A member whose paid membership holds their level is not moved by the
    level rules to that level or below it: only an upgrade above the
    plan's level applies (it becomes their earned level too). After the
    plan ends, the next review judges them on their earned level."""

    _inherit = "member.level.review"

    @api.model
    def _compute_changes(self, rules):
        changes = super()._compute_changes(rules)
        if not changes:
            return changes
        self.env.cr.execute(
            """SELECT id, member_plan_level_id FROM res_partner
                WHERE id = ANY(%s) AND member_plan_level_id IS NOT NULL""",
            [[change.partner_id for change in changes]],
        )
        plans = dict(self.env.cr.fetchall())
        if not plans:
            return changes
        keys = self.env["member.level"]._member_level_keys()
        return [
            change
            for change in changes
            if change.partner_id not in plans
            or keys.get(change.to_id, NO_LEVEL_KEY)
            > keys.get(plans[change.partner_id], NO_LEVEL_KEY)
        ]
