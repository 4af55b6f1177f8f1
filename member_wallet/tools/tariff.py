"""The charge of a timed session (计时消费), as plain functions.

No Odoo import: the session model and the tests call :func:`compute_charge`
with datetimes and a tariff dict. Everything is computed in ``Decimal``.

How a charge is made, in this order:

1. **Active time**: from start to stop, minus the pauses (clipped to the
   session, overlapping pauses counted once).
2. **Free minutes** (by member level): the first ``free_minutes`` of active
   time cost nothing.
3. **Billing unit** (e.g. 15 minutes) and **rounding**: the billable time is
   a whole number of units. ``up`` bills a started unit in full, ``down``
   drops it, ``nearest`` bills it from half a unit on. Rounding up extends
   the session's last active moment (as if it had gone on to the end of the
   unit, at the rate of that time); rounding down cuts its last minutes.
4. **Pricing**: each billable minute at the rate of the time band it falls
   in (bands are local times of the store, e.g. a night rate from 22:00 to
   06:00 crossing midnight), the base rate outside every band. A band's rate
   is in the tariff's rate unit (per minute or per hour).
5. The total is rounded half-up to the currency's decimals, then raised to
   the **minimum charge** and lowered to the **cap per session**. A session
   that stays within its free minutes costs nothing (no minimum).
"""

import datetime
import itertools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

ROUNDING_RULES = ("up", "down", "nearest")
RATE_UNITS = ("minute", "hour")
_UTC = datetime.UTC
_SIXTY = Decimal(60)


class TariffError(ValueError):
    """A tariff or a session that cannot be charged; ``code`` says why."""

    def __init__(self, code, message=""):
        super().__init__(message or code)
        self.code = code


@dataclass
class TariffCharge:
    """The charge of a session and how it was reached.

    Minutes are ``Decimal`` (seconds / 60). ``pieces`` lists
    ``(rate_per_unit, minutes)`` of the billed time, grouped by rate.
    """

    amount: Decimal
    active_minutes: Decimal
    free_minutes: Decimal
    billable_minutes: Decimal
    billed_minutes: Decimal
    raw_amount: Decimal
    minimum_applied: bool = False
    cap_applied: bool = False
    pieces: list = field(default_factory=list)


# ----------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------


def _decimal(value, name, default="0"):
    if value is None or value is False:
        value = default
    if isinstance(value, bool):
        raise TariffError("bad_number", f"{name}: {value!r} is not a number")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise TariffError("bad_number", f"{name}: {value!r} is not a number") from error
    if not number.is_finite() or number < 0:
        raise TariffError("bad_number", f"{name} must be a finite number >= 0")
    return number


def _utc(moment, name):
    """``moment`` as an aware UTC datetime; naive datetimes are UTC (Odoo)."""
    if not isinstance(moment, datetime.datetime):
        raise TariffError("bad_time", f"{name}: {moment!r} is not a datetime")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=_UTC)
    return moment.astimezone(_UTC)


def parse_time_of_day(value):
    """Minutes after midnight of ``value``: ``datetime.time``, ``"HH:MM"``,
    or hours as a number (Odoo's float_time: 22.5 is 22:30)."""
    if isinstance(value, datetime.time):
        minutes = value.hour * 60 + value.minute
    elif isinstance(value, str):
        try:
            hours, _sep, mins = value.strip().partition(":")
            minutes = int(hours) * 60 + int(mins or 0)
            if not 0 <= int(mins or 0) < 60:
                raise ValueError(value)
        except ValueError as error:
            raise TariffError("bad_band", f"{value!r} is not a time of day") from error
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        minutes = int((Decimal(str(value)) * _SIXTY).to_integral_value(ROUND_HALF_UP))
    else:
        raise TariffError("bad_band", f"{value!r} is not a time of day")
    if not 0 <= minutes < 24 * 60:
        raise TariffError("bad_band", f"{value!r} is not a time of day")
    return minutes


def _bands(tariff):
    bands = []
    for band in tariff.get("bands") or ():
        start = parse_time_of_day(band["start"])
        end = parse_time_of_day(band["end"])
        if start == end:
            raise TariffError("bad_band", "a time band must not start and end at the same time")
        bands.append((start, end, _decimal(band.get("rate"), "band rate")))
    return bands


