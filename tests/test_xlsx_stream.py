"""member_reports' streamed Excel export tools: the xlsx writer (tools/xlsx_stream.py), each
file written read back with openpyxl as a user's spreadsheet would read it, and the pages
read ahead (tools/read_ahead.py); loaded by file path (``member_reports/__init__.py``
imports Odoo, the tools do not)."""

import datetime
import io
import re
import threading
import time
import zipfile

import pytest
from conftest import REPO_ROOT, load_by_path
from openpyxl import load_workbook

MONEY, DATETIME = 4, 7


TOOLS = REPO_ROOT / "member_reports" / "tools"


@pytest.fixture(scope="module")
def xs():
    return load_by_path("member_reports_tools_xlsx_stream", TOOLS / "xlsx_stream.py")


@pytest.fixture(scope="module")
def read_ahead():
    return load_by_path("member_reports_tools_read_ahead", TOOLS / "read_ahead.py").read_ahead


def write_book(xs, rows_of_sheet, fileobj=None):
    """A workbook of one sheet; ``rows_of_sheet(sheet)`` writes its rows."""
    output = fileobj or io.BytesIO()
    with xs.XlsxStream(output) as book:
        rows_of_sheet(book.sheet("Sheet", widths=[12, 20, 14], frozen_rows=1))
    return output


def read_back(output):
    sheet = load_workbook(io.BytesIO(output.getvalue())).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def sheet_xml(output):
    with zipfile.ZipFile(io.BytesIO(output.getvalue())) as book:
        return book.read("xl/worksheets/sheet1.xml").decode()


def test_text_with_edge_spaces_is_preserved(xs):
    """A text beginning or ending with white space says so (``xml:space="preserve"``),
    else a spreadsheet trims it; other texts do not need it."""
    texts = ["  two before", "after  ", "\tTab", " both ", "in the middle", "x"]
    cells = [xs.text_cell(f"A{n}", text) for n, text in enumerate(texts, start=1)]
    assert [' xml:space="preserve"' in cell for cell in cells] == [
        True,
        True,
        True,
        True,
        False,
        False,
    ]
    output = write_book(xs, lambda sheet: [sheet.row([cell]) for cell in cells])
    assert [row[0] for row in read_back(output)] == texts
    assert sheet_xml(output).count('<t xml:space="preserve">') == 4


def test_text_is_escaped_and_cleaned(xs):
    """Markup and ampersands come back as they were; what XML 1.0 cannot hold is left out."""
    value = ' <b>A & "B"</b>\x07\x00 '
    output = write_book(xs, lambda sheet: sheet.row([xs.text_cell("A1", value, xs.BOLD)]))
    assert read_back(output)[0][0] == ' <b>A & "B"</b> '
    assert '<c r="A1" s="2" t="inlineStr">' in sheet_xml(output)


def test_page_renderer_rows(xs):
    """A page rendered at once: numbers as given, an optional number absent when None, a
    text column's cell from its tails (none for an empty value), the rows numbered on
    from the first one."""
    render = xs.page_renderer([("optional", DATETIME), ("text", 0), ("number", MONEY)])
    stores = xs.TextTails({1: "Store A", 2: " Store B "}.get)
    page = [("46000.5", 1, "12.50"), (None, 2, "0"), ("46001.25", 3, "-7")]
    xml = render(page, 5, [stores])
    assert xml == (
        '<row r="5"><c r="A5" s="7"><v>46000.5</v></c>'
        '<c r="B5" s="0" t="inlineStr"><is><t>Store A</t></is></c>'
        '<c r="C5" s="4"><v>12.50</v></c></row>'
        '<row r="6"><c r="B6" s="0" t="inlineStr"><is><t xml:space="preserve"> Store B </t>'
        '</is></c><c r="C6" s="4"><v>0</v></c></row>'
        '<row r="7"><c r="A7" s="7"><v>46001.25</v></c><c r="C7" s="4"><v>-7</v></c></row>'
    )

    def rows(sheet):
        sheet.row([xs.text_cell("A1", "header")])
        sheet.rows(render(page, sheet.next_row(), [stores]), len(page))
        assert sheet.next_row() == 5

    assert read_back(write_book(xs, rows))[1:] == [
        [datetime.datetime(2025, 12, 9, 12, 0), "Store A", 12.5],
        [None, " Store B ", 0],
        [datetime.datetime(2025, 12, 10, 6, 0), None, -7],
    ]


def test_page_renderer_columns(xs):
    """Columns past Z are lettered as Excel does; the text columns take their tails in
    order; an unknown kind of column is refused."""
    kinds = [("text", 0)] * 28
    tails = [xs.TextTails(lambda value, n=n: f"{n}:{value}") for n in range(28)]
    xml = xs.page_renderer(kinds)([tuple(range(28))], 2, tails)
    assert re.findall(r'<c r="(\w+)"', xml)[-3:] == ["Z2", "AA2", "AB2"]
    assert "<t>27:27</t>" in xml
    with pytest.raises(ValueError, match="unknown kind"):
        xs.page_renderer([("formula", 0)])


