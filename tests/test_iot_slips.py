"""Member slips as ESC/POS bytes (iot_drivers/.../member_escpos_slip.py), no Odoo.

Rendered through python-escpos' Dummy printer and compared byte for byte
with the golden files in tests/iot/ (``IOT_GOLDEN_UPDATE=1`` rewrites them
after a deliberate layout change: review the diff of the .txt views)."""

import json
import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "iot"

# the slips the POS sends (/member_iot/print_slip's "slip"), shared with the box tests
TOPUP = json.loads((GOLDEN / "slip_topup_58mm.json").read_text(encoding="utf-8"))
CONSUMPTION = json.loads((GOLDEN / "slip_consumption_80mm.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def slips(iot_handler):
    return iot_handler("member_escpos_slip")


@pytest.fixture(scope="module")
def common(iot_handler):
    return iot_handler("member_iot_common")


def check_golden(name, data, text_view=None):
    path = GOLDEN / name
    if os.environ.get("IOT_GOLDEN_UPDATE"):
        path.write_bytes(data)
        if text_view is not None:
            path.with_suffix(".txt").write_text(text_view, encoding="utf-8")
    assert data == path.read_bytes(), f"{name} differs from its golden file"


def text_view(slips, slip, width):
    lines = slips.text_lines(slips.slip_lines(slip), width)
    return "".join(f"{style:6} |{line}|\n" for style, line in lines)


def test_topup_slip_58mm_text(slips, common):
    options = common.printer_options("front", {"width": "32"})
    data = slips.render_slip(TOPUP, options)
    check_golden("slip_topup_58mm_text.bin", data, text_view(slips, TOPUP, 32))
    assert data.startswith(b"\x1b@")  # ESC @
    # the store's name in GB18030, inside FS & ... FS .
    assert b"\x1c&" + "上海徐汇店".encode("gb18030") + b"\x1c." in data
    assert "上海徐汇店".encode("gb18030") == bytes.fromhex("c9cfbaa3d0ecbbe3b5ea")
    assert b"************1234" in data and b"6012345678901234" not in data
    assert b"\x1dV\x01" in data  # GS V 1: partial cut
    assert b"\x1bp" not in data  # no drawer kick asked


def test_consumption_slip_80mm_text_with_drawer(slips, common):
    options = common.printer_options("back", {"width": "48", "cut": "full", "drawer_pin": "5"})
    data = slips.render_slip(CONSUMPTION, options)
    check_golden("slip_consumption_80mm_text.bin", data, text_view(slips, CONSUMPTION, 48))
    assert b"35.50" in data
    assert data.endswith(b"\x1dV\x00" + b"\x1bp\x01\x32\x32")  # full cut, then pin 5 kick
    # mixed text: ASCII stays outside Chinese mode
    assert b"Li Na \x1c&" + "李娜".encode("gb18030") + b"\x1c." in data


def test_every_line_fits_the_paper(slips):
    for slip in (TOPUP, CONSUMPTION):
        for width in (32, 42, 48):
            for _style, line in slips.text_lines(slips.slip_lines(slip), width):
                assert slips.display_width(line) <= width


def test_text_mode_never_leaves_chinese_outside_chinese_mode(slips, common):
    data = slips.render_slip(CONSUMPTION, common.printer_options("x", {}))
    outside = data
    while b"\x1c&" in outside:
        before, _, rest = outside.partition(b"\x1c&")
        _inside, _, outside = rest.partition(b"\x1c.")
        outside = before + outside
    # only ASCII text and ESC/POS commands are left
    assert all(byte < 0x80 for byte in outside)


def test_encode_text(slips):
    assert slips.encode_text("卡号: 1234") == b"\x1c&\xbf\xa8\xba\xc5\x1c.: 1234"
    assert slips.encode_text("abc") == b"abc"


def test_mask_card(slips):
    assert slips.mask_card("6012345678901234") == "************1234"
    assert slips.mask_card("1234") == "1234"
    assert slips.mask_card("****1234") == "****1234"


def test_unknown_slip_type_is_refused(slips, common):
    with pytest.raises(ValueError):
        slips.render_slip({"type": "refund"}, common.printer_options("x", {}))


def test_image_mode_prints_a_raster_image_without_text(slips, common):
    try:
        slips.find_font()
    except FileNotFoundError:
        pytest.skip("no CJK font on this machine")
    options = common.printer_options("img", {"mode": "image", "width": "32"})
    data = slips.render_slip(TOPUP, options)
    image = slips.slip_image(TOPUP, options)
    assert image.width == 384 and image.mode == "1"
    # ESC @, then GS v 0 with the width in bytes (384 / 8 = 48) and the height
    header = b"\x1b@\x1dv0\x00" + (48).to_bytes(2, "little") + image.height.to_bytes(2, "little")
    assert data.startswith(header)
    assert len(data) == len(header) + 48 * image.height + len(b"\x1bd\x06\x1dV\x01")
    assert b"\x1c&" not in data


def test_pos_receipt_image_is_scaled_to_the_head(slips, common):
    from PIL import Image

    options = common.printer_options("img", {"width": "48"})  # 80 mm: 576 dots
    data = slips.render_image(Image.new("L", (288, 100), 255), options)
    assert data.startswith(
        b"\x1b@\x1dv0\x00" + (72).to_bytes(2, "little") + (200).to_bytes(2, "little")
    )
    assert slips.drawer_bytes(options) == b"\x1bp\x00\x32\x32"


def test_printer_options(common):
    options = common.printer_options("p", {"connection": "serial", "device": "/dev/ttyS1"})
    assert (options["connection"], options["mode"], options["width"], options["dots"]) == (
        "serial",
        "text",
        48,
        576,
    )
    with pytest.raises(ValueError):
        common.printer_options("p", {"connection": "bluetooth"})
    with pytest.raises(ValueError):
        common.printer_options("p", {"mode": "pdf"})
