"""Reading opening-balance files (member_wallet/tools/opening_file.py)."""

import datetime
import importlib.util
import io
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parent.parent / "member_wallet" / "tools" / "opening_file.py"


@pytest.fixture(scope="session")
def opening_file():
    """``member_wallet/__init__.py`` imports Odoo: load the tool by file path."""
    name = "member_wallet_tools_opening_file"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, TOOL)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_csv_with_english_headers(opening_file):
    data = (
        b"Card Number,Store,Principal,Bonus,Points,Points Date,Key,Comment\n"
        b"A1, S1 ,100.50,10,5,2024-01-02,k1,x\n\n,,,,,,,\nA2,,1,,,,,\n"
    )
    columns, unknown, rows = opening_file.read_rows(data, "f.csv")
    assert columns == ["card", "store", "principal", "bonus", "points", "points_date", "key"]
    assert unknown == ["Comment"]
    assert rows[0] == (
        2,
        {
            "card": "A1",
            "store": "S1",
            "principal": "100.50",
            "bonus": "10",
            "points": "5",
            "points_date": "2024-01-02",
            "key": "k1",
        },
    )
    assert [number for number, _values in rows] == [2, 5]


def test_csv_in_gb18030_with_semicolons_and_chinese_headers(opening_file):
    data = "卡号;门店;本金;赠送;积分\n8001;SH01;50;5;10\n".encode("gb18030")
    columns, unknown, rows = opening_file.read_rows(data, "旧系统.csv")
    assert columns == ["card", "store", "principal", "bonus", "points"]
    assert unknown == []
    assert rows == [
        (2, {"card": "8001", "store": "SH01", "principal": "50", "bonus": "5", "points": "10"})
    ]


def test_xlsx_keeps_cell_types_and_fixes_numeric_card_numbers(opening_file):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["会员卡号", "储值余额", "积分日期"])
    sheet.append([6200000000000001.0, 99.9, datetime.datetime(2024, 3, 1)])
    sheet.append([123, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    _columns, _unknown, rows = opening_file.read_rows(buffer.getvalue(), "x.xlsx")
    assert rows[0] == (
        2,
        {
            "card": "6200000000000001",
            "principal": 99.9,
            "points_date": datetime.datetime(2024, 3, 1),
        },
    )
    assert rows[1][1]["card"] == "123"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"\n,,\n", "empty"),
        (b"number,principal\n1,2\n", "no_card_column"),
        (b"PK\x03\x04not really a zip", "unreadable"),
    ],
)
def test_unreadable_files(opening_file, data, code):
    with pytest.raises(opening_file.OpeningFileError) as caught:
        opening_file.read_rows(data, "f.csv")
    assert caught.value.code == code


def test_dates_and_counts(opening_file):
    day = datetime.date(2024, 1, 15)
    for text in ("2024-01-15", "2024/01/15", "2024.01.15", "20240115", "2024年01月15日"):
        assert opening_file.parse_date(text) == day
    assert opening_file.parse_date(datetime.datetime(2024, 1, 15, 9, 30)) == day
    assert opening_file.parse_date("") is None
    with pytest.raises(ValueError):
        opening_file.parse_date("15/01/2024")
    assert opening_file.parse_count("") == 0
    assert opening_file.parse_count(" 12 ") == 12
    assert opening_file.parse_count(7.0) == 7
    for bad in ("1.5", 1.5, -1, "abc", True):
        with pytest.raises(ValueError):
            opening_file.parse_count(bad)
    with pytest.raises(ValueError):
        opening_file.parse_count(11, maximum=10)


def test_control_characters_are_dropped(opening_file):
    """A NUL or another control character in a cell (found by member_tests'
    fuzzing: PostgreSQL refuses NUL in text) is dropped, not a server error."""
    data = "card,principal\nA\x001,1\x000\x0b0\n\u200bA2,5\n".encode()
    _columns, _unknown, rows = opening_file.read_rows(data, "opening.csv")
    assert [values for _number, values in rows] == [
        {"card": "A1", "principal": "100"},
        {"card": "A2", "principal": "5"},
    ]
