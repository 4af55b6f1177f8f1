"""Phone normalisation to E.164 (member_base/tools/phone.py)."""

import pytest


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "138.1234.5678",
        "+86 138 1234 5678",
        "+86-13812345678",
        "0086 13812345678",
        "8613812345678",
        "(+86) 138 1234 5678",
        "\uff11\uff13\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",  # full-width
    ],
)
def test_cn_mobile_forms(phone, raw):
    assert phone.normalize_phone(raw) == "+8613812345678"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("010-12345678", "+861012345678"),  # Beijing, 2-digit area code
        ("(021) 6123 4567", "+862161234567"),  # Shanghai
        ("0755-12345678", "+8675512345678"),  # Shenzhen, 3-digit area code
        ("0371-1234567", "+863711234567"),  # 7-digit subscriber number
        ("+86 10 1234 5678", "+861012345678"),  # after +86 without trunk 0
        ("+86 (0)755 1234 5678", "+8675512345678"),
    ],
)
def test_cn_landlines_drop_trunk_zero(phone, raw, expected):
    assert phone.normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+1 (415) 555-2671", "+14155552671"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+852 6123 4567", "+85261234567"),
    ],
)
def test_other_countries_keep_their_code(phone, raw, expected):
    assert phone.normalize_phone(raw) == expected


def test_other_default_country_drops_trunk_zero(phone):
    assert phone.normalize_phone("020 7946 0958", default_country_code="44") == "+442079460958"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        (" - ", "empty"),
        ("138 1234 567a", "bad_chars"),
        ("12812345678", "bad_cn_number"),  # 12x is no mobile prefix
        ("1381234567", "bad_cn_number"),  # 10 digits
        ("12345678", "bad_cn_number"),  # landline without area code
        ("+123", "bad_length"),
        ("+1234567890123456", "bad_length"),  # 16 digits > E.164
        ("+86 1234", "bad_cn_number"),
    ],
)
def test_refused_numbers(phone, raw, code):
    with pytest.raises(phone.PhoneError) as info:
        phone.normalize_phone(raw)
    assert info.value.code == code
    assert isinstance(info.value, ValueError)


def test_is_cn_mobile(phone):
    assert phone.is_cn_mobile("+8613812345678")
    assert not phone.is_cn_mobile("+861012345678")
    assert not phone.is_cn_mobile("13812345678")
    assert not phone.is_cn_mobile("")
