"""The arithmetic of paid membership terms (付费会员), in local dates: plain
functions that the tests call with worked numbers."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

ONE_DAY = datetime.timedelta(days=1)


def term_dates(today, months, valid_until=None):
    """``(first day, last day)`` of a term of ``months`` bought on ``today``.

    ``valid_until``: the last day of the member's current term, if any. A
    renewal while it still runs (early renewal) starts the day after it, so
    the member loses no day; otherwise (a first purchase, or a late renewal
    after the plan ran out) the term starts today. A term from 1 January of
    3 months ends on 31 March; from 31 January of 1 month, on 27 February
    (28 February is the same date a month later)."""
    start = valid_until + ONE_DAY if valid_until and valid_until >= today else today
    return start, start + relativedelta(months=months) - ONE_DAY


def term_days(start, end):
    """Days of the term, both ends included."""
    return (end - start).days + 1


def unused_days(start, end, today):
    """Days of the term after ``today`` (today counts as used); the whole
    term when it has not started yet, 0 when it is over."""
    if today < start:
        return term_days(start, end)
    return max((end - today).days, 0)


def prorata_refund(price, start, end, today, decimals=2):
    """The refund of the unused days of a term paid ``price``, rounded half
    up to ``decimals``: ¥180 for 1 January–31 March (90 days), refunded on
    15 February (46 days used, 44 left), gives back ¥88.00."""
    price = Decimal(str(price))
    total = term_days(start, end)
    left = unused_days(start, end, today)
    quantum = Decimal(1).scaleb(-decimals)
    return (price * left / total).quantize(quantum, rounding=ROUND_HALF_UP)
