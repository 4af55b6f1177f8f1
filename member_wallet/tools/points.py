"""Points (积分) arithmetic as plain functions: earning, multipliers, cash
value, FIFO allocation over lots and expiry dates. No Odoo import, so the
same code is tested with pytest (tests/test_points_tools.py).

Points are whole numbers. Every rounding of points is *down*: a member earns
a point only for a full step spent, and a multiplier never makes a fraction
of a point. Amounts travel as ``Decimal`` (floats are converted through
``str``).
"""

import calendar
import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

EXPIRY_POLICIES = ("never", "rolling", "year_end")
BIRTHDAY_PERIODS = ("day", "week", "month")


class PointsError(ValueError):
    """Bad input to a points computation; ``code`` says which rule it broke."""

    def __init__(self, code, message=""):
        super().__init__(message or code)
        self.code = code


def _dec(value):
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def _floor(value):
    return int(_dec(value).to_integral_value(rounding=ROUND_FLOOR))


# ----------------------------------------------------------------------
# Earning
# ----------------------------------------------------------------------


def points_for_amount(amount, step, points_per_step=1):
    """Points for spending ``amount`` at ``points_per_step`` for every full
    ``step`` spent, rounded down: 99.90 at 1 point per 10 gives 9.

    A zero or negative amount earns nothing; ``step`` must be positive."""
    step = _dec(step)
    if step <= 0:
        raise PointsError("bad_step", "The amount per step must be positive.")
    amount = _dec(amount)
    if amount <= 0:
        return 0
    steps = _floor(amount / step)
    return _floor(steps * _dec(points_per_step))


def points_for_units(quantity, points_per_unit):
    """Fixed points per unit sold, rounded down (2.5 units at 3 points: 7)."""
    quantity = _dec(quantity)
    if quantity <= 0:
        return 0
    return _floor(quantity * _dec(points_per_unit))


def eligible_share(total, paid_from_balance):
    """The share of a sale that earns points when the part paid from stored
    value earns nothing: ``(total - paid_from_balance) / total``, in [0, 1]."""
    total = _dec(total)
    paid = min(max(_dec(paid_from_balance), Decimal(0)), total)
    if total <= 0:
        return Decimal(0)
    return (total - paid) / total


def apply_multipliers(points, *multipliers):
    """``points`` times every multiplier, rounded down once at the end
    (13 points × 1.5 × 2 = 39)."""
    value = Decimal(int(points))
    for multiplier in multipliers:
        value *= _dec(multiplier if multiplier is not None else 1)
    return max(_floor(value), 0)


def birthday_window(day, period):
    """The ``(first, last)`` dates of the birthday ``period`` around ``day``:
    the day itself, its week (Monday to Sunday) or its month."""
    if period == "day":
        return day, day
    if period == "week":
        first = day - datetime.timedelta(days=day.weekday())
        return first, first + datetime.timedelta(days=6)
    if period == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    raise PointsError("bad_period", f"Unknown birthday period: {period}")


def is_birthday_period(day, period, next_birthday_from):
    """Whether ``day`` falls in the member's birthday ``period``.

    ``next_birthday_from(date)`` returns the first date on or after ``date``
    on which the birthday is celebrated (or a false value when the member has
    no birthday), as ``res.partner._next_birthday_from`` does."""
    first, last = birthday_window(day, period)
    celebrated = next_birthday_from(first)
    return bool(celebrated) and first <= celebrated <= last


# ----------------------------------------------------------------------
# Cash value
# ----------------------------------------------------------------------


def points_to_cash(points, rate_points, rate_amount, decimals=2):
    """Cash value of ``points`` when ``rate_points`` points are worth
    ``rate_amount``, rounded down to the currency: 150 points at 100 = 1.00
    are worth 1.50; 1 point at 1000 = 1.00 is worth 0.00."""
    rate_points, rate_amount = _dec(rate_points), _dec(rate_amount)
    if rate_points <= 0 or rate_amount <= 0:
        raise PointsError("bad_rate", "The points-to-cash rate must be positive.")
    quantum = Decimal(1).scaleb(-decimals)
    return (Decimal(int(points)) * rate_amount / rate_points).quantize(quantum, ROUND_FLOOR)


def cash_to_points(amount, rate_points, rate_amount):
    """Points needed to cover ``amount`` at the rate, rounded up: 1.50 at
    100 points = 1.00 needs 150 points; 0.015 would need 2."""
    rate_points, rate_amount = _dec(rate_points), _dec(rate_amount)
    if rate_points <= 0 or rate_amount <= 0:
        raise PointsError("bad_rate", "The points-to-cash rate must be positive.")
    return int((_dec(amount) * rate_points / rate_amount).to_integral_value(ROUND_CEILING))


# ----------------------------------------------------------------------
# Lots: FIFO and expiry
# ----------------------------------------------------------------------


def allocate_fifo(lots, points, first=None):
    """Take ``points`` from ``lots``, oldest first.

    :param lots: iterable of ``(lot_id, earned_date, remaining)``; ties on
        the date are broken by ``lot_id``
    :param first: a lot id to draw on before the others (the lot an earning
        created, when that earning is reversed)
    :return: list of ``(lot_id, taken)`` with ``taken > 0``, in order
    :raises PointsError: ``not_enough`` when the lots hold fewer points
    """
    need = int(points)
    if need <= 0:
        return []
    ordered = sorted(
        ((lot_id, day, int(remaining)) for lot_id, day, remaining in lots if remaining > 0),
        key=lambda lot: (lot[0] != first, lot[1], lot[0]),
    )
    taken = []
    for lot_id, _day, remaining in ordered:
        if need <= 0:
            break
        take = min(remaining, need)
        taken.append((lot_id, take))
        need -= take
    if need > 0:
        raise PointsError("not_enough", "The lots hold fewer points than asked for.")
    return taken


def add_months(day, months):
    """``day`` plus ``months`` calendar months, clamped to the month's end
    (31 January + 1 month = 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


def expiry_date(earned, policy, months=12, years=1):
    """Last day on which points earned on ``earned`` can be used, or
    ``None`` when they never expire.

    - ``rolling``: ``months`` after earning, the day before the same date
      (earned 15 March 2024, 12 months: valid until 14 March 2025);
    - ``year_end``: 31 December of the year of earning plus ``years``
      (earned any day of 2024, 1 year: valid until 31 December 2025);
    - ``never``: ``None``.

    The expiry cron takes points whose date is before the store's local
    date, so they are usable through the whole of their last day."""
    if policy in (None, False, "", "never"):
        return None
    if policy == "rolling":
        months = int(months)
        if months <= 0:
            raise PointsError("bad_months", "Points must stay valid for at least one month.")
        return add_months(earned, months) - datetime.timedelta(days=1)
    if policy == "year_end":
        years = int(years)
        if years < 0:
            raise PointsError("bad_years", "The number of years cannot be negative.")
        return datetime.date(earned.year + years, 12, 31)
    raise PointsError("bad_policy", f"Unknown expiry policy: {policy}")
