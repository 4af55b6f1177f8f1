from odoo import api, fields, models
from odoo.exceptions import UserError


class MemberMerge(models.TransientModel):
    """Merge duplicate members: cards move to the member kept, the others are
    archived and point to it; the operation log is left as it was, plus one
    merge entry per member merged."""

    _name = "member.merge"
    _description = "Merge Members"

    partner_ids = fields.Many2many(
        "res.partner", string="Members", domain=[("is_member", "=", True)], required=True
    )
    dst_partner_id = fields.Many2one(
        "res.partner", string="Member to Keep", domain="[('id', 'in', partner_ids)]", required=True
    )
    reason = fields.Text(required=True)

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        active_ids = self.env.context.get("active_ids") or []
        if self.env.context.get("active_model") == "res.partner" and active_ids:
            res["partner_ids"] = [(6, 0, active_ids)]
            res["dst_partner_id"] = min(active_ids)
        return res

    def action_merge(self):
        self.ensure_one()
        return self.env["res.partner"]._member_merge(
            self.partner_ids - self.dst_partner_id, self.dst_partner_id, self.reason
        )


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        partners = self.env["res.partner"].browse(partner_ids).exists()
        if any(partner.is_member for partner in partners):
            raise UserError(
                self.env._(
                    "Members are merged with the “Merge Members” action of the member list, which "
                    "keeps their cards and operation log consistent."
                )
            )
        return super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
