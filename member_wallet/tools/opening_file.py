"""Reading an opening-balance file (xlsx or CSV) into rows, as plain functions.

The first non-empty row holds the column names, in English or Chinese (see
``COLUMNS``); the other rows are returned as ``(row number, {column: raw
value})`` with the row number as a spreadsheet shows it. Values are left as
read (xlsx cells keep their types), except that text is stripped and a whole
float such as ``6200000000000001.0`` read from a numeric card-number cell
becomes ``"6200000000000001"`` for the card column.
"""

import csv
import datetime
import io
import re
import unicodedata

COLUMNS = {
    "card": ("card", "card number", "card no", "card no.", "卡号", "会员卡号"),
    "store": ("store", "store code", "门店", "门店代码", "门店编码", "门店编号"),
    "principal": (
        "principal",
        "stored value",
        "paid-in value",
        "balance",
        "本金",
        "储值",
        "储值余额",
        "余额",
    ),
    "bonus": ("bonus", "bonus value", "赠送", "赠送余额", "赠送金额"),
    "points": ("points", "积分", "积分余额"),
    "points_date": ("points date", "points earned on", "earned on", "积分日期", "积分获得日期"),
    "package": ("package", "package product", "套餐", "计次项目", "计次套餐"),
    "package_uses": ("package uses", "remaining uses", "uses", "剩余次数", "计次剩余次数"),
    "package_expiry": ("package expiry", "package valid until", "套餐有效期", "计次有效期"),
    "key": ("key", "row key", "行键", "键"),
}

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


class OpeningFileError(ValueError):
    """The file cannot be read; ``code`` says why (``empty``, ``no_card_column``,
    ``unreadable``)."""

    def __init__(self, code, detail=""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def _header_name(value):
    text = re.sub(r"[\s_]+", " ", str(value or "")).strip().lower()
    for column, aliases in COLUMNS.items():
        if text in aliases:
            return column
    return None


def _clean(value):
    if isinstance(value, str):
        return value.strip()
    return value


def _text_cell(value):
    """A cell without the control and format characters a file may hold
    (PostgreSQL refuses NUL in text; none of them means anything in a
    card number or an amount)."""
    if not isinstance(value, str):
        return value
    return "".join(char for char in value if unicodedata.category(char) not in ("Cc", "Cf"))


def _table_rows(data, filename=""):
    """All rows of the file's first sheet (xlsx) or of the CSV, as lists,
    their texts without control characters."""
    return [[_text_cell(value) for value in row] for row in _raw_table_rows(data, filename)]


def _raw_table_rows(data, filename=""):
    if data[:4] == b"PK\x03\x04" or (filename or "").lower().endswith((".xlsx", ".xlsm")):
        try:
            import openpyxl  # noqa: PLC0415 - optional dependency, only for xlsx

            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds of errors on bad files
            raise OpeningFileError("unreadable", str(error)) from error
        try:
            sheet = workbook.worksheets[0]
            return [list(row) for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise OpeningFileError("unreadable", "encoding")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


def read_rows(data, filename=""):
    """``(columns, unknown, rows)``: the recognised columns in file order,
    the names of the columns not recognised, and the data rows."""
    if not data:
        raise OpeningFileError("empty")
    table = _table_rows(data, filename)
    header_index = next(
        (index for index, row in enumerate(table) if any(_clean(v) not in (None, "") for v in row)),
        None,
    )
    if header_index is None:
        raise OpeningFileError("empty")
    positions = {}
    unknown = []
    for position, name in enumerate(table[header_index]):
        column = _header_name(name)
        if column and column not in positions:
            positions[column] = position
        elif _clean(name) not in (None, ""):
            unknown.append(str(name).strip())
    if "card" not in positions:
        raise OpeningFileError("no_card_column")
    rows = []
    for index in range(header_index + 1, len(table)):
        raw = table[index]
        if not any(_clean(v) not in (None, "") for v in raw):
            continue
        values = {}
        for column, position in positions.items():
            value = _clean(raw[position]) if position < len(raw) else None
            values[column] = value
        card = values.get("card")
        if isinstance(card, float) and card.is_integer():
            values["card"] = str(int(card))
        elif card is not None:
            values["card"] = str(card).strip()
        rows.append((index + 1, values))
    return list(positions), unknown, rows


def parse_date(value):
    """A ``datetime.date`` from a cell (date, datetime or text in a usual
    format), ``None`` for an empty cell; ``ValueError`` otherwise."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_count(value, maximum=None):
    """A whole number ≥ 0 from a cell (``0`` for an empty cell); ``ValueError``
    for text, fractions and negative numbers."""
    if value in (None, ""):
        return 0
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        value = int(value)
    number = int(str(value).strip())
    if number < 0 or (maximum is not None and number > maximum):
        raise ValueError(value)
    return number
