import json

from odoo import api, fields, models

OPERATIONS = [
    ("register", "Register Member"),
    ("update", "Update Member"),
    ("level", "Change Level"),
    ("issue", "Issue Card"),
    ("replace", "Replace Card"),
    ("report_lost", "Report Lost"),
    ("cancel_lost", "Cancel Lost Report"),
    ("freeze", "Freeze"),
    ("unfreeze", "Unfreeze"),
    ("extend", "Extend Validity"),
    ("upgrade", "Upgrade Card Type"),
    ("close", "Close Card"),
    ("expire", "Expire Card"),
    ("reset_pin", "Reset PIN"),
    ("merge", "Merge Members"),
    ("import", "Import"),
    ("erase", "Erase Personal Data"),
]


class MemberOperationLog(models.Model):
    """Append-only trail of every member and card operation.

    Nobody edits or deletes a line through the ORM, superuser included; lines
    are created only by the services of the suite (``_record``, after their
    own access checks), never typed by users nor forged by a client.
    """

    _name = "member.operation.log"
    _inherit = ["member.append.only.mixin"]
    _description = "Member Operation Log"
    _order = "id desc"
    _rec_name = "operation"

    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True, index=True)
    user_id = fields.Many2one(
        "res.users", string="Operator", required=True, readonly=True, ondelete="restrict"
    )
    company_id = fields.Many2one(
        "res.company",
        string="Store",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    operation = fields.Selection(OPERATIONS, required=True, readonly=True, index=True)
    card_id = fields.Many2one(
        "member.card", string="Card", readonly=True, index=True, ondelete="restrict"
    )
    partner_id = fields.Many2one(
        "res.partner", string="Member", readonly=True, index=True, ondelete="restrict"
    )
    card_number = fields.Char(readonly=True, help="Card number at the time of the operation.")
    member_number = fields.Char(readonly=True, help="Member number at the time of the operation.")
    old_values = fields.Text(string="Before", readonly=True)
    new_values = fields.Text(string="After", readonly=True)
    reason = fields.Text(readonly=True)
    res_model = fields.Char(string="Source Model", readonly=True)
    res_id = fields.Many2oneReference(
        string="Source Record", model_field="res_model", readonly=True
    )

    def _append_only_message(self, operation):
        if operation == "create":
            return self.env._("Operation log lines are written by the system only.")
        if operation == "write":
            return self.env._("The operation log cannot be changed.")
        return self.env._("The operation log cannot be deleted.")

    @api.model
    def _record(
        self, operation, card=None, partner=None, before=None, after=None, reason=None, source=None
    ):
        """Append one log line for an operation done by the current user in
        the current company (the store where it happened)."""
        partner = partner or (card.partner_id if card else None)
        vals = {
            "operation": operation,
            "user_id": self.env.uid,
            "company_id": self.env.company.id,
            "card_id": card.id if card else False,
            "partner_id": partner.id if partner else False,
            "card_number": card.name if card else False,
            "member_number": partner.member_number if partner else False,
            "old_values": self._dump(before),
            "new_values": self._dump(after),
            "reason": reason or False,
        }
        if source:
            vals.update(res_model=source._name, res_id=source.id)
        return self._as_service().create(vals).with_env(self.env)

    @api.model
    def _dump(self, values):
        if not values:
            return False
        return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)

    # ------------------------------------------------------------------
    # A line of the operation log said in words, for the card's timeline
    # ------------------------------------------------------------------

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
