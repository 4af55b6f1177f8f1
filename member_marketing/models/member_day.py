import calendar

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]


class MemberDay(models.Model):
    """A member day (会员日): every given weekday (every Wednesday) or day
    of the month (the 8th), in the chain or in given stores, on the store's
    local date: the points a sale earns are multiplied (the wallet's
    earning, ``member.points.rule._earning_multipliers``) and/or the
    member price gets extra percentage points of discount (the till's
    member price, ``res.partner._member_price_discount``). On a day with
    several member days the highest multiplier and the highest extra
    discount apply, never their product."""

    _name = "member.day"
    _description = "Member Day"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    recurrence = fields.Selection(
        [("weekday", "Every Week"), ("monthday", "Every Month")],
        string="Repeats",
        required=True,
        default="weekday",
    )
    weekday = fields.Selection(WEEKDAYS, default="2")
    monthday = fields.Integer(
        string="Day of the Month",
        default=8,
        help="1 to 31; 31 is the last day of every month, 30 the last of February.",
    )
    company_ids = fields.Many2many(
        "res.company",
        "member_day_company_rel",
        "day_id",
        "company_id",
        string="Stores",
        help="Stores or regions (covering their stores). Empty: the whole chain.",
    )
    level_ids = fields.Many2many(
        "member.level",
        "member_day_level_rel",
        "day_id",
        "level_id",
        string="Levels",
        help="Empty: every member.",
    )
    points_multiplier = fields.Float(
        string="Points Multiplier", default=2.0, digits=(16, 2), help="1: no extra points."
    )
    extra_discount = fields.Float(
        string="Extra Discount (%)",
        digits=(16, 2),
        help="Percentage points added to the level's discount on the member price.",
    )

    _multiplier_range = models.Constraint(
        "CHECK(points_multiplier >= 1 AND points_multiplier <= 10)",
        "A member day's points multiplier is from 1 to 10.",
    )
    _discount_range = models.Constraint(
        "CHECK(extra_discount >= 0 AND extra_discount <= 100)",
        "A member day's extra discount is from 0 to 100%.",
    )

    @api.constrains("recurrence", "weekday", "monthday")
    def _check_recurrence(self):
        for day in self:
            if day.recurrence == "weekday" and not day.weekday:
                raise ValidationError(self.env._("Choose the weekday of %s.", day.name))
            if day.recurrence == "monthday" and not 1 <= day.monthday <= 31:
                raise ValidationError(self.env._("A day of the month is from 1 to 31."))

    @api.model_create_multi
    def create(self, vals_list):
        days = super().create(vals_list)
        self.env.registry.clear_cache()
        return days

    def write(self, vals):
        res = super().write(vals)
        self.env.registry.clear_cache()
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res

    def _falls_on(self, day):
        """Whether this member day falls on the local date ``day``."""
        self.ensure_one()
        if self.recurrence == "weekday":
            return day.weekday() == int(self.weekday)
        last = calendar.monthrange(day.year, day.month)[1]
        return day.day == min(self.monthday, last)

    @api.model
    @tools.ormcache("company_id", "day")
    def _member_days_on(self, company_id, day):
        """``((id, multiplier, extra discount, level ids), …)`` of the member
        days of store ``company_id`` on its local date ``day``; cached."""
        company = self.env["res.company"].sudo().browse(company_id)
        chain = set(company.parent_ids.ids)
        return tuple(
            (
                member_day.id,
                member_day.points_multiplier,
                member_day.extra_discount,
                frozenset(member_day.level_ids.ids),
            )
            for member_day in self.sudo().search([])
            if member_day._falls_on(day)
            and (not member_day.company_ids or chain & set(member_day.company_ids.ids))
        )

    @api.model
    def _member_days_of(self, partner, company, day=None):
        """The member days of ``partner`` in ``company`` on ``day`` (default:
        the store's local today): those of the store that cover the
        member's level."""
        day = day or company._member_local_today()
        level_id = partner.sudo().member_level_id.id
        return self.sudo().browse(
            day_id
            for day_id, _multiplier, _discount, levels in self._member_days_on(company.id, day)
            if not levels or level_id in levels
        )

    @api.model
    def _member_day_benefits(self, partner, company, day=None):
        """``(points multiplier, extra discount)`` of ``partner`` in
        ``company`` on ``day`` (default: the store's local today)."""
        days = self._member_days_of(partner, company, day)
        if not days:
            return 1.0, 0.0
        return max(days.mapped("points_multiplier")), max(days.mapped("extra_discount"))

    def _benefit_note(self):
        """The receipt's line of this member day: its name and what it gives."""
        self.ensure_one()
        _ = self.env._
        gives = []
        if self.points_multiplier != 1:
            gives.append(_("points ×%s", f"{self.points_multiplier:g}"))
        if self.extra_discount:
            gives.append(_("%s%% extra off", f"{self.extra_discount:g}"))
        if not gives:
            return _("Member Day: %s", self.name)
        return _("Member Day: %(name)s (%(gives)s)", name=self.name, gives=", ".join(gives))
