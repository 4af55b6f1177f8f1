"""Worked numbers for member_wallet/tools/tariff.py (timed consumption, 计时).

``member_wallet/__init__.py`` imports Odoo, so the tool is loaded by file
path, like tests/conftest.py does for member_base's tools.
"""

import datetime
import importlib.util
import sys
from decimal import Decimal
from pathlib import Path

import pytest

TARIFF_PATH = Path(__file__).resolve().parent.parent / "member_wallet" / "tools" / "tariff.py"


def _load():
    name = "member_wallet_tools_tariff"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, TARIFF_PATH)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


tariff_tools = _load()
compute_charge = tariff_tools.compute_charge

SHANGHAI = "Asia/Shanghai"  # UTC+8, no daylight saving


def utc(hour, minute=0, day=1):
    """A naive UTC datetime on 2025-03-<day> (as Odoo stores them)."""
    return datetime.datetime(2025, 3, day, hour, minute)


def local(hour, minute=0, day=1):
    """Naive UTC datetime of <hour>:<minute> in Shanghai on 2025-03-<day>."""
    moment = datetime.datetime(2025, 3, day, hour, minute) - datetime.timedelta(hours=8)
    return moment


def hourly(rate="30", **values):
    return {"rate": rate, "rate_unit": "hour", "billing_unit": 15, "rounding": "up", **values}


# ----------------------------------------------------------------------
# Rates and rounding
# ----------------------------------------------------------------------


def test_per_minute_rate_every_started_minute():
    tariff = {"rate": "0.50", "rate_unit": "minute", "billing_unit": 1, "rounding": "up"}
    charge = compute_charge(utc(10), utc(10, 47), tariff)
    assert charge.amount == Decimal("23.50")
    assert charge.active_minutes == 47
    # 47 minutes and 20 seconds: the started 48th minute is billed
    stop = utc(10, 47) + datetime.timedelta(seconds=20)
    assert compute_charge(utc(10), stop, tariff).amount == Decimal("24.00")


def test_per_hour_rate_exact_hours():
    assert compute_charge(utc(10), utc(12), hourly()).amount == Decimal("60.00")
    assert compute_charge(utc(10), utc(10, 45), hourly()).amount == Decimal("22.50")


@pytest.mark.parametrize(
    ("minutes", "rounding", "billed", "amount"),
    [
        (47, "up", 60, "30.00"),
        (47, "down", 45, "22.50"),
        (47, "nearest", 45, "22.50"),  # 2 minutes into the unit: less than half
        (53, "nearest", 60, "30.00"),  # 8 minutes: half a unit (7.5) or more
        (45, "up", 45, "22.50"),  # a whole number of units is not rounded
        (45, "down", 45, "22.50"),
        (10, "down", 0, "0.00"),
    ],
)
def test_rounding_to_15_minute_units(minutes, rounding, billed, amount):
    charge = compute_charge(utc(10), utc(10, minutes), hourly(rounding=rounding))
    assert charge.billed_minutes == billed
    assert charge.amount == Decimal(amount)


def test_nearest_at_exactly_half_a_unit_rounds_up():
    stop = utc(10, 7) + datetime.timedelta(seconds=30)
    charge = compute_charge(utc(10), stop, hourly(rounding="nearest"))
    assert charge.billed_minutes == 15
    assert charge.amount == Decimal("7.50")


def test_currency_rounding_half_up():
    # 7 minutes at 10/hour: 1.1666… → 1.17
    tariff = {"rate": "10", "rate_unit": "hour", "billing_unit": 1}
    assert compute_charge(utc(10), utc(10, 7), tariff).amount == Decimal("1.17")
    # 3 minutes at 0.05/hour: 0.0025 → 0.00; 6 minutes: 0.005 → 0.01 (half up)
    tariff = {"rate": "0.05", "rate_unit": "hour", "billing_unit": 1}
    assert compute_charge(utc(10), utc(10, 6), tariff).amount == Decimal("0.01")


# ----------------------------------------------------------------------
# Minimum, cap, free minutes
# ----------------------------------------------------------------------


def test_minimum_charge():
    # 10 minutes → one unit of 15 → 7.50, raised to the minimum of 20
    charge = compute_charge(utc(10), utc(10, 10), hourly(minimum_charge="20"))
    assert charge.amount == Decimal("20.00")
    assert charge.minimum_applied
    # above the minimum: unchanged
    charge = compute_charge(utc(10), utc(11), hourly(minimum_charge="20"))
    assert charge.amount == Decimal("30.00")
    assert not charge.minimum_applied


