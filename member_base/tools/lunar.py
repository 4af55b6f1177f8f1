"""Lunar (农历) and solar birthday arithmetic.

Plain Python on top of :mod:`lunardate` (lunar years 1900-2099); no Odoo
import. Dates are naive :class:`datetime.date` values in the store's local
calendar; the caller picks "today" in the store's time zone.

A lunar birthday is a ``(month, day, is_leap)`` triple: the lunar month
(1-12), the day (1-30) and whether the member was born in a leap month
(闰月). Its celebration date in a given lunar year follows these rules:

1. **Leap month.** A leap-month birthday is celebrated in the leap month in
   years that have that same leap month, otherwise in the regular month of
   the same number. A regular-month birthday is always celebrated in the
   regular month, also in years that repeat that month as a leap month, so
   every birthday is celebrated exactly once per lunar year.
2. **Day 30.** Lunar months have 29 or 30 days. A day-30 birthday in a year
   whose month (the one chosen by rule 1) has 29 days is celebrated on
   day 29.
3. **Year ends.** A lunar year starts at Chinese New Year (late January to
   mid February), so the birthday of lunar year Y may fall in solar year
   Y + 1 (late 11th and 12th months). The next birthday on or after a date
   is therefore searched in the lunar year containing that date, then in the
   next one.

Solar birthdays: a 29 February birthday is celebrated on 28 February in
common years.
"""

import datetime

from lunardate import LunarDate

__all__ = [
    "leap_month",
    "lunar_birthday_in_lunar_year",
    "lunar_birthdays_in_solar_year",
    "lunar_combos_in_range",
    "lunar_month_days",
    "lunar_to_solar",
    "next_solar_birthday_lunar",
    "next_solar_birthday_solar",
    "solar_birthday_in_year",
    "solar_to_lunar",
]

MIN_LUNAR_YEAR = 1900
MAX_LUNAR_YEAR = 2099


def leap_month(lunar_year):
    """The leap month of ``lunar_year`` (1-12), or ``None`` when it has none.

    >>> leap_month(2023), leap_month(2024)
    (2, None)
    """
    _check_year(lunar_year)
    # lunardate >= 0.3 has leap_month_for_year; older ones only the camelCase name.
    finder = getattr(LunarDate, "leap_month_for_year", None) or LunarDate.leapMonthForYear
    return finder(lunar_year)


def lunar_month_days(lunar_year, month, is_leap=False):
    """Number of days (29 or 30) of a lunar month.

    :raises ValueError: when that month does not exist (e.g. a leap month in a
        year without it)
    """
    lunar_to_solar(lunar_year, month, 1, is_leap)
    try:
        lunar_to_solar(lunar_year, month, 30, is_leap)
    except ValueError:
        return 29
    return 30


def lunar_to_solar(year, month, day, is_leap=False):
    """Convert an exact lunar date to its solar date.

    >>> lunar_to_solar(2023, 2, 1, True)
    datetime.date(2023, 3, 22)

    :raises ValueError: when that lunar date does not exist
    """
    _check_year(year)
    _check_month_day(month, day)
    return _to_solar(LunarDate(year, month, day, bool(is_leap)))


def solar_to_lunar(date):
    """Convert a solar date to ``(lunar_year, month, day, is_leap)``.

    >>> solar_to_lunar(datetime.date(2023, 1, 22))
    (2023, 1, 1, False)
    """
    lunar = _from_solar(date)
    return lunar.year, lunar.month, lunar.day, bool(lunar.is_leap_month)


def lunar_birthday_in_lunar_year(month, day, is_leap, lunar_year):
    """Solar date on which the lunar birthday ``(month, day, is_leap)`` is
    celebrated in ``lunar_year`` (rules 1 and 2 of the module docstring)."""
    _check_year(lunar_year)
    _check_month_day(month, day)
    in_leap_month = bool(is_leap) and leap_month(lunar_year) == month
    if day == 30 and lunar_month_days(lunar_year, month, in_leap_month) == 29:
        day = 29
    return _to_solar(LunarDate(lunar_year, month, day, in_leap_month))


