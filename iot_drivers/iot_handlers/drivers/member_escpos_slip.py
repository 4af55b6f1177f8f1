"""Member slips (top-up, consumption) as ESC/POS bytes, through python-escpos.

Plain Python (python-escpos and Pillow, no Odoo import): the printer driver
and the pytest suite load this file by path; :func:`render_slip` is pure, the
driver only sends its bytes.

Two modes, chosen per printer:

``text``
    the printer's own fonts. python-escpos writes Chinese as GB18030 bytes
    but never switches the printer to Chinese mode, so only printers that
    start in Chinese mode print it: each run of Chinese characters is sent
    between ``FS &`` (enter Chinese mode) and ``FS .`` (leave it) here.
    A Chinese character is two columns wide; lines wrap on that.
``image``
    the slip drawn with a CJK TrueType font and printed as a raster image
    (``GS v 0``), for printers without a Chinese font.

Amounts are printed as the till sends them (strings formatted by Odoo with
the company currency); numbers are shown with two decimals.
"""

import unicodedata
from decimal import Decimal
from pathlib import Path

from escpos.printer import Dummy

FS_CHINESE_ON = b"\x1c\x26"  # FS &
FS_CHINESE_OFF = b"\x1c\x2e"  # FS .
ENCODING = "gb18030"

SLIP_TITLES = {"topup": "储值小票", "consumption": "消费小票"}
LABELS = {
    "store": "门店",
    "card": "卡号",
    "member": "会员",
    "amount_topup": "充值金额",
    "amount_consumption": "消费金额",
    "bonus": "赠送金额",
    "balance_before": "原余额",
    "balance_after": "现余额",
    "points": "本次积分",
    "points_balance": "积分余额",
    "date": "时间",
    "operator": "操作员",
    "reference": "单号",
}
# Characters GB18030 has only as 4-byte codes, which printers' Chinese fonts
# (GB2312/GBK) lack: their full-width forms print.
TEXT_MODE_CHARS = str.maketrans({"¥": "￥"})
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
)


def mask_card(number):
    """``6012345678901234`` -> ``************1234``; already masked or short
    numbers stay as they are."""
    number = str(number or "").strip()
    if "*" in number or len(number) <= 4:
        return number
    return "*" * (len(number) - 4) + number[-4:]


def format_amount(value, currency=""):
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        value = f"{Decimal(str(value)):.2f}"
    return f"{currency}{value}"


