"""Lunar and solar birthdays (member_base/tools/lunar.py).

Every expected date below was checked against lunardate first.
"""

import datetime
import itertools

import pytest

D = datetime.date


def test_conversions_on_known_dates(lunar):
    assert lunar.solar_to_lunar(D(2023, 1, 22)) == (2023, 1, 1, False)  # Chinese New Year
    assert lunar.lunar_to_solar(2023, 1, 1, False) == D(2023, 1, 22)
    assert lunar.lunar_to_solar(2023, 2, 1, True) == D(2023, 3, 22)  # 闰二月初一
    assert lunar.solar_to_lunar(D(2023, 3, 22)) == (2023, 2, 1, True)
    assert lunar.lunar_to_solar(2020, 4, 1, True) == D(2020, 5, 23)  # 闰四月初一
    assert lunar.lunar_to_solar(2025, 6, 1, True) == D(2025, 7, 25)  # 闰六月初一


def test_leap_months_and_month_lengths(lunar):
    assert [lunar.leap_month(year) for year in (2020, 2023, 2024, 2025)] == [4, 2, None, 6]
    assert lunar.lunar_month_days(2024, 12) == 29
    assert lunar.lunar_month_days(2023, 12) == 30
    assert lunar.lunar_month_days(2023, 2, True) == 29
    with pytest.raises(ValueError):
        lunar.lunar_month_days(2024, 2, True)  # 2024 has no leap month


def test_lunar_to_solar_refuses_missing_dates(lunar):
    with pytest.raises(ValueError):
        lunar.lunar_to_solar(2024, 12, 30, False)  # the 12th month of 2024 has 29 days
    with pytest.raises(ValueError):
        lunar.lunar_to_solar(2024, 2, 1, True)
    with pytest.raises(ValueError):
        lunar.lunar_to_solar(2023, 13, 1, False)


def test_leap_birthday_in_its_leap_year(lunar):
    assert lunar.next_solar_birthday_lunar(2, 1, True, D(2023, 3, 1)) == D(2023, 3, 22)
    assert lunar.next_solar_birthday_lunar(4, 1, True, D(2020, 5, 1)) == D(2020, 5, 23)
    assert lunar.next_solar_birthday_lunar(6, 1, True, D(2025, 7, 1)) == D(2025, 7, 25)


def test_leap_birthday_falls_back_to_regular_month(lunar):
    # 2024 has no leap month: 闰二月初一 is celebrated on 二月初一.
    assert lunar.next_solar_birthday_lunar(2, 1, True, D(2024, 1, 1)) == D(2024, 3, 10)
    # 2026 has no leap month: 闰六月初一 on 六月初一.
    assert lunar.next_solar_birthday_lunar(6, 1, True, D(2026, 1, 1)) == D(2026, 7, 14)


def test_regular_birthday_ignores_the_leap_month(lunar):
    # 二月初一 of 2023 was 2023-02-20; the leap 2nd month does not repeat it.
    assert lunar.next_solar_birthday_lunar(2, 1, False, D(2023, 2, 21)) == D(2024, 3, 10)
    assert lunar.next_solar_birthday_lunar(4, 1, False, D(2020, 5, 1)) == D(2021, 5, 12)


def test_day_30_in_a_29_day_month(lunar):
    # 腊月 of lunar 2024 has 29 days: 腊月三十 is kept on 腊月廿九 = 2025-01-28.
    assert lunar.next_solar_birthday_lunar(12, 30, False, D(2024, 12, 20)) == D(2025, 1, 28)
    # 腊月 of lunar 2023 has 30 days.
    assert lunar.next_solar_birthday_lunar(12, 30, False, D(2024, 1, 15)) == D(2024, 2, 9)
    # Leap months of 29 days: 闰六月三十 2025 -> 闰六月廿九, 闰四月三十 2020 -> 闰四月廿九.
    assert lunar.next_solar_birthday_lunar(6, 30, True, D(2025, 7, 1)) == D(2025, 8, 22)
    assert lunar.next_solar_birthday_lunar(4, 30, True, D(2020, 5, 1)) == D(2020, 6, 20)


def test_twelfth_month_birthday_crosses_the_solar_year_end(lunar):
    assert lunar.next_solar_birthday_lunar(12, 20, False, D(2023, 12, 20)) == D(2024, 1, 30)
    # 2024-12-28 is still lunar 2024-11-28: 腊月十五 of lunar 2024 is 2025-01-14.
    assert lunar.next_solar_birthday_lunar(12, 15, False, D(2024, 12, 28)) == D(2025, 1, 14)
    # New Year's Day has passed in lunar 2024, so the next is lunar 2025's.
    assert lunar.next_solar_birthday_lunar(1, 1, False, D(2024, 12, 28)) == D(2025, 1, 29)