def _active_intervals(start, stop, pauses):
    """``[start, stop]`` minus the pauses, as sorted ``(begin, end)`` pairs."""
    clipped = []
    for pause in pauses or ():
        begin, end = pause
        begin = max(_utc(begin, "pause start"), start)
        end = min(_utc(end, "pause end") if end else stop, stop)
        if end > begin:
            clipped.append((begin, end))
    clipped.sort()
    intervals, cursor = [], start
    for begin, end in clipped:
        if begin > cursor:
            intervals.append((cursor, begin))
        cursor = max(cursor, end)
    if stop > cursor:
        intervals.append((cursor, stop))
    return intervals


def _seconds(intervals):
    return sum(int((end - begin).total_seconds()) for begin, end in intervals)


def _drop_head(intervals, seconds):
    """The intervals without their first ``seconds``."""
    kept = []
    for begin, end in intervals:
        length = int((end - begin).total_seconds())
        if seconds >= length:
            seconds -= length
            continue
        kept.append((begin + datetime.timedelta(seconds=seconds), end))
        seconds = 0
    return kept


def _drop_tail(intervals, seconds):
    """The intervals without their last ``seconds``."""
    kept = list(intervals)
    while seconds > 0 and kept:
        begin, end = kept.pop()
        length = int((end - begin).total_seconds())
        if length > seconds:
            kept.append((begin, end - datetime.timedelta(seconds=seconds)))
        seconds -= length
    return kept


def _extend_tail(intervals, seconds):
    """The intervals with the last one going on for ``seconds`` more."""
    if not intervals or seconds <= 0:
        return list(intervals)
    begin, end = intervals[-1]
    return [*intervals[:-1], (begin, end + datetime.timedelta(seconds=seconds))]


# ----------------------------------------------------------------------
# Pricing by time band
# ----------------------------------------------------------------------


def _band_occurrences(begin, end, bands, tz):
    """Each band's occurrences overlapping ``[begin, end]`` (UTC), as
    ``(band_index, start_utc, end_utc)``; a band whose end is before its
    start crosses midnight."""
    first_day = begin.astimezone(tz).date() - datetime.timedelta(days=1)
    last_day = end.astimezone(tz).date()
    occurrences = []
    day = first_day
    while day <= last_day:
        midnight = datetime.datetime.combine(day, datetime.time())
        for index, (start, stop, _rate) in enumerate(bands):
            local_start = midnight + datetime.timedelta(minutes=start)
            local_stop = midnight + datetime.timedelta(minutes=stop)
            if stop < start:
                local_stop += datetime.timedelta(days=1)
            occurrences.append(
                (
                    index,
                    local_start.replace(tzinfo=tz).astimezone(_UTC),
                    local_stop.replace(tzinfo=tz).astimezone(_UTC),
                )
            )
        day += datetime.timedelta(days=1)
    return [occ for occ in occurrences if occ[2] > begin and occ[1] < end]


def _price_minutes(intervals, base_rate, bands, tz):
    """Seconds of ``intervals`` per rate: the first band (in order) that
    covers a moment gives its rate, the base rate outside every band."""
    seconds_by_rate = {}
    for begin, end in intervals:
        occurrences = _band_occurrences(begin, end, bands, tz) if bands else []
        cuts = {begin, end}
        for _index, occ_start, occ_end in occurrences:
            cuts.update(moment for moment in (occ_start, occ_end) if begin < moment < end)
        cuts = sorted(cuts)
        for piece_start, piece_end in itertools.pairwise(cuts):
            middle = piece_start + (piece_end - piece_start) / 2
            covering = [
                index for index, occ_start, occ_end in occurrences if occ_start <= middle < occ_end
            ]
            rate = bands[min(covering)][2] if covering else base_rate
            seconds = int((piece_end - piece_start).total_seconds())
            seconds_by_rate[rate] = seconds_by_rate.get(rate, 0) + seconds
    return seconds_by_rate


# ----------------------------------------------------------------------
# The charge
# ----------------------------------------------------------------------


def active_minutes(start, stop, pauses=None):
    """Minutes from ``start`` to ``stop`` minus the pauses, as ``Decimal``."""
    start, stop = _utc(start, "start"), _utc(stop, "stop")
    if stop <= start:
        return Decimal(0)
    return Decimal(_seconds(_active_intervals(start, stop, pauses))) / _SIXTY


