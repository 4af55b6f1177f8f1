from odoo import api, models


class ResPartner(models.Model):
    """A member registered with a referrer may reward them at once (rule on
    registration); so may a contact who becomes a member."""

    _inherit = "res.partner"

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        partners._member_referral_registered()
        return partners

    def write(self, vals):
        # a referrer set on an existing member later rewards nothing for registering
        newly = self.filtered(lambda p: not p.is_member) if vals.get("is_member") else self.browse()
        res = super().write(vals)
        if newly:
            newly._member_referral_registered()
        return res

    def _member_referral_registered(self):
        if not self.env["member.referral.rule"]._active_rule_id():
            return
        Reward = self.env["member.referral.reward"]
        for partner in self.sudo().filtered(lambda p: p.is_member and p.member_referrer_id):
            Reward._member_referral_event(partner, "registration")