def test_cap_per_session():
    charge = compute_charge(utc(10), utc(15), hourly(cap="100"))
    assert charge.amount == Decimal("100.00")
    assert charge.cap_applied
    charge = compute_charge(utc(10), utc(13), hourly(cap="100"))
    assert charge.amount == Decimal("90.00")
    assert not charge.cap_applied


def test_free_minutes_of_a_gold_member():
    # 70 minutes, 30 free (gold level) → 40 billable → 45 billed → 22.50
    charge = compute_charge(utc(10), utc(11, 10), hourly(free_minutes=30))
    assert charge.free_minutes == 30
    assert charge.billable_minutes == 40
    assert charge.billed_minutes == 45
    assert charge.amount == Decimal("22.50")


def test_session_within_free_minutes_costs_nothing_even_with_a_minimum():
    charge = compute_charge(utc(10), utc(10, 25), hourly(free_minutes=30, minimum_charge="20"))
    assert charge.amount == Decimal("0.00")
    assert charge.free_minutes == 25
    assert not charge.minimum_applied


def test_free_minutes_then_minimum_then_cap():
    tariff = hourly(free_minutes=30, minimum_charge="20", cap="50")
    # 40 minutes: 10 billable → 15 → 7.50 → minimum 20
    assert compute_charge(utc(10), utc(10, 40), tariff).amount == Decimal("20.00")
    # 4 hours: 3h30 billable → 105 → cap 50
    assert compute_charge(utc(10), utc(14), tariff).amount == Decimal("50.00")


# ----------------------------------------------------------------------
# Time bands (local time of the store)
# ----------------------------------------------------------------------

NIGHT = {"start": "22:00", "end": "06:00", "rate": "60"}


def test_night_band_crossing_midnight():
    tariff = hourly(bands=[NIGHT], tz=SHANGHAI)
    # 21:00 → 01:00 local: 1 h day (30) + 3 h night (60 each) = 210
    charge = compute_charge(local(21), local(1, day=2), tariff)
    assert charge.amount == Decimal("210.00")
    assert charge.pieces == [(Decimal("30"), Decimal("60")), (Decimal("60"), Decimal("180"))]


def test_night_band_ending_in_the_morning():
    tariff = hourly(bands=[NIGHT], tz=SHANGHAI)
    # 05:00 → 07:00 local: 1 h night (60) + 1 h day (30) = 90
    assert compute_charge(local(5), local(7), tariff).amount == Decimal("90.00")


def test_bands_are_in_the_stores_local_time_not_utc():
    # 14:00 → 15:00 UTC is 22:00 → 23:00 in Shanghai: night rate
    shanghai = hourly(bands=[NIGHT], tz=SHANGHAI)
    assert compute_charge(utc(14), utc(15), shanghai).amount == Decimal("60.00")
    # the same hour read in UTC is day time
    assert compute_charge(utc(14), utc(15), hourly(bands=[NIGHT])).amount == Decimal("30.00")


def test_band_given_as_float_hours_like_odoo_float_time():
    band = {"start": 22.0, "end": 6.0, "rate": "60"}
    tariff = hourly(bands=[band], tz=SHANGHAI)
    assert compute_charge(local(21), local(1, day=2), tariff).amount == Decimal("210.00")


def test_rounding_up_goes_on_at_the_rate_of_the_time_after_stop():
    tariff = {
        "rate": "0.5",
        "rate_unit": "minute",
        "billing_unit": 15,
        "rounding": "up",
        "bands": [{"start": "22:00", "end": "06:00", "rate": "1"}],
        "tz": SHANGHAI,
    }
    # 21:10 → 21:58: 48 minutes → 60 billed, to 22:10: 50 day minutes (25) + 10 night (10)
    charge = compute_charge(local(21, 10), local(21, 58), tariff)
    assert charge.billed_minutes == 60
    assert charge.amount == Decimal("35.00")


def test_band_rate_of_zero_is_a_free_period():
    happy_hour = {"start": "14:00", "end": "15:00", "rate": "0"}
    tariff = hourly(bands=[happy_hour], tz=SHANGHAI)
    assert compute_charge(local(13), local(16), tariff).amount == Decimal("60.00")