def display_width(text):
    """Columns ``text`` takes in the printer's font A: wide (Chinese)
    characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def wrap(text, width):
    """``text`` cut into lines of at most ``width`` columns."""
    lines, line, used = [], "", 0
    for char in text:
        size = display_width(char)
        if used + size > width and line:
            cut = line.rfind(" ")
            if char.isascii() and char != " " and line[-1:].isascii() and cut > 0:
                # an English word goes to the next line whole
                lines.append(line[:cut])
                line = line[cut + 1 :]
            else:
                lines.append(line)
                line = ""
            used = display_width(line)
        line += char
        used += size
    lines.append(line)
    return lines


def slip_lines(slip):
    """The slip as layout items: ``("title", text)``, ``("pair", label,
    value)``, ``("rule",)``, ``("text", text)``."""
    kind = slip.get("type", "consumption")
    if kind not in SLIP_TITLES:
        raise ValueError(f"Unknown slip type {kind!r}: use one of {tuple(SLIP_TITLES)}")
    labels = {**LABELS, **(slip.get("labels") or {})}
    currency = slip.get("currency", "")
    items = [
        ("title", str(slip.get("store", ""))),
        ("title", slip.get("title") or SLIP_TITLES[kind]),
    ]
    items.append(("rule",))
    pairs = [
        ("card", mask_card(slip.get("card"))),
        ("member", slip.get("member")),
        (f"amount_{kind}", format_amount(slip.get("amount"), currency)),
        ("bonus", format_amount(slip.get("bonus"), currency)),
        ("balance_before", format_amount(slip.get("balance_before"), currency)),
        ("balance_after", format_amount(slip.get("balance_after"), currency)),
        ("points", slip.get("points")),
        ("points_balance", slip.get("points_balance")),
    ]
    items += [("pair", labels[key], str(value)) for key, value in pairs if value not in (None, "")]
    items.append(("rule",))
    pairs = [
        ("date", slip.get("date")),
        ("operator", slip.get("operator")),
        ("reference", slip.get("reference")),
    ]
    items += [("pair", labels[key], str(value)) for key, value in pairs if value not in (None, "")]
    for line in slip.get("footer") or ():
        items.append(("text", str(line)))
    return items


def text_lines(items, width):
    """Layout items as ``(style, line)`` with lines padded to ``width``
    columns (titles are printed double size: half the columns)."""
    lines = []
    for item in items:
        item = tuple(part.translate(TEXT_MODE_CHARS) for part in item)
        if item[0] == "title":
            lines += [("title", line) for line in wrap(item[1], width // 2)]
        elif item[0] == "rule":
            lines.append(("normal", "-" * width))
        elif item[0] == "pair":
            label, value = item[1] + ":", item[2]
            gap = width - display_width(label) - display_width(value)
            if gap >= 1:
                lines.append(("normal", label + " " * gap + value))
            else:
                lines.append(("normal", label))
                lines += [("normal", line) for line in wrap(value, width)]
        else:
            lines += [("normal", line) for line in wrap(item[1], width)]
    return lines


def encode_text(text):
    """``text`` as printer bytes: ASCII as is, every run of other characters
    in GB18030 between ``FS &`` and ``FS .``."""
    out = bytearray()
    run = ""
    for char in text:
        if char.isascii():
            if run:
                out += FS_CHINESE_ON + run.encode(ENCODING, "replace") + FS_CHINESE_OFF
                run = ""
            out += char.encode("ascii")
        else:
            run += char
    if run:
        out += FS_CHINESE_ON + run.encode(ENCODING, "replace") + FS_CHINESE_OFF
    return bytes(out)


def render_slip(slip, options):
    """ESC/POS bytes of ``slip`` for a printer with ``options`` (see
    ``member_iot_common.printer_options``: ``mode``, ``width``, ``dots``,
    ``font``, ``cut``, ``drawer_pin``). ``slip["open_drawer"]`` kicks the
    cash drawer after the cut."""
    printer = Dummy()
    printer.hw("INIT")
    if options.get("mode", "text") == "image":
        printer.image(slip_image(slip, options), center=False)
    else:
        _text_slip(printer, text_lines(slip_lines(slip), options.get("width", 48)))
    finish(printer, options, open_drawer=bool(slip.get("open_drawer")))
    return printer.output


def _text_slip(printer, lines):
    style = None
    for line_style, line in lines:
        if line_style != style:
            if line_style == "title":
                printer.set(align="center", bold=True, double_width=True, double_height=True)
            else:
                printer.set(align="left", normal_textsize=True, bold=False)
            style = line_style
        printer._raw(encode_text(line) + b"\n")
    printer.set(align="left", normal_textsize=True, bold=False)


def finish(printer, options, open_drawer=False):
    """Feed and cut (``cut``: ``full``, ``partial`` or ``none``), then kick
    the drawer when asked."""
    cut = options.get("cut", "partial")
    if cut in ("full", "partial"):
        printer.cut(mode="FULL" if cut == "full" else "PART")
    else:
        printer.print_and_feed(4)
    if open_drawer:
        printer.cashdraw(options.get("drawer_pin", 2))


def find_font(configured=""):
    for path in (configured, *FONT_CANDIDATES):
        if path and Path(path).is_file():
            return path
    raise FileNotFoundError(
        "No CJK font for image slips: set font = /path/to/font.ttc for this printer"
    )


def slip_image(slip, options):
    """The slip drawn as a 1-bit image ``dots`` wide with a CJK font."""
    from PIL import Image, ImageDraw, ImageFont  # noqa: PLC0415  (only image printers need it)

    dots = int(options.get("dots", 576))
    width = int(options.get("width", 48))
    size = max(12, dots // width * 2)  # one Chinese character = two text columns
    font = ImageFont.truetype(find_font(options.get("font", "")), size)
    title_font = ImageFont.truetype(find_font(options.get("font", "")), size * 3 // 2)
    line_height = size + size // 3
    rows = []
    for item in slip_lines(slip):
        if item[0] == "title":
            rows += [("title", line) for line in wrap(item[1], width * 2 // 3)]
        elif item[0] == "text":
            rows += [("text", line) for line in wrap(item[1], width)]
        else:
            rows.append(item)
    height = sum(line_height * 3 // 2 if row[0] == "title" else line_height for row in rows) + 8
    image = Image.new("1", (dots, height), 1)
    draw = ImageDraw.Draw(image)
    y = 4
    for row in rows:
        if row[0] == "title":
            text_width = draw.textlength(row[1], font=title_font)
            draw.text(((dots - text_width) / 2, y), row[1], font=title_font, fill=0)
            y += line_height * 3 // 2
            continue
        if row[0] == "rule":
            draw.line((0, y + line_height // 2, dots, y + line_height // 2), fill=0, width=2)
        elif row[0] == "pair":
            draw.text((0, y), row[1] + ":", font=font, fill=0)
            value_width = draw.textlength(row[2], font=font)
            draw.text((dots - value_width, y), row[2], font=font, fill=0)
        else:
            draw.text((0, y), row[1], font=font, fill=0)
        y += line_height
    return image


def render_image(image, options, open_drawer=False):
    """ESC/POS bytes printing ``image`` (a PIL image, e.g. the POS's own
    receipt) scaled to the printer's ``dots``, then cut."""
    dots = int(options.get("dots", 576))
    image = image.convert("L")
    if image.width != dots:
        image = image.resize((dots, max(1, round(image.height * dots / image.width))))
    image = image.point(lambda value: 255 if value > 160 else 0).convert("1")
    printer = Dummy()
    printer.hw("INIT")
    printer.image(image, center=False)
    finish(printer, options, open_drawer=open_drawer)
    return printer.output


def drawer_bytes(options):
    printer = Dummy()
    printer.cashdraw(options.get("drawer_pin", 2))
    return printer.output
