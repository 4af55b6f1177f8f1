"""The box's card-reader frames (iot_drivers/.../member_card_frames.py), no Odoo.

The frame parser, the swipe filter and the pipeline that normalises frames
with member_base's card_data.py loaded by path, as the box's driver does."""

from pathlib import Path

import pytest

DRIVERS = Path(__file__).resolve().parent.parent / "iot_drivers" / "iot_handlers" / "drivers"

TRACK2 = ";4111111111111111=25121011234567890?9"
TRACK1 = "%B4111111111111111^DOE/JOHN^25121010000000000000000?+"


@pytest.fixture(scope="module")
def frames(iot_handler):
    return iot_handler("member_card_frames")


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def payloads(parser, *chunks):
    result = []
    for chunk in chunks:
        result += [(frame.payload, frame.kind) for frame in parser.feed(chunk)]
    return result


# --- frames -------------------------------------------------------------------


@pytest.mark.parametrize("terminator", [b"\r", b"\n", b"\r\n", b"\n\r", b"\x03"])
def test_each_terminator_ends_one_frame(frames, terminator):
    parser = frames.FrameParser()
    assert payloads(parser, b"12345678" + terminator) == [(b"12345678", "text")]
    assert payloads(parser, b"ABCD" + terminator + b"EFGH" + terminator) == [
        (b"ABCD", "text"),
        (b"EFGH", "text"),
    ]
    assert not parser.pending


def test_frame_split_across_reads(frames):
    parser = frames.FrameParser()
    data = TRACK2.encode() + b"\r\n"
    chunks = [data[i : i + 3] for i in range(0, len(data), 3)]
    assert payloads(parser, *chunks) == [(TRACK2.encode(), "text")]
    # one byte at a time, the CR and LF in different reads
    assert payloads(parser, *[bytes([b]) for b in data]) == [(TRACK2.encode(), "text")]


def test_noise_is_ignored(frames):
    parser = frames.FrameParser()
    assert payloads(parser, b"\x00\xff\x11\x13\x07", b"\r\n\r\n", b"\x03") == []
    # a control byte inside a frame is dropped, a high-bit byte spoils the frame
    assert payloads(parser, b"1234\x005678\r") == [(b"12345678", "text")]
    assert payloads(parser, b"1234\xfe5678\r", b"87654321\r") == [(b"87654321", "text")]
    assert parser.rejected == 1


def test_stale_partial_frame_is_dropped(frames):
    clock = Clock()
    parser = frames.FrameParser(frame_gap=1.0, clock=clock)
    assert payloads(parser, b";41111") == []
    clock.now += 5  # the reader was reset mid-frame
    assert payloads(parser, b"") == []
    assert not parser.pending
    assert payloads(parser, b"5555\r") == [(b"5555", "text")]


def test_frame_too_long_is_dropped(frames):
    parser = frames.FrameParser(max_frame=16)
    assert payloads(parser, b"1" * 40 + b"\r", b"1234\r") == [(b"1234", "text")]


def test_stx_bcc_etx_binary_frame(frames):
    parser = frames.FrameParser()
    uid = bytes.fromhex("04A2B3C4")
    good = b"\x02" + uid + bytes([frames.bcc(uid)]) + b"\x03"
    bad = b"\x02" + uid + bytes([frames.bcc(uid) ^ 1]) + b"\x03"
    assert payloads(parser, bad, good[:3], good[3:]) == [(uid, "binary")]
    # a printable frame whose BCC fails is dropped at its ETX
    assert payloads(parser, b"\x0212345\x03", b"1234\r") == [(b"1234", "text")]
    assert parser.rejected == 1
    assert frames.Frame(uid, "binary").text() == "04A2B3C4"


def test_binary_frame_holding_etx_and_a_bcc_of_3(frames):
    parser = frames.FrameParser()
    data = bytes.fromhex("0103AA")  # holds 0x03
    frame = b"\x02" + data + bytes([frames.bcc(data)]) + b"\x03"
    assert payloads(parser, frame) == [(data, "binary")]
    text = b"1233"  # printable data whose BCC is 0x03 itself
    assert frames.bcc(text) == 3
    assert payloads(parser, b"\x02" + text + b"\x03\x03") == [(text, "binary")]


def test_em4100_ascii_hex_frame(frames):
    # RDM6300-style: STX, 10 hex digits, 2 hex digits of XOR, ETX
    parser = frames.FrameParser()
    body = b"0F00A1B2C3"
    checksum = frames.bcc(bytes.fromhex(body.decode()))
    good = b"\x02" + body + f"{checksum:02X}".encode() + b"\x03"
    bad = b"\x02" + body + f"{checksum ^ 0xFF:02X}".encode() + b"\x03"
    assert payloads(parser, bad, good) == [(body, "binary")]