def test_text_tails_are_made_once_and_bounded(xs):
    """A value's tail is made once (its label asked once) while the mapping holds fewer
    than its limit; past it, the mapping starts again; no text, no cell."""
    asked = []

    def label(value):
        asked.append(value)
        return {1: "One", 2: ""}.get(value)

    tails = xs.TextTails(label, xs.BOLD, limit=3)
    assert [tails[1], tails[1], tails[2], tails[None]] == [
        ' s="2" t="inlineStr"><is><t>One</t></is></c>',
    ] * 2 + ["", ""]
    assert asked == [1, 2, None]
    tails[3]
    assert len(tails) == 1 and asked[-1] == 3


def test_pages_deflated_in_their_thread(xs):
    """Pages of a sheet written through its deflating thread come back whole and in
    order, in a file of several sheets; the thread ends with its sheet."""
    render = xs.page_renderer([("number", 5), ("text", 0)])
    names = xs.TextTails(lambda value: f"member {value}")
    before = threading.active_count()
    output = io.BytesIO()
    with xs.XlsxStream(output) as book:
        for title in ("One", "Two"):
            sheet = book.sheet(title)
            for start in range(0, 3000, 1000):
                page = [(str(n), n % 7) for n in range(start, start + 1000)]
                sheet.rows(render(page, sheet.next_row(), [names]), len(page))
    assert threading.active_count() == before
    workbook = load_workbook(io.BytesIO(output.getvalue()), read_only=True)
    assert workbook.sheetnames == ["One", "Two"]
    for sheet in workbook.worksheets:
        values = list(sheet.iter_rows(values_only=True))
        assert values == [(n, f"member {n % 7}") for n in range(3000)]


class FailingFile(io.BytesIO):
    """A file whose disk fills up after ``room`` bytes."""

    def __init__(self, room):
        super().__init__()
        self.room = room

    def write(self, data):
        if self.tell() + len(data) > self.room:
            raise OSError(28, "No space left on device")
        return super().write(data)


def test_write_error_reaches_the_writer(xs):
    """An error while deflating or writing (a full disk) is raised to the code writing
    the sheet, not lost in the thread; the thread ends and nothing hangs."""
    render = xs.page_renderer([("number", 5)])
    before = threading.active_count()

    def rows(sheet):
        for start in range(0, 200_000, 5000):
            # incompressible enough to reach the disk page after page
            page = [(f"{(n * 2654435761) % 10**9}",) for n in range(start, start + 5000)]
            sheet.rows(render(page, sheet.next_row(), []), len(page))

    with pytest.raises(OSError, match="No space left"):
        write_book(xs, rows, FailingFile(200_000))
    assert threading.active_count() == before


class Pages:
    """A query's pages as ``fetch`` gives them: ``count`` pages then an empty one (or an
    error instead of page ``fail_at``); what was fetched, and whether under the lock."""

    def __init__(self, lock, count, fail_at=None):
        self.lock, self.count, self.fail_at = lock, count, fail_at
        self.fetched = []
        self.locked = []

    def fetch(self):
        number = len(self.fetched) + 1
        self.fetched.append(number)
        self.locked.append(self.lock.locked())
        if number == self.fail_at:
            raise RuntimeError(f"page {number} failed")
        return [number] * 3 if number <= self.count else []


def test_pages_read_ahead(read_ahead):
    """Every page comes, in order; the next one is fetched (under the lock) while the
    caller still works on the current one."""
    lock = threading.Lock()
    pages = Pages(lock, 4)
    before = threading.active_count()
    seen = []
    for page in read_ahead(pages.fetch, lock):
        deadline = time.monotonic() + 5
        while len(pages.fetched) <= page[0] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(pages.fetched) > page[0], "the next page is fetched while this one is in hand"
        seen.append(page)
    assert seen == [[1] * 3, [2] * 3, [3] * 3, [4] * 3]
    assert pages.fetched == [1, 2, 3, 4, 5] and all(pages.locked)
    assert threading.active_count() == before


def test_read_ahead_error_and_early_close(read_ahead):
    """An error of the reading thread is raised to the caller after the pages before it;
    a caller that stops early ends the thread, and nothing more is fetched."""
    lock = threading.Lock()
    before = threading.active_count()
    pages = Pages(lock, 10, fail_at=3)
    seen = []
    with pytest.raises(RuntimeError, match="page 3 failed"):
        for page in read_ahead(pages.fetch, lock):
            seen.append(page[0])
    assert seen == [1, 2]
    pages = Pages(lock, 10)
    reader = read_ahead(pages.fetch, lock)
    assert next(reader) == [1] * 3
    reader.close()
    assert threading.active_count() == before
    assert len(pages.fetched) <= 3
