from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .member_level_review import NO_LEVEL_KEY

MANAGER = "member_base.group_member_manager"
# set, with the superuser, by this addon's services that write the history
# of a level change themselves (never a capability on its own)
LEVEL_SERVICE_KEY = "member_level_service"


class ResPartner(models.Model):
    """The member's level history and the date they reached their level
    (the keep-level check waits a whole review period from it). Every
    change of level leaves a history line: the level services write theirs
    with the rule or the reason; any other change (by hand on the form, a
    card type's level, a merge) gets one here."""

    _inherit = "res.partner"

    member_level_date = fields.Date(
        string="Level Since", readonly=True, copy=False, help="When the member reached their level."
    )
    member_level_history_ids = fields.One2many(
        "member.level.history", "partner_id", string="Level History", readonly=True
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not self.env.su:
                vals.pop("member_level_date", None)
            if vals.get("member_level_id"):
                vals["member_level_date"] = fields.Date.context_today(self)
        return super().create(vals_list)

    def write(self, vals):
        if "member_level_date" in vals and not self.env.su:
            raise AccessError(self.env._("The level date is set by the level services only."))
        if "member_level_id" not in vals or self._member_level_service():
            return super().write(vals)
        before = {partner.id: partner.member_level_id for partner in self}
        res = super().write(vals)
        changed = self.filtered(lambda p: p.is_member and before[p.id] != p.member_level_id)
        if changed:
            today = fields.Date.context_today(self)
            changed.sudo().with_context(**{LEVEL_SERVICE_KEY: True}).write(
                {"member_level_date": today}
            )
            origin = "system" if self.env.su else "manual"
            self.env["member.level.history"]._as_service().create(
                [
                    partner._member_level_history_vals(before[partner.id], origin)
                    for partner in changed
                ]
            )
        return res

    def action_member_change_level(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Change Level of %s", self.display_name),
            "res_model": "member.level.change",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    def _member_level_service(self):
        return bool(self.env.su and self.env.context.get(LEVEL_SERVICE_KEY))

    def _member_write_level(self, level_id, day):
        """Set the level of these members as the service (no check here: the
        caller checked), without the chatter (the history says it)."""
        self.sudo().with_context(**{LEVEL_SERVICE_KEY: True, "tracking_disable": True}).write(
            {"member_level_id": level_id, "member_level_date": day}
        )

    def _member_level_history_vals(self, before, origin, rule=None, reason=None):
        self.ensure_one()
        keys = self.env["member.level"]._member_level_keys()
        after = self.member_level_id
        up = keys.get(after.id, NO_LEVEL_KEY) > keys.get(before.id, NO_LEVEL_KEY)
        return {
            "partner_id": self.id,
            "level_from_id": before.id or False,
            "level_to_id": after.id or False,
            "direction": "up" if up else "down",
            "origin": origin,
            "rule_id": rule.id if rule else False,
            "user_id": self.env.uid,
            "company_id": self.env.company.id,
            "reason": reason or False,
        }

    def _member_change_level(self, level, reason):
        """Change this member's level by hand (store managers), with a
        reason: member_base's level check, then the service's write, one
        operation-log line with the reason and a history line."""
        self.ensure_one()
        if not self.env.user.has_group(MANAGER):
            raise AccessError(self.env._("Only a store manager may change a member's level."))
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Please give a reason for the change of level."))
        if not self.is_member or not self.active:
            raise UserError(self.env._("%s is not an active member.", self.display_name))
        if not level:
            raise UserError(self.env._("Choose the new level."))
        if level == self.member_level_id:
            raise UserError(
                self.env._(
                    "%(member)s is already at level %(level)s.",
                    member=self.display_name,
                    level=level.name,
                )
            )
        self.check_access("write")
        self._check_level_right(level.id, had_level=True)
        before = self.member_level_id
        self._member_write_level(level.id, fields.Date.context_today(self))
        self.env["member.operation.log"]._record(
            "level",
            partner=self,
            before={"level": before.name or ""},
            after={"level": level.name},
            reason=reason,
        )
        self.env["member.level.history"]._as_service().create(
            self._member_level_history_vals(before, "manual", reason=reason)
        )
        return True
