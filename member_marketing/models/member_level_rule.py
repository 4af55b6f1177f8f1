from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

MEASURES = [
    ("points", "Points Earned"),
    ("topup", "Total Top-up"),
    ("spend", "Total Spend"),
    ("single_topup", "Single Top-up"),
]


class MemberLevelRule(models.Model):
    """A rule that moves members to a level (升级) — and, optionally, back
    down when they do not keep it up (保级 / 降级).

    A member reaches ``level_id`` when the ``measure`` over the last
    ``period_months`` (the head office's local date) is at least
    ``threshold``. With ``keep_enabled``, a member at ``level_id`` whose
    measure over the last ``keep_period_months`` stays below
    ``keep_threshold`` is moved down to ``downgrade_level_id`` by the
    periodic review, once a full review period has passed since they reached
    the level. Benefits stay on ``member.level``; this model only says who
    goes where. The arithmetic is ``member.level.review``'s.
    """

    _name = "member.level.rule"
    _description = "Member Level Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    state = fields.Selection(
        [("draft", "Draft"), ("active", "Active")],
        default="draft",
        required=True,
        help="Draft rules move nobody; simulate them before activating.",
    )
    level_id = fields.Many2one(
        "member.level", string="Target Level", required=True, ondelete="restrict"
    )
    measure = fields.Selection(
        MEASURES,
        required=True,
        default="topup",
        help="Points earned, paid-in top-ups, stored value spent (reversed postings left out), "
        "or the largest single top-up, within the period.",
    )
    threshold = fields.Float(
        required=True, digits=(16, 2), help="The member reaches the level from this amount on."
    )
    period_months = fields.Integer(
        string="Period (months)",
        default=12,
        required=True,
        help="Rolling period ending today over which the measure is counted.",
    )
    keep_enabled = fields.Boolean(
        string="Keep-level Check",
        help="Members of the target level who stay below the keep-level threshold over the "
        "review period are moved down. Off: once reached, the level is kept.",
    )
    keep_threshold = fields.Float(
        string="Keep-level Threshold",
        digits=(16, 2),
        help="The same measure needed over the review period to keep the level.",
    )
    keep_period_months = fields.Integer(
        string="Review Period (months)",
        default=12,
        help="Rolling period of the keep-level check; a member is checked only once a whole "
        "period has passed since they reached the level.",
    )
    downgrade_level_id = fields.Many2one("member.level", string="Downgrade To", ondelete="restrict")
    company_ids = fields.Many2many(
        "res.company",
        string="Stores",
        help="Members registered in these stores or regions (covering their stores). Empty: "
        "the whole chain.",
    )

    @api.constrains("threshold", "period_months")
    def _check_threshold(self):
        for rule in self:
            if tools.float_compare(rule.threshold, 0, precision_digits=2) <= 0:
                raise ValidationError(
                    self.env._(
                        "The threshold of the level rule %(rule)s must be positive (got "
                        "%(threshold)s).",
                        rule=rule.name,
                        threshold=rule.threshold,
                    )
                )
            if not 1 <= rule.period_months <= 120:
                raise ValidationError(
                    self.env._(
                        "The period of the level rule %(rule)s must be from 1 to 120 months "
                        "(got %(months)s).",
                        rule=rule.name,
                        months=rule.period_months,
                    )
                )

    @api.constrains("keep_enabled", "keep_threshold", "keep_period_months", "downgrade_level_id")
    def _check_keep_level(self):
        for rule in self:
            if not rule.keep_enabled:
                continue
            if tools.float_compare(rule.keep_threshold, 0, precision_digits=2) <= 0:
                raise ValidationError(
                    self.env._(
                        "The keep-level threshold of the level rule %s must be positive.",
                        rule.name,
                    )
                )
            if not 1 <= rule.keep_period_months <= 120:
                raise ValidationError(
                    self.env._(
                        "The review period of the level rule %(rule)s must be from 1 to 120 "
                        "months (got %(months)s).",
                        rule=rule.name,
                        months=rule.keep_period_months,
                    )
                )
            if not rule.downgrade_level_id or (
                rule.downgrade_level_id.sequence,
                rule.downgrade_level_id.id,
            ) >= (rule.level_id.sequence, rule.level_id.id):
                raise ValidationError(
                    self.env._(
                        "The level rule %s needs a downgrade level below its target level.",
                        rule.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        self.env.registry.clear_cache()  # the immediate upgrade's rules
        return rules

    def write(self, vals):
        res = super().write(vals)
        self.env.registry.clear_cache()
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res

    # the last periodic review's summary (written by the review, in SQL)
    last_review = fields.Datetime(string="Last Review", readonly=True, copy=False)
    last_review_up = fields.Integer(
        string="Moved Up", readonly=True, copy=False, help="Members moved up by this rule."
    )
    last_review_down = fields.Integer(
        string="Moved Down",
        readonly=True,
        copy=False,
        help="Members moved down because they did not keep this rule's level.",
    )
    last_review_seconds = fields.Float(
        string="Review Duration (s)",
        readonly=True,
        copy=False,
        digits=(16, 1),
        help="How long the whole last review took.",
    )

    def action_activate(self):
        self.write({"state": "active"})

    def action_draft(self):
        self.write({"state": "draft"})

    def action_simulate(self):
        """How many members these rules (with the active ones) would move up
        or down, per store, written nowhere."""
        wizard = self.env["member.level.simulation"].create({"rule_ids": [(6, 0, self.ids)]})
        wizard._simulate()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Simulation"),
            "res_model": "member.level.simulation",
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def _scope_company_ids(self):
        """The stores this rule covers (a region covers its stores), or None
        for the whole chain."""
        self.ensure_one()
        if not self.company_ids:
            return None
        return frozenset(
            self.env["res.company"]
            .sudo()
            .with_context(active_test=False)
            .search([("id", "child_of", self.company_ids.ids)])
            .ids
        )

    @tools.ormcache()
    def _immediate_rules(self):
        """What a top-up needs to know of the active top-up rules, cached
        for the registry (cleared when a rule or a level changes): a tuple of
        ``(rule id, level id, measure, threshold, months, store ids or None)``."""
        rules = self.sudo().search(
            [("state", "=", "active"), ("measure", "in", ("topup", "single_topup"))]
        )
        return tuple(
            (
                rule.id,
                rule.level_id.id,
                rule.measure,
                rule.threshold,
                rule.period_months,
                rule._scope_company_ids(),
            )
            for rule in rules
        )