def next_solar_birthday_lunar(lunar_month, lunar_day, is_leap, from_date):
    """First solar date on or after ``from_date`` on which the lunar birthday
    ``(lunar_month, lunar_day, is_leap)`` is celebrated.

    >>> next_solar_birthday_lunar(12, 20, False, datetime.date(2023, 12, 20))
    datetime.date(2024, 1, 30)
    """
    start_year = _from_solar(from_date).year
    for lunar_year in (start_year, start_year + 1):
        celebrated = lunar_birthday_in_lunar_year(lunar_month, lunar_day, is_leap, lunar_year)
        if celebrated >= from_date:
            return celebrated
    # Unreachable: the next lunar year starts after from_date.
    raise AssertionError("no lunar birthday found in two lunar years")


def lunar_birthdays_in_solar_year(lunar_month, lunar_day, is_leap, year):
    """Solar dates of ``year`` on which the lunar birthday is celebrated.

    A lunar year is 353-385 days long, so a solar year holds none, one or two
    celebrations of the same lunar birthday.
    """
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    first_year = _from_solar(start).year
    last_year = _from_solar(end).year
    dates = (
        lunar_birthday_in_lunar_year(lunar_month, lunar_day, is_leap, lunar_year)
        for lunar_year in range(first_year, last_year + 1)
    )
    return [date for date in dates if start <= date <= end]


def solar_birthday_in_year(birthday, year):
    """The date in ``year`` on which a solar ``birthday`` is celebrated;
    29 February becomes 28 February in common years.

    >>> solar_birthday_in_year(datetime.date(2000, 2, 29), 2023)
    datetime.date(2023, 2, 28)
    """
    try:
        return birthday.replace(year=year)
    except ValueError:
        # Only 29 February can fail.
        return datetime.date(year, 2, 28)


def next_solar_birthday_solar(birthday, from_date):
    """First date on or after ``from_date`` on which a solar ``birthday`` is
    celebrated."""
    celebrated = solar_birthday_in_year(birthday, from_date.year)
    if celebrated < from_date:
        celebrated = solar_birthday_in_year(birthday, from_date.year + 1)
    return celebrated


def lunar_combos_in_range(start, end):
    """Every lunar birthday ``(month, day, is_leap)`` celebrated on a date
    within ``[start, end]`` (both included), under the module's rules.

    Meant for set-based searches ("lunar birthdays this month"): a member
    matches when their triple is in the result. It includes leap-month
    birthdays celebrated in the regular month (year without that leap month)
    and day-30 birthdays celebrated on day 29 of a short month.
    """
    combos = set()
    leap_by_year = {}
    date = start
    one_day = datetime.timedelta(days=1)
    while date <= end:
        lunar = _from_solar(date)
        year, month, day, in_leap_month = (
            lunar.year,
            lunar.month,
            lunar.day,
            bool(lunar.is_leap_month),
        )
        if year not in leap_by_year:
            leap_by_year[year] = leap_month(year)
        days = [day]
        if day == 29 and lunar_month_days(year, month, in_leap_month) == 29:
            days.append(30)
        for celebrated_day in days:
            if in_leap_month:
                combos.add((month, celebrated_day, True))
            else:
                combos.add((month, celebrated_day, False))
                if leap_by_year[year] != month:
                    # Leap-month birthdays fall back to the regular month.
                    combos.add((month, celebrated_day, True))
        date += one_day
    return combos


def _check_year(lunar_year):
    if not MIN_LUNAR_YEAR <= lunar_year <= MAX_LUNAR_YEAR:
        raise ValueError(f"Lunar year {lunar_year} is outside {MIN_LUNAR_YEAR}-{MAX_LUNAR_YEAR}.")


def _check_month_day(month, day):
    if not 1 <= month <= 12:
        raise ValueError(f"Lunar month {month} is not between 1 and 12.")
    if not 1 <= day <= 30:
        raise ValueError(f"Lunar day {day} is not between 1 and 30.")


def _to_solar(lunar):
    convert = getattr(lunar, "to_solar_date", None) or lunar.toSolarDate
    return convert()


def _from_solar(date):
    convert = getattr(LunarDate, "from_solar_date", None) or LunarDate.fromSolarDate
    return convert(date.year, date.month, date.day)
