"""Points arithmetic (member_wallet/tools/points.py), loaded by file path:
``member_wallet/__init__.py`` imports Odoo, the tool module does not."""

import datetime
import importlib.util
import sys
from decimal import Decimal
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
D = datetime.date


def _load_points():
    name = "member_wallet_tools_points"
    if name not in sys.modules:
        path = REPO_ROOT / "member_wallet" / "tools" / "points.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def points():
    return _load_points()


def test_points_for_amount_rounds_down(points):
    assert points.points_for_amount(Decimal("100"), 1) == 100
    assert points.points_for_amount(Decimal("99.99"), 1) == 99
    assert points.points_for_amount(Decimal("99.90"), 10) == 9
    assert points.points_for_amount(Decimal("100"), 10) == 10
    assert points.points_for_amount("250", 100, 3) == 6
    assert points.points_for_amount(Decimal("9.99"), 10) == 0
    assert points.points_for_amount(0, 1) == 0
    assert points.points_for_amount(-5, 1) == 0
    # floats go through str: 0.1 + 0.2 stays below 0.30000001
    assert points.points_for_amount(0.3, Decimal("0.1")) == 3


def test_points_for_amount_refuses_bad_step(points):
    with pytest.raises(points.PointsError) as error:
        points.points_for_amount(100, 0)
    assert error.value.code == "bad_step"


def test_points_for_units(points):
    assert points.points_for_units(3, 5) == 15
    assert points.points_for_units(Decimal("2.5"), 3) == 7
    assert points.points_for_units(0, 5) == 0


def test_eligible_share(points):
    assert points.eligible_share(100, 40) == Decimal("0.6")
    assert points.eligible_share(100, 0) == 1
    assert points.eligible_share(100, 150) == 0  # never below zero
    assert points.eligible_share(0, 0) == 0


def test_apply_multipliers_rounds_once(points):
    assert points.apply_multipliers(100, 1.5) == 150
    assert points.apply_multipliers(13, 1.5) == 19  # 19.5 down
    assert points.apply_multipliers(13, 1.5, 2) == 39  # not 19 * 2
    assert points.apply_multipliers(9, None) == 9
    assert points.apply_multipliers(10, 0) == 0


def test_birthday_windows(points):
    wednesday = D(2025, 6, 18)
    assert points.birthday_window(wednesday, "day") == (wednesday, wednesday)
    assert points.birthday_window(wednesday, "week") == (D(2025, 6, 16), D(2025, 6, 22))
    assert points.birthday_window(wednesday, "month") == (D(2025, 6, 1), D(2025, 6, 30))
    with pytest.raises(points.PointsError):
        points.birthday_window(wednesday, "year")


def test_is_birthday_period(points):
    def born_on(month, day):
        def next_from(start):
            celebrated = D(start.year, month, day)
            return celebrated if celebrated >= start else D(start.year + 1, month, day)

        return next_from

    wednesday = D(2025, 6, 18)
    assert points.is_birthday_period(wednesday, "day", born_on(6, 18))
    assert not points.is_birthday_period(wednesday, "day", born_on(6, 19))
    assert points.is_birthday_period(wednesday, "week", born_on(6, 22))  # Sunday
    assert points.is_birthday_period(wednesday, "week", born_on(6, 16))  # Monday, past
    assert not points.is_birthday_period(wednesday, "week", born_on(6, 23))
    assert points.is_birthday_period(wednesday, "month", born_on(6, 1))
    assert not points.is_birthday_period(wednesday, "month", born_on(7, 1))
    assert not points.is_birthday_period(wednesday, "day", lambda start: False)


def test_cash_value(points):
    assert points.points_to_cash(100, 100, 1) == Decimal("1.00")
    assert points.points_to_cash(150, 100, 1) == Decimal("1.50")
    assert points.points_to_cash(1, 1000, 1) == Decimal("0.00")
    assert points.points_to_cash(999, 1000, 1) == Decimal("0.99")
    assert points.points_to_cash(7, 10, 1, decimals=0) == Decimal("0")
    assert points.cash_to_points(Decimal("1.50"), 100, 1) == 150
    assert points.cash_to_points(Decimal("0.015"), 100, 1) == 2
    with pytest.raises(points.PointsError):
        points.points_to_cash(100, 0, 1)
    with pytest.raises(points.PointsError):
        points.cash_to_points(1, 100, 0)


def test_allocate_fifo_oldest_first(points):
    lots = [
        (3, D(2025, 3, 1), 70),
        (1, D(2025, 1, 1), 50),
        (2, D(2025, 2, 1), 30),
    ]
    assert points.allocate_fifo(lots, 60) == [(1, 50), (2, 10)]
    assert points.allocate_fifo(lots, 150) == [(1, 50), (2, 30), (3, 70)]
    assert points.allocate_fifo(lots, 0) == []
    # same date: lower id first; empty lots are skipped
    same_day = [(9, D(2025, 1, 1), 5), (4, D(2025, 1, 1), 5), (5, D(2024, 1, 1), 0)]
    assert points.allocate_fifo(same_day, 6) == [(4, 5), (9, 1)]
    # a preferred lot is drawn on first
    assert points.allocate_fifo(lots, 80, first=3) == [(3, 70), (1, 10)]


def test_allocate_fifo_not_enough(points):
    with pytest.raises(points.PointsError) as error:
        points.allocate_fifo([(1, D(2025, 1, 1), 10)], 11)
    assert error.value.code == "not_enough"


def test_add_months_clamps(points):
    assert points.add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert points.add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert points.add_months(D(2024, 3, 15), 12) == D(2025, 3, 15)
    assert points.add_months(D(2024, 11, 30), 3) == D(2025, 2, 28)


def test_expiry_dates(points):
    assert points.expiry_date(D(2024, 3, 15), "rolling", months=12) == D(2025, 3, 14)
    assert points.expiry_date(D(2024, 2, 29), "rolling", months=12) == D(2025, 2, 27)
    assert points.expiry_date(D(2024, 1, 1), "rolling", months=6) == D(2024, 6, 30)
    assert points.expiry_date(D(2024, 1, 1), "year_end", years=1) == D(2025, 12, 31)
    assert points.expiry_date(D(2024, 12, 31), "year_end", years=1) == D(2025, 12, 31)
    assert points.expiry_date(D(2024, 6, 1), "year_end", years=0) == D(2024, 12, 31)
    assert points.expiry_date(D(2024, 6, 1), "never") is None
    assert points.expiry_date(D(2024, 6, 1), False) is None
    for policy, kwargs in (
        ("rolling", {"months": 0}),
        ("year_end", {"years": -1}),
        ("monthly", {}),
    ):
        with pytest.raises(points.PointsError):
            points.expiry_date(D(2024, 6, 1), policy, **kwargs)
