"""A streaming writer of formatted .xlsx files, for exports of a million rows.

openpyxl (write-only) and xlsxwriter (constant memory) spend 20–40 µs a cell
building objects and XML; an export of 1,000,000 rows of 16 columns needs
about 4 µs. This writer keeps what the reports' exports use of the format:
sheets of rows whose cells are numbers, text (inline strings), dates and
times (Excel serial numbers with a number format), a fixed set of styles
(title, bold, header, the number formats plain and bold), column widths and
a frozen header. Each sheet's XML goes straight into a deflated zip entry
as its rows come: the memory held is one page of rows.

    with XlsxStream(fileobj) as book:
        sheet = book.sheet("Ledger", widths=[20, 14], frozen_rows=4)
        sheet.row([text_cell("Title", TITLE)])
        sheet.rows(["<c …/>…", …])        # cells rendered by the caller
"""

import datetime
import re
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
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'


def number_cell(ref, value, style=PLAIN):
    return f'<c r="{ref}" s="{style}"><v>{value}</v></c>'


def serial(value):
    """A date or a (naive) datetime as Excel's serial number."""
    if isinstance(value, datetime.datetime):
        days = (value.date() - EXCEL_EPOCH).days
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return days + seconds / 86400
    return (value - EXCEL_EPOCH).days


class XlsxSheet:
    def __init__(self, book, entry, widths, frozen_rows):
        self.book = book
        self.entry = entry
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
        self.entry.write(text.encode())

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
        self.entry.close()


class XlsxStream:
    """A workbook written as it goes into ``fileobj`` (sheets one after
    another: a sheet is closed when the next one starts)."""

    def __init__(self, fileobj):
        self.zip = zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self.titles = []
        self.current = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            if self.current:
                self.current.entry.close()
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
