"""The solar date of a holiday in a solar year: fixed solar days (National
Day, 1 October) or lunar ones (Spring Festival, lunar 1/1; Mid-Autumn, lunar
8/15) converted through member_base's lunar calendar."""

import datetime

from odoo.addons.member_base.tools import lunar


def holiday_dates(calendar, month, day, year):
    """The solar dates in ``year`` of the holiday ``(calendar, month,
    day)``: one for a solar holiday (none for 29 February in a common year),
    usually one for a lunar holiday (two when the lunar date falls twice in
    the solar year, e.g. lunar 12/8 in January and December)."""
    if calendar == "solar":
        try:
            return [datetime.date(year, month, day)]
        except ValueError:
            return []
    dates = []
    for lunar_year in (year - 1, year):
        try:
            solar = lunar.lunar_to_solar(lunar_year, month, day)
        except ValueError:
            continue
        if solar.year == year:
            dates.append(solar)
    return dates
