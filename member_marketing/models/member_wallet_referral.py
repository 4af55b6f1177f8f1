from odoo import models

# the postings that count as the referred member's first top-up / purchase
REFERRAL_KINDS = {"topup": "first_topup", "consumption": "first_spend", "earn": "first_spend"}


class MemberWallet(models.Model):
    """A member's top-up or purchase may reward the member who referred
    them (``member.referral.reward``). Replays are looked at too: a reward
    whose posting was retried is then given (its own key makes it once)."""

    _inherit = "member.wallet"

    def _posting_done(self, move, answer, replay):
        super()._posting_done(move, answer, replay)
        # the answer, not the posting: a posting authorised apart is not visible here yet
        event = REFERRAL_KINDS.get(answer.get("kind"))
        if not event or not self.env["member.referral.rule"]._active_rule_id():
            return
        partner = self.sudo().partner_id
        if partner and partner.member_referrer_id:
            self.env["member.referral.reward"]._member_referral_event(
                partner, event, company=self.env.company
            )
