"""Member-card reader frames: bytes from a serial reader to canonical card reads.

Plain Python, no Odoo import: the box's driver (``member_card_reader_serial.py``)
and the pytest suite load this file by path. The box's handler loader also
executes it (it loads every file of its ``drivers`` folder); it defines no
driver, so that is harmless.

Readers send one of two kinds of frame:

``text``
    printable ASCII ended by CR, LF, CRLF (or LFCR) or ETX (0x03): magnetic
    tracks, a typed-looking card number, a UID in hex or decimal, a QR code.
``binary``
    STX (0x02) ... ETX (0x03) with a check: either a raw block check
    character (the XOR of every byte between STX and the BCC) just before
    ETX, or, as EM4100/125 kHz modules (RDM6300 and clones) send it, ASCII
    hex whose last two digits are the XOR of the bytes the other digits
    spell. A frame whose check fails is dropped; raw (non-printable) data
    is turned into uppercase hex, as a chip UID. Readers that frame with
    STX/ETX but send no check (``card_stx_check = false``): the data
    between them, CR/LF trimmed.

Anything else is noise and is dropped: control bytes outside a frame, bytes
with the high bit set (a text frame holding one is discarded at its end),
a frame longer than :data:`MAX_FRAME`, and a partial frame left alone longer
than the frame gap (a reader unplugged or reset mid-frame).
"""

import importlib.util
import sys
import time
from pathlib import Path

STX = 0x02
ETX = 0x03
CR = 0x0D
LF = 0x0A
MAX_FRAME = 256
DEFAULT_FRAME_GAP = 1.0  # seconds without a byte that end (discard) a partial frame
DEFAULT_DEDUP_WINDOW = 1.5  # seconds: the same card read again within this is one swipe

_HEX_DIGITS = frozenset(b"0123456789ABCDEFabcdef")
# What the box passes on of CardRead.extra: never the cardholder name of track 1.
_EXTRA_KEYS = ("track", "luhn_ok", "uid_bits")


class Frame:
    """One frame: ``payload`` (bytes) and ``kind`` (``text`` or ``binary``)."""

    __slots__ = ("kind", "payload")

    def __init__(self, payload, kind):
        self.payload = bytes(payload)
        self.kind = kind

    def __eq__(self, other):
        return isinstance(other, Frame) and (self.payload, self.kind) == (
            other.payload,
            other.kind,
        )

    def __repr__(self):
        return f"Frame({self.payload!r}, {self.kind!r})"

    def text(self):
        """The payload as text: printable ASCII as is, raw bytes as hex."""
        if all(0x20 <= byte < 0x7F for byte in self.payload):
            return self.payload.decode("ascii")
        return self.payload.hex().upper()