def test_first_band_wins_where_bands_overlap():
    bands = [{"start": "23:00", "end": "01:00", "rate": "90"}, NIGHT]
    tariff = hourly(bands=bands, tz=SHANGHAI)
    # 22:00 → 02:00: 22-23 night 60, 23-01 late 180, 01-02 night 60 = 300
    assert compute_charge(local(22), local(2, day=2), tariff).amount == Decimal("300.00")


# ----------------------------------------------------------------------
# Pauses
# ----------------------------------------------------------------------


def test_pauses_are_not_billed():
    # 10:00 → 12:00 with a 30-minute pause: 90 minutes → 45.00
    pauses = [(utc(10, 30), utc(11))]
    charge = compute_charge(utc(10), utc(12), hourly(), pauses=pauses)
    assert charge.active_minutes == 90
    assert charge.amount == Decimal("45.00")


def test_pauses_overlapping_open_or_outside_the_session():
    pauses = [
        (utc(9), utc(10, 15)),  # begins before the session: 15 minutes count
        (utc(10, 30), utc(11)),
        (utc(10, 45), utc(11, 15)),  # overlaps the previous one
        (utc(11, 45), None),  # still paused when stopped
    ]
    charge = compute_charge(utc(10), utc(12), hourly(), pauses=pauses)
    # active: 10:15-10:30 and 11:15-11:45 = 45 minutes
    assert charge.active_minutes == 45
    assert charge.amount == Decimal("22.50")


def test_pause_during_the_night_band_saves_the_night_rate():
    tariff = hourly(bands=[NIGHT], tz=SHANGHAI)
    # 20:00 → 23:00 local, paused 21:00 → 21:30: 1 h day (30) + 30 min day (15) + 1 h night (60)
    pauses = [(local(21), local(21, 30))]
    assert compute_charge(local(20), local(23), tariff, pauses=pauses).amount == Decimal("105.00")
    # paused 22:00 → 22:30 instead: 2 h day (60) + 30 min night (30)
    pauses = [(local(22), local(22, 30))]
    assert compute_charge(local(20), local(23), tariff, pauses=pauses).amount == Decimal("90.00")


def test_free_minutes_come_off_the_start_of_the_active_time():
    tariff = hourly(bands=[NIGHT], tz=SHANGHAI, free_minutes=30)
    # 21:30 → 23:00: the free 30 minutes are the day ones; 1 h night = 60
    assert compute_charge(local(21, 30), local(23), tariff).amount == Decimal("60.00")


def test_aware_datetimes_are_accepted():
    tz = datetime.timezone(datetime.timedelta(hours=8))
    start = datetime.datetime(2025, 3, 1, 18, 0, tzinfo=tz)
    stop = datetime.datetime(2025, 3, 1, 19, 0, tzinfo=tz)
    assert compute_charge(start, stop, hourly()).amount == Decimal("30.00")


# ----------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"rate": "-1"}, "bad_number"),
        ({"rate": "abc"}, "bad_number"),
        ({"rate": "NaN"}, "bad_number"),
        ({"rate_unit": "day"}, "bad_unit"),
        ({"billing_unit": 0}, "bad_unit"),
        ({"rounding": "sideways"}, "bad_rounding"),
        ({"bands": [{"start": "22:00", "end": "22:00", "rate": 1}]}, "bad_band"),
        ({"bands": [{"start": "25:00", "end": "06:00", "rate": 1}]}, "bad_band"),
        ({"bands": [{"start": "22:75", "end": "06:00", "rate": 1}]}, "bad_band"),
    ],
)
def test_bad_tariffs_are_refused(values, code):
    with pytest.raises(tariff_tools.TariffError) as caught:
        compute_charge(utc(10), utc(11), hourly(**values))
    assert caught.value.code == code


def test_stop_before_start_is_refused():
    with pytest.raises(tariff_tools.TariffError) as caught:
        compute_charge(utc(11), utc(10), hourly())
    assert caught.value.code == "bad_time"


def test_zero_length_session_costs_nothing():
    charge = compute_charge(utc(10), utc(10), hourly(minimum_charge="20"))
    assert charge.amount == Decimal("0.00")


def test_active_minutes_helper():
    pauses = [(utc(10, 30), utc(11)), (utc(11, 45), None)]
    assert tariff_tools.active_minutes(utc(10), utc(12), pauses) == 75
    assert tariff_tools.active_minutes(utc(12), utc(10)) == 0
