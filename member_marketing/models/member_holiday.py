import datetime

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.greeting import holiday_dates


class MemberHoliday(models.Model):
    """A holiday members are greeted on (节日问候): a fixed solar day
    (National Day, 1 October) or a lunar one (Spring Festival, lunar 1/1;
    Mid-Autumn, lunar 8/15), which falls on another solar date every year.
    The holiday greeting rule (``member.reminder.rule`` of kind
    ``holiday``) lists the holidays it greets on."""

    _name = "member.holiday"
    _description = "Member Greeting Holiday"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    calendar = fields.Selection(
        [("solar", "Solar (Gregorian)"), ("lunar", "Lunar (农历)")],
        required=True,
        default="solar",
    )
    month = fields.Integer(required=True, default=1)
    day = fields.Integer(required=True, default=1)
    next_date = fields.Date(
        compute="_compute_next_date", string="Next Date", help="Its next solar date from today."
    )

    @api.depends("calendar", "month", "day")
    def _compute_next_date(self):
        today = fields.Date.context_today(self)
        for holiday in self:
            holiday.next_date = holiday._next_date(today)

    @api.constrains("calendar", "month", "day")
    def _check_date(self):
        for holiday in self:
            if not 1 <= holiday.month <= 12:
                raise ValidationError(
                    self.env._("A month runs from 1 to 12, not %s.", holiday.month)
                )
            top = 30 if holiday.calendar == "lunar" else 31
            if not 1 <= holiday.day <= top:
                raise ValidationError(
                    self.env._(
                        "A day runs from 1 to %(top)s, not %(day)s.", top=top, day=holiday.day
                    )
                )
            if holiday.calendar == "solar":
                try:
                    datetime.date(2000, holiday.month, holiday.day)
                except ValueError as error:
                    raise ValidationError(
                        self.env._(
                            "%(month)s/%(day)s is not a date.", month=holiday.month, day=holiday.day
                        )
                    ) from error

    def _dates(self, year):
        """The solar dates of this holiday in ``year``."""
        self.ensure_one()
        return holiday_dates(self.calendar, self.month, self.day, year)

    def _next_date(self, today):
        self.ensure_one()
        for year in (today.year, today.year + 1):
            for day in self._dates(year):
                if day >= today:
                    return day
        return False