def bcc(data):
    """XOR of every byte of ``data``."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def check_binary_body(body):
    """The payload of an STX-framed ``body`` (bytes between STX and ETX) whose
    check holds, else ``None``."""
    if len(body) >= 4 and len(body) % 2 == 0 and all(byte in _HEX_DIGITS for byte in body):
        data = bytes.fromhex(body[:-2].decode("ascii"))
        if bcc(data) == int(body[-2:], 16):
            return body[:-2]
    if len(body) >= 2 and bcc(body[:-1]) == body[-1]:
        return body[:-1]
    return None


class FrameParser:
    """Cut a byte stream into :class:`Frame` objects, whatever the reads'
    boundaries: call :meth:`feed` with each chunk read from the port."""

    def __init__(
        self, frame_gap=DEFAULT_FRAME_GAP, max_frame=MAX_FRAME, clock=time.monotonic, stx_check=True
    ):
        self.frame_gap = frame_gap
        self.stx_check = stx_check
        self.max_frame = max_frame
        self.clock = clock
        self.rejected = 0  # frames dropped (bad check, too long, dirty, stale)
        self._reset()
        self._last_byte_at = None

    def _reset(self):
        self._buffer = bytearray()
        self._binary = False
        self._dirty = False
        self._restarts = []  # positions after an STX inside raw binary data

    @property
    def pending(self):
        """Whether a partial frame is waiting for its end."""
        return bool(self._buffer) or self._binary

    def discard(self):
        """Drop a partial frame (the port was closed or unplugged)."""
        if self.pending:
            self.rejected += 1
        self._reset()

    def feed(self, data):
        """Feed ``data`` (bytes); return the frames it completes."""
        now = self.clock()
        if (
            self.pending
            and self._last_byte_at is not None
            and now - self._last_byte_at > self.frame_gap
        ):
            self.discard()
        if data:
            self._last_byte_at = now
        frames = []
        for byte in bytes(data):
            frame = self._feed_byte(byte)
            if frame is not None:
                frames.append(frame)
        return frames

    def _feed_byte(self, byte):
        if self._binary:
            return self._feed_binary(byte)
        if byte == STX:
            if self._buffer:
                self.rejected += 1  # a text frame cut short by a binary one
            self._reset()
            self._binary = True
            return None
        if byte in (CR, LF, ETX):
            return self._end_text()
        if 0x20 <= byte < 0x7F:
            self._buffer.append(byte)
            if len(self._buffer) > self.max_frame:
                self._dirty = True
                self._buffer = self._buffer[-1:]
        elif byte >= 0x80 and self._buffer:
            self._dirty = True
        # other control bytes (NUL, XON/XOFF, BEL, ...) are line noise
        return None

    def _end_text(self):
        if not self._buffer:
            return None  # the LF of a CRLF, or a lone terminator
        payload, dirty = bytes(self._buffer), self._dirty
        self._reset()
        if dirty:
            self.rejected += 1
            return None
        return Frame(payload, "text")

    def _feed_binary(self, byte):
        if byte == ETX and not self.stx_check:
            payload = bytes(self._buffer).strip(b"\r\n ")
            self._reset()
            return Frame(payload, "binary") if payload else None
        if byte == ETX:
            # the latest STX first: what came before it is likely a frame that lost its end
            for start in reversed([0, *self._restarts]):
                payload = check_binary_body(self._buffer[start:])
                if payload:
                    self._reset()
                    return Frame(payload, "binary")
            if bcc(self._buffer) == ETX or any(not 0x20 <= b < 0x7F for b in self._buffer):
                # this 0x03 may be the BCC, or raw data holding 0x03: read on
                self._buffer.append(byte)
                return self._check_size()
            self.rejected += 1
            self._reset()
            return None
        if byte == STX:
            if all(0x20 <= b < 0x7F for b in self._buffer):
                if self._buffer:
                    self.rejected += 1  # restart: the previous frame lost its end
                self._buffer = bytearray()
                return None
            self._restarts.append(len(self._buffer) + 1)
        self._buffer.append(byte)
        return self._check_size()

    def _check_size(self):
        if len(self._buffer) > self.max_frame:
            self.rejected += 1
            self._reset()
        return None


class SwipeFilter:
    """Tell repeats from new reads: the same card within ``window`` seconds
    of its last sighting is the same swipe (a double swipe, an RFID card
    left on the reader repeating its UID)."""

    def __init__(self, window=DEFAULT_DEDUP_WINDOW, clock=time.monotonic):
        self.window = window
        self.clock = clock
        self._last = None  # (key, time seen)

    def is_new(self, key):
        now = self.clock()
        last = self._last
        self._last = (key, now)
        return not (last and last[0] == key and now - last[1] <= self.window)


def load_card_data(path, module_name="member_card_data"):
    """Import member_base's ``card_data.py`` from ``path`` (plain Python; it
    loads its sibling ``phone.py`` the same way)."""
    path = Path(path)
    module = sys.modules.get(module_name)
    if module is not None and Path(module.__file__).resolve() == path.resolve():
        return module
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None:
        raise ImportError(f"Cannot load the card-data normaliser from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def card_data_paths(handlers_dir, configured=None):
    """Where to look for ``card_data.py``, in order: the configured path, the
    copy the install script puts next to the handlers, the repository's own
    (when the handlers run from a checkout of the suite)."""
    handlers_dir = Path(handlers_dir)
    paths = [Path(configured)] if configured else []
    paths.append(handlers_dir / "member_card_tools" / "card_data.py")
    if len(handlers_dir.parents) >= 3:
        paths.append(handlers_dir.parents[2] / "member_base" / "tools" / "card_data.py")
    return paths


def find_card_data(handlers_dir, configured=None):
    """Load the first ``card_data.py`` of :func:`card_data_paths` that exists
    (a configured path that does not exist is an error, not skipped)."""
    if configured and not Path(configured).is_file():
        raise FileNotFoundError(f"card_data_path {configured} does not exist")
    for path in card_data_paths(handlers_dir, configured):
        if path.is_file():
            return load_card_data(path)
    raise FileNotFoundError(
        "card_data.py not found next to the handlers (run iot_drivers/install.sh)"
    )


class CardReadPipeline:
    """Bytes of one reader in, card reads out: frames, then member_base's
    ``normalize()``, then the swipe filter.

    A read is a JSON-ready dict: ``kind``, ``value``, ``candidates``,
    ``readings`` (``[kind, value]`` pairs) and ``extra`` (the track, Luhn and
    UID-size facts, never the cardholder's name), exactly what ``normalize()``
    returns on the server for the same data. An e-card QR code cannot be
    verified on the box (the signing secret stays in the database): it comes
    as ``kind`` ``qr`` with ``verified`` false and ``token``, for the server
    to check. Frames that are not card data (``garbage``, ``empty``) are
    dropped; a card read badly (bad check character, truncated track, ...)
    gives ``{"error": code, "message": ...}`` so the till can say "swipe
    again".
    """

    def __init__(
        self,
        card_data,
        uid_format=None,
        dedup_window=DEFAULT_DEDUP_WINDOW,
        frame_gap=DEFAULT_FRAME_GAP,
        clock=time.monotonic,
        stx_check=True,
    ):
        self.card_data = card_data
        self.uid_format = uid_format or None
        self.parser = FrameParser(frame_gap=frame_gap, clock=clock, stx_check=stx_check)
        self.swipes = SwipeFilter(dedup_window, clock=clock)

    def feed(self, data):
        reads = []
        for frame in self.parser.feed(data):
            read = self.read_frame(frame)
            if read is None:
                continue
            key = (read.get("kind"), read.get("value"), read.get("token"), read.get("error"))
            if self.swipes.is_new(key):
                reads.append(read)
        return reads

    def discard(self):
        self.parser.discard()

    def read_frame(self, frame):
        text = frame.text()
        try:
            card = self.card_data.normalize(text, uid_format=self.uid_format)
        except self.card_data.CardDataError as error:
            if error.code == "no_secret":
                token = text.strip().upper()
                return {"kind": "qr", "value": None, "verified": False, "token": token}
            if error.code in ("garbage", "empty"):
                return None
            return {"error": error.code, "message": str(error)}
        return card_read_dict(card)


def card_read_dict(card):
    """A ``CardRead`` as the JSON-ready dict the box sends."""
    return {
        "kind": card.kind,
        "value": card.value,
        "candidates": list(card.candidates),
        "readings": [list(reading) for reading in card.readings],
        "extra": {key: card.extra[key] for key in _EXTRA_KEYS if key in card.extra},
    }
