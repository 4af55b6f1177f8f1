"""Reading a batch top-up file (企业批量充值): one row per card, with the card
and the amount to top up, as plain functions.

The first non-empty row names the columns, in English or Chinese (see
``COLUMNS``); other columns are ignored. Rows are returned as ``(row number,
card, amount)`` with the row number as a spreadsheet shows it, the card as
text (a whole float read from a numeric xlsx cell, ``6200000000000001.0``,
becomes ``"6200000000000001"``) and the amount as read (checked by the
wallet, which knows the currency).
"""

import re

from .opening_file import OpeningFileError, _table_rows

COLUMNS = {
    "card": ("card", "card number", "card no", "card no.", "卡号", "会员卡号", "会员卡"),
    "amount": ("amount", "top-up", "topup", "top-up amount", "金额", "充值金额", "充值"),
}


class BatchFileError(ValueError):
    """The file cannot be read; ``code`` says why: ``empty``, ``no_card_column``,
    ``no_amount_column``, ``unreadable``."""

    def __init__(self, code, detail=""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def _column(value):
    text = re.sub(r"[\s_]+", " ", str(value or "")).strip().lower()
    return next((name for name, aliases in COLUMNS.items() if text in aliases), None)


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def card_text(value):
    """A card cell as text (``None`` when empty)."""
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(data, filename=""):
    """``[(row number, card, amount)]`` of an xlsx or CSV (UTF-8 or GB18030)
    file; rows with neither card nor amount are skipped."""
    if not data:
        raise BatchFileError("empty")
    try:
        table = _table_rows(data, filename)
    except OpeningFileError as error:
        raise BatchFileError(error.code, error.detail) from error
    header = next(
        (index for index, row in enumerate(table) if not all(_blank(v) for v in row)), None
    )
    if header is None:
        raise BatchFileError("empty")
    positions = {}
    for position, name in enumerate(table[header]):
        column = _column(name)
        if column and column not in positions:
            positions[column] = position
    for column in ("card", "amount"):
        if column not in positions:
            raise BatchFileError(f"no_{column}_column")
    rows = []
    for index in range(header + 1, len(table)):
        raw = table[index]

        def cell(column, raw=raw):
            position = positions[column]
            return raw[position] if position < len(raw) else None

        card, amount = cell("card"), cell("amount")
        if _blank(card) and _blank(amount):
            continue
        if isinstance(amount, str):
            amount = amount.strip()
        rows.append((index + 1, card_text(card), amount))
    return rows
