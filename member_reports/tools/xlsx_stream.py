"""A streaming writer of formatted .xlsx files, for exports of a million rows.

openpyxl (write-only) and xlsxwriter (constant memory) spend 20–40 µs a cell
building objects and XML; this export of 1,000,000 rows of 16 columns
spends about 2 µs a cell in Python (rendering, deflating and reading the
rows, in all its threads), PostgreSQL's work besides. This writer keeps
what the reports' exports use of the format: sheets of rows whose cells are
numbers, text (inline strings), dates and times (Excel serial numbers with
a number format), a fixed set of styles (title, bold, header, the number
formats plain and bold), column widths and a frozen header. Each sheet's
XML goes straight into a deflated zip entry as its rows come: the memory
held is a few pages of rows.

    with XlsxStream(fileobj) as book:
        sheet = book.sheet("Ledger", widths=[20, 14], frozen_rows=4)
        sheet.row([text_cell("A1", "Title", TITLE)])
        render = page_renderer([("text", PLAIN), ("number", NUMBER_STYLES["money"])])
        names = TextTails(str)
        sheet.rows(render(page, sheet.next_row(), [names]), len(page))

A page of rows is rendered by one function made for the sheet's columns
(``page_renderer``): one formatted string per row, no call per cell. The
sheet's deflating (zlib, which lets go of Python's lock while it works) is
done by a thread of the sheet while the next page is read and rendered.
"""

import datetime
import queue
import re
import threading
import zipfile
from xml.sax.saxutils import quoteattr

# the styles (indexes into cellXfs below)
PLAIN, TITLE, BOLD, HEADER = 0, 1, 2, 3
NUMBER_STYLES = {"money": 4, "integer": 5, "date": 6, "datetime": 7}
BOLD_NUMBER_STYLES = {"money": 8, "integer": 9, "date": 10, "datetime": 11}

