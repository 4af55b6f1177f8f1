from odoo import api, fields, models
from odoo.exceptions import ValidationError

KINDS = [
    ("rfm", "RFM Score"),
    ("pyramid", "A/B/C/D Pyramid (spend share)"),
    ("pyramid_fm", "A/B/C/D Pyramid (frequency × amount)"),
    ("frequency", "Frequency (days with a purchase)"),
    ("recency", "Recency (days since the last purchase)"),
    ("spend", "Total Spend"),
    ("average_ticket", "Average Ticket"),
    ("inactivity", "Inactivity (days without any activity)"),
    ("category", "Preferred Product Category (share of spend, %)"),
    ("demographic", "Demographics Only (levels, gender, age band)"),
]

# kinds read from the shared aggregate of purchases in the rule's window
WINDOW_KINDS = {
    "rfm",
    "pyramid",
    "pyramid_fm",
    "frequency",
    "recency",
    "spend",
    "average_ticket",
    "category",
}


def parse_bands(text):
    """Four ascending numbers separated by commas (the limits between the
    five scores), or None when ``text`` is not that."""
    try:
        bands = [float(part) for part in (text or "").split(",")]
    except ValueError:
        return None
    if len(bands) != 4 or any(b >= a for a, b in zip(bands[1:], bands, strict=False)):
        return None
    if any(b < 0 for b in bands):
        return None
    return bands


