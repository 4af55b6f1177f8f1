import json

from odoo import fields, models


class MemberOperationLog(models.Model):
    """A line of the operation log said in words, for the card's timeline:
    the state it moved the card to, what the money operations moved (other
    addons add their parts)."""

    _inherit = "member.operation.log"

    summary = fields.Char(compute="_compute_summary", string="Details")

    def _compute_summary(self):
        for line in self:
            line.summary = "; ".join(part for part in line._summary_parts() if part)

    def _summary_values(self):
        """``(before, after)`` as dicts."""
        self.ensure_one()
        try:
            before = json.loads(self.old_values) if self.old_values else {}
            after = json.loads(self.new_values) if self.new_values else {}
        except ValueError:
            return {}, {}
        return (
            before if isinstance(before, dict) else {},
            after if isinstance(after, dict) else {},
        )

    def _summary_parts(self):
        self.ensure_one()
        before, after = self._summary_values()
        parts = []
        state = after.get("state")
        if state and state != before.get("state"):
            labels = dict(self.env["member.card"]._fields["state"]._description_selection(self.env))
            if before.get("state"):
                parts.append(
                    f"{labels.get(before['state'], before['state'])} → {labels.get(state, state)}"
                )
            else:
                parts.append(labels.get(state, state))
        if after.get("replaced_by"):
            parts.append(self.env._("new card %s", after["replaced_by"]))
        if after.get("expiry_date") and after["expiry_date"] != before.get("expiry_date"):
            parts.append(self.env._("valid until %s", after["expiry_date"]))
        return parts