EXCEL_EPOCH = datetime.date(1899, 12, 30)
# what XML 1.0 does not allow in text
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_APPLY_FONT = {0: "", 1: ' applyFont="1"'}
_STYLES = (
    _HEAD + f"<styleSheet {_NS}>"
    '<numFmts count="4">'
    '<numFmt numFmtId="164" formatCode="#,##0.00"/>'
    '<numFmt numFmtId="165" formatCode="#,##0"/>'
    '<numFmt numFmtId="166" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="167" formatCode="yyyy-mm-dd hh:mm:ss"/>'
    "</numFmts>"
    '<fonts count="3">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="14"/><name val="Calibri"/><family val="2"/></font>'
    "</fonts>"
    '<fills count="3">'
    '<fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/>'
    '<bgColor indexed="64"/></patternFill></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="12">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"'
    ' applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
    + "".join(
        f'<xf numFmtId="{fmt}" fontId="{font}" fillId="0" borderId="0" xfId="0"'
        f' applyNumberFormat="1"{_APPLY_FONT[font]}/>'
        for font in (0, 1)
        for fmt in (164, 165, 166, 167)
    )
    + "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def column_letter(index):
    """``0`` → ``A``, ``26`` → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def escape(text):
    """``text`` as XML character data (no markup, nothing XML forbids)."""
    text = str(text)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return _ILLEGAL.sub("", text)


def text_cell(ref, value, style=PLAIN):
    """An inline string cell (never read as a number, a formula or a link)."""
    return f'<c r="{ref}"{text_tail(value, style)}'


def text_tail(value, style=PLAIN):
    """What follows the reference of an inline string cell of ``value``
    (its edge spaces kept: ``xml:space="preserve"``)."""
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f' s="{style}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'


class TextTails(dict):
    """``{value: text_tail}`` of a column of text, made on first use: the
    text shown of a value is ``label(value)`` (``None``, ``False`` or ``""``:
    no cell, the tail ``""``). Values repeat (stores, levels, kinds): their
    tails are kept, up to ``limit`` (then forgotten and made again)."""

    def __init__(self, label, style=PLAIN, limit=20000):
        super().__init__()
        self.label = label
        self.style = style
        self.limit = limit

    def __missing__(self, value):
        text = self.label(value)
        tail = "" if text in (None, False, "") else text_tail(str(text), self.style)
        if len(self) >= self.limit:
            self.clear()
        self[value] = tail
        return tail


def page_renderer(columns):
    """The function ``render(page, row, tails)`` writing the rows of
    ``page`` (tuples of values, one per column), the first being row number
    ``row``, as one string of ``<row>`` elements. ``columns`` are
    ``(kind, style)``:

    - ``"number"``: a number, always written (its text, e.g. as SQL gives
      it: ``12.50``, ``45992.5``);
    - ``"optional"``: a number or ``None`` (no cell), e.g. a serial date;
    - ``"text"``: a value whose cell is given by the next mapping of
      ``tails`` (a ``TextTails``: value → what follows the cell's reference,
      ``""`` for no cell); ``style`` is the mapping's.

    The function is made for those columns (its source is only column
    letters and style numbers): a row is one f-string, with no call per
    cell; that is most of what makes a million rows take seconds, not a
    minute."""
    unpack, body, cells = [], [], []
    texts = 0
    for index, (kind, style) in enumerate(columns):
        letter, value, style = column_letter(index), f"v{index}", int(style)
        unpack.append(value)
        if kind == "number":
            cells.append(f'<c r="{letter}{{r}}" s="{style}"><v>{{{value}}}</v></c>')
        elif kind == "optional":
            body.append(
                f'c{index} = f\'<c r="{letter}{{r}}" s="{style}"><v>{{{value}}}</v></c>\''
                f" if {value} is not None else ''"
            )
            cells.append(f"{{c{index}}}")
        elif kind == "text":
            body.append(f"t{index} = m{texts}[{value}]")
            body.append(f"c{index} = f'<c r=\"{letter}{{r}}\"{{t{index}}}' if t{index} else ''")
            cells.append(f"{{c{index}}}")
            texts += 1
        else:
            raise ValueError(f"unknown kind of column: {kind!r}")
    template = '<row r="{r}">' + "".join(cells) + "</row>"
    lines = [
        "def render(page, row, tails):",
        f"    {''.join(f'm{i}, ' for i in range(texts))}= tails" if texts else "    del tails",
        "    parts = []",
        "    append = parts.append",
        f"    for {', '.join(unpack)}, in page:",
        "        r = str(row)",
        "        row += 1",
        *(f"        {line}" for line in body),
        f"        append(f{template!r})",
        "    return ''.join(parts)",
    ]
    namespace = {}
    exec(compile("\n".join(lines), "<xlsx_stream.page_renderer>", "exec"), namespace)  # noqa: S102
    return namespace["render"]


def number_cell(ref, value, style=PLAIN):
    return f'<c r="{ref}" s="{style}"><v>{value}</v></c>'


def serial(value):
    """A date or a (naive) datetime as Excel's serial number."""
    if isinstance(value, datetime.datetime):
        days = (value.date() - EXCEL_EPOCH).days
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return days + seconds / 86400
    return (value - EXCEL_EPOCH).days


class _Deflater(threading.Thread):
    """Writes what a sheet gives it into the sheet's deflated zip entry, in
    order, in a thread of its own: zlib and the CRC let go of Python's lock
    while they work, so the next page is read and rendered meanwhile (on
    another core). At most ``depth`` chunks wait (a page is one chunk)."""

    def __init__(self, entry, depth=2):
        super().__init__(name="xlsx-deflate", daemon=True)
        self.entry = entry
        self.chunks = queue.Queue(maxsize=depth)
        self.error = None
        self.start()

    def run(self):
        while (chunk := self.chunks.get()) is not None:
            if self.error is None:
                try:
                    self.entry.write(chunk)
                except BaseException as error:  # noqa: BLE001  (raised in the sheet's thread)
                    self.error = error

    def write(self, chunk):
        if self.error is not None:
            raise self.error
        self.chunks.put(chunk)

    def finish(self):
        """Everything given written (or the first error raised)."""
        self.chunks.put(None)
        self.join()
        if self.error is not None:
            raise self.error


class XlsxSheet:
    def __init__(self, book, entry, widths, frozen_rows):
        self.book = book
        self.entry = entry
        self.deflater = _Deflater(entry)
        self.count = 0  # rows written
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
            for i, width in enumerate(widths, start=1)
        )
        view = ""
        if frozen_rows:
            view = (
                '<sheetViews><sheetView workbookViewId="0">'
                f'<pane ySplit="{frozen_rows}" topLeftCell="A{frozen_rows + 1}"'
                ' activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft"/></sheetView></sheetViews>'
            )
        self._write(
            f"{_HEAD}<worksheet {_NS}>{view}"
            '<sheetFormatPr defaultRowHeight="15"/>'
            f"{'<cols>' + cols + '</cols>' if cols else ''}<sheetData>"
        )

    def _write(self, text):
        self.deflater.write(text.encode())

    def next_row(self):
        """The number (1-based) of the row the next ``row`` call writes."""
        return self.count + 1

    def row(self, cells):
        """Write one row of rendered cells (``*_cell`` with this row's refs)."""
        self.count += 1
        self._write(f'<row r="{self.count}">{"".join(cells)}</row>')

    def rows(self, rendered, count):
        """Write ``count`` rows already rendered as one string."""
        self._write(rendered)
        self.count += count

    def close(self):
        self._write("</sheetData></worksheet>")
        self.deflater.finish()
        self.entry.close()

    def discard(self):
        """Stop writing (an error happened): the thread ended, the entry closed."""
        try:
            self.deflater.finish()
        except Exception:  # noqa: BLE001, S110  (the error being raised is the one to see)
            pass
        self.entry.close()