class MemberTagRule(models.Model):
    """An automatic tag: the rule that decides, every night, which members
    carry one partner tag (``res.partner.category``). The nightly
    recompute (``member.tag.engine``) adds the tag to the members who meet
    the rule and takes it away from the others, set-based; a tag kept by a
    rule is *automatic* and is not given by hand."""

    _name = "member.tag.rule"
    _description = "Member Automatic Tag Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    category_id = fields.Many2one(
        "res.partner.category",
        string="Tag",
        required=True,
        ondelete="restrict",
        help="The partner tag this rule gives and takes away. Leave empty to create one "
        "named after the rule.",
    )
    kind = fields.Selection(KINDS, required=True, default="spend")
    window_months = fields.Integer(
        string="Window (months)",
        default=12,
        help="The purchases counted: those of the last N months, up to yesterday "
        "(the head office's local date).",
    )
    value_min = fields.Float(
        string="From",
        digits=(16, 2),
        help="Lower bound, included: amount (spend, average ticket), days (recency, "
        "inactivity), number of days with a purchase (frequency), percent (pyramid: "
        "cumulative spend share before the member; category: share of the member's "
        "spend).",
    )
    value_max = fields.Float(
        string="To",
        digits=(16, 2),
        help="Upper bound: included for amounts, days and counts, excluded for the pyramid's "
        "share. 0: no upper bound.",
    )
    rfm_method = fields.Selection(
        [("quintile", "Quintiles"), ("threshold", "Thresholds")],
        string="RFM Scoring",
        default="quintile",
        help="Quintiles: members with purchases in the window are ranked and split in five "
        "groups per measure (5 best). Thresholds: the bands below.",
    )
    rfm_recency_bands = fields.Char(
        string="Recency Bands (days)",
        default="30,90,180,365",
        help="Four limits in days: up to the first scores 5, above the last scores 1.",
    )
    rfm_frequency_bands = fields.Char(
        string="Frequency Bands",
        default="2,4,8,16",
        help="Four limits in days with a purchase: from the last scores 5, below the first 1.",
    )
    rfm_monetary_bands = fields.Char(
        string="Monetary Bands",
        default="500,1000,2000,5000",
        help="Four limits in spend: from the last scores 5, below the first 1.",
    )
    r_min = fields.Integer(string="R from", default=1)
    r_max = fields.Integer(string="R to", default=5)
    f_min = fields.Integer(string="F from", default=1)
    f_max = fields.Integer(string="F to", default=5)
    m_min = fields.Integer(string="M from", default=1)
    m_max = fields.Integer(string="M to", default=5)
    product_category_id = fields.Many2one(
        "product.category", string="Product Category", ondelete="restrict"
    )
    level_ids = fields.Many2many("member.level", string="Levels", help="Empty: every level.")
    gender = fields.Selection(
        [("male", "Male"), ("female", "Female"), ("other", "Other")],
        help="Empty: every member.",
    )
    pyramid_class = fields.Selection(
        [
            ("a", "A: frequent and big spenders"),
            ("b", "B: frequent, smaller spend"),
            ("c", "C: big spend, seldom"),
            ("d", "D: the others"),
        ],
        string="Pyramid Class",
        help="Seed 003's pyramid of frequency × amount, over the members with a purchase "
        "in the window: A buy often and much, B often but less, C much but seldom, D the "
        "rest. One rule per class.",
    )
    pyramid_min_days = fields.Integer(
        string="Frequent From (days)",
        default=4,
        help="Days with a purchase in the window from which a member buys often (included).",
    )
    pyramid_min_spend = fields.Float(
        string="Big Spend From",
        digits=(16, 2),
        default=1000.0,
        help="Spend in the window from which a member spends much (included).",
    )
    age_min = fields.Integer(
        string="Age From",
        help="Members at least this old (in whole years, from their birthday, on the head "
        "office's local date; a 29 February birthday counts on 28 February in common "
        "years). 0: no lower bound. With an age band, members without a birthday are left "
        "out.",
    )
    age_max = fields.Integer(
        string="Age To", help="Members at most this old (included). 0: no upper bound."
    )
    company_ids = fields.Many2many(
        "res.company",
        string="Stores",
        help="Members registered in these stores or regions (covering their stores). "
        "Empty: the whole chain. Quintiles and the pyramid rank the members in scope.",
    )
    member_count = fields.Integer(compute="_compute_member_count", string="Members")
    last_run = fields.Datetime(readonly=True, copy=False)
    last_added = fields.Integer(
        string="Last Run: Entered", readonly=True, copy=False, help="Members given the tag."
    )
    last_removed = fields.Integer(
        string="Last Run: Left", readonly=True, copy=False, help="Members the tag was taken from."
    )
    last_seconds = fields.Float(
        string="Last Run: Duration (s)", readonly=True, copy=False, digits=(16, 2)
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("category_id") and vals.get("name"):
                vals["category_id"] = (
                    self.env["res.partner.category"].create({"name": vals["name"]}).id
                )
        return super().create(vals_list)

    @api.depends("category_id")
    def _compute_member_count(self):
        groups = self.env["res.partner"]._read_group(
            [("category_id", "in", self.category_id.ids)], ["category_id"], ["__count"]
        )
        counts = {category.id: count for category, count in groups}
        for rule in self:
            rule.member_count = counts.get(rule.category_id.id, 0)

    @api.constrains("category_id", "active")
    def _check_one_rule_per_tag(self):
        for rule in self.filtered("active"):
            if self.search_count(
                [("category_id", "=", rule.category_id.id), ("id", "!=", rule.id)]
            ):
                raise ValidationError(
                    self.env._(
                        "The tag %s is already kept by another rule: one rule per automatic tag.",
                        rule.category_id.display_name,
                    )
                )

    @api.constrains(
        "kind",
        "value_min",
        "value_max",
        "rfm_method",
        "rfm_recency_bands",
        "rfm_frequency_bands",
        "rfm_monetary_bands",
        "r_min",
        "r_max",
        "f_min",
        "f_max",
        "m_min",
        "m_max",
        "product_category_id",
        "window_months",
        "age_min",
        "age_max",
        "gender",
        "level_ids",
        "pyramid_class",
        "pyramid_min_days",
        "pyramid_min_spend",
    )
    def _check_settings(self):
        for rule in self:
            if rule.kind == "pyramid_fm" and (
                not rule.pyramid_class or rule.pyramid_min_days < 1 or rule.pyramid_min_spend <= 0
            ):
                raise ValidationError(
                    self.env._(
                        "The pyramid rule %s needs its class, a frequency of at least one day "
                        "and a positive spend.",
                        rule.name,
                    )
                )
            if rule.age_min < 0 or rule.age_max < 0 or max(rule.age_min, rule.age_max) > 150:
                raise ValidationError(
                    self.env._("The age band of rule %s goes from 0 to 150 years.", rule.name)
                )
            if rule.age_max and rule.age_max < rule.age_min:
                raise ValidationError(
                    self.env._("The upper age of rule %s is below its lower age.", rule.name)
                )
            if rule.kind == "demographic" and not (
                rule.level_ids or rule.gender or rule.age_min or rule.age_max
            ):
                raise ValidationError(
                    self.env._(
                        "The demographic rule %s needs levels, a gender or an age band.",
                        rule.name,
                    )
                )
            if rule.window_months < 1:
                raise ValidationError(self.env._("The window of a tag rule is at least one month."))
            if rule.value_min < 0 or rule.value_max < 0:
                raise ValidationError(self.env._("The bounds of a tag rule cannot be negative."))
            if rule.value_max and rule.value_max < rule.value_min:
                raise ValidationError(
                    self.env._("The upper bound of rule %s is below its lower bound.", rule.name)
                )
            if rule.kind in ("pyramid", "category") and rule.value_max > 100:
                raise ValidationError(self.env._("A share is a percentage from 0 to 100."))
            if rule.kind == "category" and not rule.product_category_id:
                raise ValidationError(
                    self.env._("Choose the product category of rule %s.", rule.name)
                )
            if rule.kind != "rfm":
                continue
            scores = (rule.r_min, rule.r_max, rule.f_min, rule.f_max, rule.m_min, rule.m_max)
            if not all(1 <= score <= 5 for score in scores) or not (
                rule.r_min <= rule.r_max and rule.f_min <= rule.f_max and rule.m_min <= rule.m_max
            ):
                raise ValidationError(
                    self.env._("RFM scores go from 1 to 5, each range from low to high.")
                )
            if rule.rfm_method == "threshold":
                for field in ("rfm_recency_bands", "rfm_frequency_bands", "rfm_monetary_bands"):
                    if parse_bands(rule[field]) is None:
                        raise ValidationError(
                            self.env._(
                                "%(field)s of rule %(rule)s: give four ascending numbers "
                                "separated by commas (e.g. 30,90,180,365), not “%(value)s”.",
                                field=rule._fields[field].get_description(self.env)["string"],
                                rule=rule.name,
                                value=rule[field] or "",
                            )
                        )

    def _scope_company_ids(self):
        """The stores this rule covers, or None for the whole chain."""
        self.ensure_one()
        if not self.company_ids:
            return None
        return (
            self.env["res.company"]
            .sudo()
            .with_context(active_test=False)
            .search([("id", "child_of", self.company_ids.ids)])
            .ids
        )

    def action_recompute(self):
        """Recompute these rules now (Member Administrators)."""
        self.check_access("write")
        self.env["member.tag.engine"]._recompute(self)
        return True

    def action_view_members(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.category_id.display_name,
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("category_id", "in", self.category_id.ids)],
        }
