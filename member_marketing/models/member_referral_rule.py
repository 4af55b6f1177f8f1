from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

REFERRAL_EVENTS = [
    ("registration", "Registration"),
    ("first_topup", "First Top-up"),
    ("first_spend", "First Purchase"),
]


class MemberReferralRule(models.Model):
    """What a member earns for bringing a friend (邀请好友): points and/or
    bonus stored value, when the friend they referred registers, tops up
    for the first time or buys for the first time, at most so many rewards
    per referrer per month or year. One rule is active at a time; each
    referred member rewards their referrer once, ever."""

    _name = "member.referral.rule"
    _description = "Referral Reward Rule"
    _order = "active desc, id desc"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    event = fields.Selection(
        REFERRAL_EVENTS,
        string="Rewarded On",
        required=True,
        default="first_spend",
        help="First top-up / first purchase: the first one after the rule is active (a purchase "
        "paid from the stored value, or one that earns points).",
    )
    reward_points = fields.Integer(string="Points")
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id, required=True
    )
    reward_bonus = fields.Monetary(string="Bonus Stored Value")
    cap_count = fields.Integer(
        string="At Most",
        help="Rewards per referrer per period (0: no cap). A referral beyond it is recorded "
        "as capped and never rewarded.",
    )
    cap_period = fields.Selection(
        [("month", "per Month"), ("year", "per Year")],
        string="Period",
        default="month",
        required=True,
    )

    _one_active = models.UniqueIndex("(active) WHERE active", "Only one referral rule is active.")
    _rewards_not_negative = models.Constraint(
        "CHECK(reward_points >= 0 AND reward_bonus >= 0 AND cap_count >= 0)",
        "Rewards and caps cannot be negative.",
    )

    @api.constrains("name", "reward_points", "reward_bonus")
    def _check_reward(self):
        for rule in self:
            if rule.reward_points <= 0 and rule.reward_bonus <= 0:
                raise ValidationError(
                    self.env._("A referral reward gives points or bonus stored value.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        self.env.registry.clear_cache()
        return rules

    def write(self, vals):
        res = super().write(vals)
        self.env.registry.clear_cache()
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res

    @api.model
    @tools.ormcache()
    def _active_rule_id(self):
        """The active rule's id (0: none), cached: every posting asks."""
        self.env.cr.execute("SELECT id FROM member_referral_rule WHERE active LIMIT 1")
        row = self.env.cr.fetchone()
        return row[0] if row else 0