class XlsxStream:
    """A workbook written as it goes into ``fileobj`` (sheets one after
    another: a sheet is closed when the next one starts)."""

    def __init__(self, fileobj):
        # level 5: on a month of the ledger's sheet, 29 % less deflating than
        # the default 6 for a file 3 % larger (1 would be 71 % less, 29 % larger:
        # the file is held in memory once written)
        self.zip = zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=5)
        self.titles = []
        self.current = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            if self.current:
                self.current.discard()
            self.zip.close()

    def sheet(self, title, widths=(), frozen_rows=0):
        if self.current:
            self.current.close()
        self.titles.append(title)
        entry = self.zip.open(f"xl/worksheets/sheet{len(self.titles)}.xml", "w", force_zip64=True)
        self.current = XlsxSheet(self, entry, widths, frozen_rows)
        return self.current

    def close(self):
        if self.current:
            self.current.close()
            self.current = None
        if not self.titles:
            self.sheet("Sheet").close()
            self.current = None
        count = len(self.titles)
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, count + 1)
        )
        self.zip.writestr(
            "[Content_Types].xml",
            _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>",
        )
        self.zip.writestr(
            "_rels/.rels",
            _HEAD
            + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        sheets = "".join(
            f'<sheet name={quoteattr(title)} sheetId="{i}" r:id="rId{i}"/>'
            for i, title in enumerate(self.titles, start=1)
        )
        self.zip.writestr(
            "xl/workbook.xml",
            _HEAD + f'<workbook {_NS} xmlns:r="{_REL_NS}"><sheets>{sheets}</sheets></workbook>',
        )
        relations = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet"'
            f' Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, count + 1)
        )
        self.zip.writestr(
            "xl/_rels/workbook.xml.rels",
            _HEAD
            + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'{relations}<Relationship Id="rId{count + 1}" Type="{_REL_NS}/styles"'
            ' Target="styles.xml"/></Relationships>',
        )
        self.zip.writestr("xl/styles.xml", _STYLES)
        self.zip.close()