def test_next_lunar_birthday_includes_from_date(lunar):
    assert lunar.next_solar_birthday_lunar(1, 1, False, D(2023, 1, 22)) == D(2023, 1, 22)
    assert lunar.next_solar_birthday_lunar(1, 1, False, D(2023, 1, 23)) == D(2024, 2, 10)


def test_lunar_birthdays_in_a_solar_year(lunar):
    # 腊月初一 of lunar 2023 and of lunar 2024 both fall in 2024, none in 2025.
    twice = [D(2024, 1, 11), D(2024, 12, 31)]
    assert lunar.lunar_birthdays_in_solar_year(12, 1, False, 2024) == twice
    assert lunar.lunar_birthdays_in_solar_year(12, 1, False, 2025) == []
    assert lunar.lunar_birthdays_in_solar_year(2, 1, True, 2023) == [D(2023, 3, 22)]


@pytest.mark.parametrize(
    ("from_date", "expected"),
    [
        (D(2023, 1, 1), D(2023, 2, 28)),
        (D(2023, 2, 28), D(2023, 2, 28)),
        (D(2023, 3, 1), D(2024, 2, 29)),
        (D(2024, 1, 1), D(2024, 2, 29)),
        (D(2024, 3, 1), D(2025, 2, 28)),
    ],
)
def test_solar_february_29(lunar, from_date, expected):
    assert lunar.next_solar_birthday_solar(D(2000, 2, 29), from_date) == expected


def test_solar_birthday(lunar):
    assert lunar.solar_birthday_in_year(D(1990, 12, 31), 2024) == D(2024, 12, 31)
    assert lunar.next_solar_birthday_solar(D(1990, 12, 31), D(2025, 1, 1)) == D(2025, 12, 31)
    assert lunar.next_solar_birthday_solar(D(1990, 6, 15), D(2025, 6, 15)) == D(2025, 6, 15)


def test_combos_of_a_day_in_a_leap_month(lunar):
    # Only the leap birthday: the regular 二月初一 was on 2023-02-20.
    assert lunar.lunar_combos_in_range(D(2023, 3, 22), D(2023, 3, 22)) == {(2, 1, True)}
    # Regular 二月初一 in a year with a leap 2nd month: no fallback.
    assert lunar.lunar_combos_in_range(D(2023, 2, 20), D(2023, 2, 20)) == {(2, 1, False)}


def test_combos_of_a_day_with_fallbacks(lunar):
    # 2024-03-10 = 二月初一 of a year without leap month.
    assert lunar.lunar_combos_in_range(D(2024, 3, 10), D(2024, 3, 10)) == {
        (2, 1, False),
        (2, 1, True),
    }
    # 2025-01-28 = 腊月廿九, last day of a 29-day month: day-30 birthdays too.
    assert lunar.lunar_combos_in_range(D(2025, 1, 28), D(2025, 1, 28)) == {
        (12, 29, False),
        (12, 29, True),
        (12, 30, False),
        (12, 30, True),
    }


def test_combos_of_march_2023(lunar):
    combos = lunar.lunar_combos_in_range(D(2023, 3, 1), D(2023, 3, 31))
    assert (2, 15, False) in combos  # 2023-03-06
    assert (2, 15, True) not in combos  # 闰二月十五 = 2023-04-05
    assert (2, 10, True) in combos  # 闰二月初十 = 2023-03-31
    assert (2, 30, False) in combos  # 2023-03-21
    assert len(combos) == 31


def test_combos_empty_range(lunar):
    assert lunar.lunar_combos_in_range(D(2024, 3, 2), D(2024, 3, 1)) == set()


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2023, 3, 1), D(2023, 3, 31)),
        (D(2025, 1, 1), D(2025, 1, 31)),
        (D(2025, 8, 1), D(2025, 8, 31)),
        (D(2024, 12, 1), D(2024, 12, 31)),
        (D(2020, 5, 1), D(2020, 6, 30)),
    ],
)
def test_combos_agree_with_next_birthday(lunar, start, end):
    everyone = itertools.product(range(1, 13), range(1, 31), (False, True))
    expected = {
        combo for combo in everyone if lunar.next_solar_birthday_lunar(*combo, start) <= end
    }
    assert lunar.lunar_combos_in_range(start, end) == expected