def compute_charge(start, stop, tariff, pauses=None):
    """Charge of a session from ``start`` to ``stop`` with ``pauses`` (a list
    of ``(begin, end)``; ``end`` None means still paused at ``stop``).

    Datetimes are UTC (naive ones are taken as UTC). ``tariff`` keys:

    - ``rate``: price per ``rate_unit`` (``"minute"`` or ``"hour"``)
    - ``billing_unit``: minutes per billed unit (default 1)
    - ``rounding``: ``"up"`` (default), ``"down"`` or ``"nearest"``
    - ``minimum_charge``, ``cap`` (0 or missing: none), ``free_minutes``
    - ``bands``: list of ``{"start", "end", "rate"}`` in local time
      (``"22:00"``, hours as a number, or ``datetime.time``)
    - ``tz``: time zone of the bands (default UTC); ``decimals``: currency
      decimals (default 2)

    Returns a :class:`TariffCharge`.
    """
    start, stop = _utc(start, "start"), _utc(stop, "stop")
    if stop < start:
        raise TariffError("bad_time", "a session cannot stop before it starts")
    rate = _decimal(tariff.get("rate"), "rate")
    rate_unit = tariff.get("rate_unit") or "hour"
    if rate_unit not in RATE_UNITS:
        raise TariffError("bad_unit", f"rate unit {rate_unit!r} is not one of {RATE_UNITS}")
    per_minute = Decimal(1) if rate_unit == "minute" else _SIXTY
    unit = tariff.get("billing_unit")
    unit = 1 if unit is None or unit is False else unit
    if isinstance(unit, bool) or not isinstance(unit, int) or unit < 1:
        raise TariffError("bad_unit", "the billing unit is at least one minute")
    rounding = tariff.get("rounding") or "up"
    if rounding not in ROUNDING_RULES:
        raise TariffError("bad_rounding", f"rounding {rounding!r} is not one of {ROUNDING_RULES}")
    minimum = _decimal(tariff.get("minimum_charge"), "minimum charge")
    cap = _decimal(tariff.get("cap"), "cap")
    free = int(_decimal(tariff.get("free_minutes"), "free minutes") * _SIXTY)
    decimals = int(tariff.get("decimals", 2))
    tz = ZoneInfo(tariff.get("tz") or "UTC")
    bands = _bands(tariff)

    intervals = _active_intervals(start, stop, pauses)
    active = _seconds(intervals)
    billable_intervals = _drop_head(intervals, free)
    billable = _seconds(billable_intervals)

    unit_seconds = unit * 60
    partial = billable % unit_seconds
    if partial and (rounding == "up" or (rounding == "nearest" and 2 * partial >= unit_seconds)):
        billed_intervals = _extend_tail(billable_intervals, unit_seconds - partial)
    elif partial:
        billed_intervals = _drop_tail(billable_intervals, partial)
    else:
        billed_intervals = billable_intervals

    seconds_by_rate = _price_minutes(billed_intervals, rate, bands, tz)
    raw = sum(
        (
            band_rate * Decimal(seconds) / _SIXTY / per_minute
            for band_rate, seconds in seconds_by_rate.items()
        ),
        Decimal(0),
    )
    quantum = Decimal(1).scaleb(-decimals)
    amount = raw.quantize(quantum, ROUND_HALF_UP)
    billed = _seconds(billed_intervals)
    minimum_applied = cap_applied = False
    if billable > 0 and amount < minimum:
        amount, minimum_applied = minimum.quantize(quantum, ROUND_HALF_UP), True
    if cap > 0 and amount > cap:
        amount, cap_applied = cap.quantize(quantum, ROUND_HALF_UP), True
    return TariffCharge(
        amount=amount,
        active_minutes=Decimal(active) / _SIXTY,
        free_minutes=Decimal(min(free, active)) / _SIXTY,
        billable_minutes=Decimal(billable) / _SIXTY,
        billed_minutes=Decimal(billed) / _SIXTY,
        raw_amount=raw,
        minimum_applied=minimum_applied,
        cap_applied=cap_applied,
        pieces=sorted(
            (
                (band_rate, Decimal(seconds) / _SIXTY)
                for band_rate, seconds in seconds_by_rate.items()
            ),
            key=lambda piece: piece[0],
        ),
    )