def test_stx_etx_frames_without_check(frames):
    parser = frames.FrameParser(stx_check=False)
    assert payloads(parser, b"\x0288000123\r\n\x03", b"\x02\x03") == [(b"88000123", "binary")]
    # with the check (the default) the same frame is refused: its last byte is no BCC
    assert payloads(frames.FrameParser(), b"\x0288000124\x03", b"1234\r") == [(b"1234", "text")]


# --- swipes -------------------------------------------------------------------


def test_double_swipe_within_the_window_is_one(frames):
    clock = Clock()
    swipes = frames.SwipeFilter(window=1.5, clock=clock)
    assert swipes.is_new("A")
    clock.now += 1.0
    assert not swipes.is_new("A")
    clock.now += 1.0  # a card left on an RFID reader keeps repeating: still one
    assert not swipes.is_new("A")
    assert swipes.is_new("B")
    assert swipes.is_new("A")
    clock.now += 2.0
    assert swipes.is_new("A")


# --- the pipeline and the normaliser by path ----------------------------------

RAW_READS = [
    TRACK2,
    TRACK1,
    TRACK1 + TRACK2,
    "04:A2:B3:C4",
    "04A2B3C4D5E6F7",
    "0012345678",
    "123,45678",
    "6012 3456 7890",
    "13812345678",
]


@pytest.fixture(scope="module")
def box_card_data(frames):
    """card_data.py as the driver finds it when run from the repository."""
    return frames.find_card_data(DRIVERS)


def test_driver_loads_member_base_normaliser_by_path(frames, box_card_data):
    repo_copy = DRIVERS.parents[2] / "member_base" / "tools" / "card_data.py"
    assert Path(box_card_data.__file__).resolve() == repo_copy.resolve()
    assert frames.card_data_paths(DRIVERS)[0] == DRIVERS / "member_card_tools" / "card_data.py"
    assert frames.card_data_paths(DRIVERS, "/x/card_data.py")[0] == Path("/x/card_data.py")
    with pytest.raises(FileNotFoundError):
        frames.find_card_data(DRIVERS, "/nonexistent/card_data.py")


@pytest.mark.parametrize("raw", RAW_READS)
def test_box_reads_equal_server_normalize(frames, box_card_data, card_data, raw):
    """Bytes from a reader give what normalize() gives the server."""
    server = card_data.normalize(raw)
    pipeline = frames.CardReadPipeline(box_card_data)
    (read,) = pipeline.feed(raw.encode() + b"\r\n")
    assert read["kind"] == server.kind
    assert read["value"] == server.value
    assert read["candidates"] == list(server.candidates)
    assert read["readings"] == [list(reading) for reading in server.readings]
    assert "name" not in read["extra"]  # the cardholder's name stays on the box


def test_binary_uid_frame_reads_as_chip_uid(frames, box_card_data, card_data):
    uid = bytes.fromhex("04A2B3C4")
    (read,) = frames.CardReadPipeline(box_card_data).feed(
        b"\x02" + uid + bytes([frames.bcc(uid)]) + b"\x03"
    )
    assert (read["kind"], read["value"]) == ("uid", card_data.normalize("04A2B3C4").value)


def test_pipeline_drops_double_swipes_and_garbage(frames, box_card_data):
    clock = Clock()
    pipeline = frames.CardReadPipeline(box_card_data, clock=clock)
    swipe = TRACK2.encode() + b"\r\n"
    other = b";6012345678901234=2512101?>\r\n"
    assert len(pipeline.feed(swipe + swipe)) == 1
    assert [r["value"] for r in pipeline.feed(other + swipe)] == [
        "6012345678901234",
        "4111111111111111",
    ]
    assert pipeline.feed(b"@@@@\r!!\r") == []  # not card data at all


def test_pipeline_reports_a_bad_swipe(frames, box_card_data):
    (read,) = frames.CardReadPipeline(box_card_data).feed(TRACK2[:-1].encode() + b"8\r")
    assert read["error"] == "bad_lrc"
    assert "kind" not in read


def test_qr_token_is_left_to_the_server(frames, box_card_data, card_data):
    token = card_data.make_qr_token(42, "secret", now=1_700_000_000, nonce="ABCDEFGH")
    (read,) = frames.CardReadPipeline(box_card_data).feed(token.encode() + b"\r")
    assert read == {"kind": "qr", "value": None, "verified": False, "token": token}


def test_uid_format_of_the_reader(frames, box_card_data, card_data):
    pipeline = frames.CardReadPipeline(box_card_data, uid_format="hex_lsb")
    (read,) = pipeline.feed(b"04:A2:B3:C4\r")
    assert read["value"] == card_data.normalize("04:A2:B3:C4", uid_format="hex_lsb").value
