"""Card data normaliser: what a cashier swipes, scans or types.

Plain Python 3.11, no Odoo import: the Odoo lookup and the IoT box drivers
load this same file (the drivers by file path, outside any package).

:func:`normalize` turns one raw read into a :class:`CardRead`:

``track``
    ISO 7811 magnetic stripe data. Track 1 ``%B<PAN>^<NAME>^<YYMM><service
    code><discretionary>?`` and track 2 ``;<PAN>=<YYMM><service code>
    <discretionary>?``, each optionally followed by its LRC character, alone
    or concatenated (track 3 may follow; it is LRC-checked and kept raw).
    The value is the PAN (track 2's when both are present; they must agree).
    Track 2 characters are 5-bit BCD (4 data bits + odd parity): characters
    0x30-0x3F carry the values 0-15 and the LRC character is ``0x30 + XOR``
    of the values of every character from the start sentinel through the end
    sentinel. Track 1 characters are 7-bit alphanumeric (6 data bits, value
    ``char - 0x20``) and its LRC character is ``0x20 + XOR`` of the 6-bit
    values. A reader may send ``%E?`` / ``;E?`` for a track it could not
    read; such a track is skipped.
``uid``
    An RFID chip UID: MIFARE 4-, 7- or 10-byte UIDs and EM4100 40-bit IDs as
    hex (any case, with or without ``:``, ``-`` or space separators) or as a
    decimal number, and EM4100 Wiegand-26 ``FFF,NNNNN`` (facility, card).
    Canonical form: uppercase hex without separators, first UID byte first
    ("msb"). A reader may report the bytes in either order, so every reading
    is tried in both orders (see :func:`uid_candidates`). A card type may pin
    another stored form with ``uid_format`` (:data:`UID_FORMATS`).
    Wiegand-26 carries only the low 24 bits of an EM4100 ID; it is read as
    the 32-bit number ``facility * 65536 + card`` (bits 24-31 assumed zero,
    ``extra['uid_bits'] == 24``).
``qr``
    A rotating e-card code ``MC1.<card_id>.<expiry_unix>.<nonce>.<sig>``
    made by :func:`make_qr_token`; ``sig`` is the first 16 bytes of
    HMAC-SHA256(secret, ``MC1.<card_id>.<expiry_unix>.<nonce>``) in base32,
    uppercase, without padding (26 characters). With an uppercase card id
    the whole token is in the QR "alphanumeric" character set (a denser
    code), and reading it case-insensitively survives scanners that invert
    case. ``extra['nonce']`` lets the caller refuse a replay.
``number``
    A typed card number: letters and digits, spaces and dashes removed,
    uppercased, 4 to 32 characters, at least as many digits as letters.
``phone``
    A member's phone number in E.164 (see ``phone.py``).

A bare run of digits is ambiguous: a card number, a phone number or a chip
UID printed in decimal. It is read as a phone when it is a mainland mobile
number, else as a card number, and every other reading is offered:
``CardRead.readings`` lists ``(kind, value)`` pairs, the primary first, and
``CardRead.candidates`` the other values in that order.

Errors raise :class:`CardDataError` with an English message and a ``code``
that the Odoo side maps to a translated message: ``empty``, ``garbage``,
``truncated``, ``bad_lrc``, ``bad_track``, ``track_mismatch``,
``bad_signature``, ``expired_token``, ``no_secret``, ``bad_uid``.
"""

import base64
import hashlib
import hmac
import importlib.util
import re
import secrets
import sys
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


def _load_sibling(name):
    """Load ``<name>.py`` next to this file when it was loaded by path
    (IoT box, pytest) rather than as part of the Odoo addon package."""
    module_name = f"_member_card_tools_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            module_name, Path(__file__).with_name(f"{name}.py")
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


try:
    from . import phone as _phone
except ImportError:  # no parent package: loaded by file path
    _phone = _load_sibling("phone")

__all__ = [
    "KINDS",
    "UID_FORMATS",
    "CardDataError",
    "CardRead",
    "canonical_uid",
    "format_uid",
    "luhn_ok",
    "make_qr_token",
    "normalize",
    "parse_qr_token",
    "parse_tracks",
    "track1_lrc",
    "track2_lrc",
    "uid_candidates",
]

KIND_TRACK = "track"
KIND_UID = "uid"
KIND_QR = "qr"
KIND_NUMBER = "number"
KIND_PHONE = "phone"
KINDS = (KIND_TRACK, KIND_UID, KIND_QR, KIND_NUMBER, KIND_PHONE)

UID_FORMATS = ("hex_msb", "hex_lsb", "dec_msb", "dec_lsb", "em4100_dec10")
DEFAULT_UID_FORMAT = "hex_msb"
# UID sizes in bytes: MIFARE single/double/triple size, EM4100 (40 bits).
UID_BYTE_SIZES = (4, 5, 7, 10)
MIFARE_BYTE_SIZES = (4, 7, 10)
EM4100_BYTES = 5

# Readers print decimal UIDs zero-padded (10 digits for 4 bytes); fewer
# digits than this is a typed number, not a chip.
DECIMAL_UID_MIN_DIGITS = 8
MAX_RAW_LENGTH = 256
NUMBER_MIN_LENGTH = 4
NUMBER_MAX_LENGTH = 32
PAN_MAX_LENGTH = 19

QR_VERSION = "MC1"
QR_SIGNATURE_BYTES = 16
QR_MAX_TTL = 86400  # seconds; a longer-lived token is forged or from a leaked secret
QR_NONCE_BYTES = 5  # 8 base32 characters

_TRACK1_RANGE = (0x20, 0x5F)
_TRACK2_RANGE = (0x30, 0x3F)
_UID_SEPARATORS_RE = re.compile(r"[\s:\-]+")
_WIEGAND_RE = re.compile(r"(\d{1,3})\s*,\s*(\d{1,5})")
_NUMBER_CHARS_RE = re.compile(r"[A-Za-z0-9 \-]+")
_PHONE_MARKS = frozenset("+().")
_QR_CARD_ID_RE = re.compile(r"[0-9A-Z\-]{1,32}")
_QR_EXPIRY_RE = re.compile(r"\d{1,12}")
_QR_NONCE_RE = re.compile(r"[0-9A-Z]{1,32}")
_QR_SIGNATURE_RE = re.compile(r"[A-Z2-7]{26}")


class CardDataError(ValueError):
    """Raw card data that cannot be used; ``code`` says why (see module
    docstring), the message explains it in English."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CardRead:
    """One normalised read.

    :ivar kind: one of :data:`KINDS`
    :ivar value: the canonical value to look up first: PAN (track), UID in
        the requested form (uid), card id (qr), card number (number), E.164
        number (phone)
    :ivar candidates: other canonical values worth trying, best first, never
        repeating ``value``
    :ivar extra: details: track ``name``, ``expiry`` (YYMM), ``service_code``,
        ``track`` (the track the PAN came from), ``tracks``, ``luhn_ok``;
        QR ``expiry`` (unix) and ``nonce``; UID ``uid_bits`` and ``uid_forms``
        (every reading in every :data:`UID_FORMATS` form)
    :ivar readings: ``(kind, value)`` for ``value`` and each candidate, so a
        lookup can search each value in the right place
    """

    kind: str
    value: str
    candidates: tuple = ()
    extra: dict = field(default_factory=dict, hash=False)
    readings: tuple = ()

    @property
    def lookup_values(self):
        """``value`` followed by the candidates."""
        return (self.value, *self.candidates)


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def normalize(raw, *, uid_format=None, qr_secret=None, now=None, default_country_code="86"):
    """Normalise one raw read (swipe, scan or typed text).

    :param raw: ``str`` or ``bytes`` as the device or cashier sent it;
        control characters (CR, LF, TAB from keyboard wedges) are dropped
    :param uid_format: form of UID values (:data:`UID_FORMATS`); ``None``
        gives ``hex_msb`` values and, for a chip read, every other form among
        the candidates so cards of any type are found
    :param qr_secret: secret (``str`` or ``bytes``) that signs e-card codes
    :param now: unix time for QR expiry (default: ``time.time()``)
    :param default_country_code: country code of phone numbers typed
        without an international prefix
    :return: a :class:`CardRead`
    :raises CardDataError: when nothing usable was read
    """
    if uid_format is not None and uid_format not in UID_FORMATS:
        raise ValueError(f"Unknown UID format {uid_format!r}; use one of {UID_FORMATS}.")
    text = clean_input(raw)
    if text[0] in "%;":
        return parse_tracks(text)
    if text.upper().startswith(QR_VERSION + "."):
        return parse_qr_token(text, qr_secret, now=now)
    return _read_typed(text, uid_format, default_country_code)


def clean_input(raw):
    """Return ``raw`` as printable ASCII text without control characters and
    surrounding spaces; full-width characters become ASCII.

    :raises CardDataError: ``empty`` or ``garbage``
    """
    if raw is None:
        raise CardDataError("empty", "Nothing was read.")
    if isinstance(raw, (bytes, bytearray)):
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeDecodeError as error:
            raise CardDataError("garbage", "The data is not text.") from error
    elif isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    elif not isinstance(raw, str):
        raise CardDataError("garbage", f"Unexpected card data of type {type(raw).__name__}.")
    text = unicodedata.normalize("NFKC", raw)
    text = "".join(char for char in text if unicodedata.category(char) not in ("Cc", "Cf"))
    text = text.strip()
    if not text:
        raise CardDataError("empty", "Nothing was read.")
    if len(text) > MAX_RAW_LENGTH or not text.isascii():
        raise CardDataError("garbage", "This is not card data.")
    return text


# ---------------------------------------------------------------------------
# Magnetic stripes (ISO 7811 / 7813)
# ---------------------------------------------------------------------------


def track1_lrc(data):
    """LRC character of a track 1 string from ``%`` through ``?``."""
    return chr(_TRACK1_RANGE[0] + _xor_values(data, _TRACK1_RANGE))


def track2_lrc(data):
    """LRC character of a track 2 (or 3) string from ``;`` through ``?``."""
    return chr(_TRACK2_RANGE[0] + _xor_values(data, _TRACK2_RANGE))


def luhn_ok(pan):
    """Tell whether ``pan`` (digits) passes the Luhn check digit test."""
    if not pan or not pan.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(pan)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def parse_tracks(text):
    """Read magnetic stripe data (one track, or tracks concatenated).

    :raises CardDataError: ``truncated``, ``bad_lrc``, ``bad_track``,
        ``track_mismatch`` or ``garbage``
    """
    tracks = {}
    # Upper-casing undoes a keyboard wedge's Caps Lock; card data is uppercase.
    for number, body in _split_tracks(text.upper()):
        if body == "E":  # the reader's "could not read this track"
            continue
        if number == 1:
            tracks[1] = _parse_track1(body)
        elif number == 2:
            tracks[2] = _parse_track2(body)
        else:
            tracks[3] = {"raw": body}
    if 1 not in tracks and 2 not in tracks:
        raise CardDataError("truncated", "The reader could not read the card: swipe it again.")
    if 1 in tracks and 2 in tracks and tracks[1]["pan"] != tracks[2]["pan"]:
        raise CardDataError(
            "track_mismatch", "Tracks 1 and 2 carry different card numbers: swipe again."
        )
    source = 2 if 2 in tracks else 1
    pan = tracks[source]["pan"]
    extra = {
        "track": source,
        "tracks": tuple(sorted(tracks)),
        "pan": pan,
        "luhn_ok": luhn_ok(pan),
    }
    for number in (source, 3 - source):
        for key, value in tracks.get(number, {}).items():
            if key != "pan":
                extra.setdefault(key, value)
    if 3 in tracks:
        extra["track3"] = tracks[3]["raw"]
    return CardRead(KIND_TRACK, pan, (), extra, ((KIND_TRACK, pan),))


def _xor_values(data, char_range):
    low, high = char_range
    lrc = 0
    for char in data:
        code = ord(char)
        if not low <= code <= high:
            raise ValueError(f"{char!r} is not a valid character on this track.")
        lrc ^= code - low
    return lrc


def _split_tracks(text):
    """Yield ``(track number, body)`` for each sentinel-delimited track,
    checking each transmitted LRC. Tracks come in order 1, 2, 3; ``;``
    starts track 2, then track 3."""
    position = 0
    semicolon_tracks = 0
    seen_any = False
    while position < len(text):
        start = text[position]
        if start == "%" and not seen_any:
            number, char_range, lrc_of = 1, _TRACK1_RANGE, track1_lrc
        elif start == ";" and semicolon_tracks < 2:
            semicolon_tracks += 1
            number, char_range, lrc_of = semicolon_tracks + 1, _TRACK2_RANGE, track2_lrc
        else:
            raise CardDataError("garbage", "Unexpected data between magnetic tracks.")
        seen_any = True
        end = text.find("?", position + 1)
        body = text[position + 1 : end] if end >= 0 else text[position + 1 :]
        if body != "E" and not _in_range(body, char_range):
            raise CardDataError("garbage", f"Track {number} holds characters it cannot carry.")
        if end < 0:
            raise CardDataError(
                "truncated", f"Track {number} has no end sentinel: swipe the card again."
            )
        segment = text[position : end + 1]
        position = end + 1
        rest = text[position:]
        if rest and not _starts_track(rest):
            expected = lrc_of(segment)
            if rest[0] == " " and expected != " " and _starts_track(rest[1:]):
                position += 1  # a space between tracks, not an LRC
            elif body == "E":
                position += 1
            elif rest[0] != expected:
                raise CardDataError(
                    "bad_lrc", f"Track {number} failed its check character: swipe again."
                )
            else:
                position += 1
        yield number, body


def _in_range(text, char_range):
    low, high = char_range
    return all(low <= ord(char) <= high for char in text)


def _starts_track(rest):
    """Whether ``rest`` begins a new track rather than an LRC character."""
    if len(rest) < 2:
        return False
    return (rest[0] == "%" and rest[1].isalpha()) or (rest[0] == ";" and rest[1].isdigit())


def _parse_pan(pan, number):
    pan = pan.replace(" ", "")
    if not pan.isdigit() or len(pan) > PAN_MAX_LENGTH:
        raise CardDataError(
            "bad_track", f"Track {number} does not start with a card number of 1 to 19 digits."
        )
    return pan


def _parse_expiry_service(rest):
    """``YYMM`` and service code at the start of the data after the
    separator; a field is absent when the card omits it."""
    details = {}
    if rest[:4].isdigit() and len(rest) >= 4:
        details["expiry"] = rest[:4]
        if rest[4:7].isdigit() and len(rest) >= 7:
            details["service_code"] = rest[4:7]
    return details


def _parse_track1(body):
    if not body.startswith("B"):
        raise CardDataError("bad_track", "Track 1 is not in format B (ISO 7813).")
    parts = body[1:].split("^", 2)
    if len(parts) < 3:
        raise CardDataError(
            "truncated", "Track 1 lacks its field separators: swipe the card again."
        )
    pan, name, rest = parts
    return {"pan": _parse_pan(pan, 1), "name": name.strip(), **_parse_expiry_service(rest)}


def _parse_track2(body):
    pan, separator, rest = body.partition("=")
    if not separator:
        raise CardDataError("truncated", "Track 2 lacks its field separator: swipe the card again.")
    return {"pan": _parse_pan(pan, 2), **_parse_expiry_service(rest)}


# ---------------------------------------------------------------------------
# RFID chip UIDs
# ---------------------------------------------------------------------------


def uid_candidates(raw):
    """Every canonical (uppercase, first-byte-first hex) UID that ``raw``
    may stand for, most likely first.

    * hex of 4, 5, 7 or 10 bytes: as given, then bytes reversed;
    * a decimal number: big-endian then little-endian bytes of the smallest
      MIFARE size holding it, plus the EM4100 40-bit reading when it needs 5
      bytes; a 10-digit decimal (the classic EM4100 / MIFARE print) is read
      as decimal before hex, other all-digit strings as hex first;
    * Wiegand-26 ``FFF,NNNNN`` (or 8 digits ``FFFNNNNN``): the 32-bit number
      ``FFF * 65536 + NNNNN``.

    :raises CardDataError: ``bad_uid``
    """
    return tuple(uid for uid, _bits in _uid_readings(raw))


def canonical_uid(raw, uid_format=DEFAULT_UID_FORMAT):
    """The stored form of a chip UID under ``uid_format``: the first reading
    of :func:`uid_candidates` rendered by :func:`format_uid`.

    :raises CardDataError: ``bad_uid``
    """
    return format_uid(uid_candidates(raw)[0], uid_format or DEFAULT_UID_FORMAT)


def format_uid(msb_hex, uid_format):
    """Render a canonical msb hex UID in ``uid_format``.

    ``hex_msb`` as is; ``hex_lsb`` bytes reversed; ``dec_msb`` / ``dec_lsb``
    the unsigned big-/little-endian integer, zero-padded to the width of the
    largest value of that size (10 digits for 4 bytes, 13 for 5, 17 for 7,
    25 for 10); ``em4100_dec10`` the low 32 bits as 10 digits (4- or 5-byte
    UIDs only).

    :raises CardDataError: ``bad_uid``
    """
    if uid_format not in UID_FORMATS:
        raise ValueError(f"Unknown UID format {uid_format!r}; use one of {UID_FORMATS}.")
    uid = _UID_SEPARATORS_RE.sub("", str(msb_hex)).upper()
    size = len(uid) // 2
    if len(uid) % 2 or size not in UID_BYTE_SIZES or not _is_hex(uid):
        raise CardDataError("bad_uid", f"{msb_hex!r} is not a chip UID.")
    if uid_format == "hex_msb":
        return uid
    reversed_uid = _reverse_bytes(uid)
    if uid_format == "hex_lsb":
        return reversed_uid
    if uid_format == "em4100_dec10":
        if size > EM4100_BYTES:
            raise CardDataError("bad_uid", f"{msb_hex!r} is longer than an EM4100 ID.")
        return f"{int(uid, 16) & 0xFFFFFFFF:010d}"
    width = len(str(256**size - 1))
    source = uid if uid_format == "dec_msb" else reversed_uid
    return f"{int(source, 16):0{width}d}"


def _is_hex(text):
    return bool(text) and all(char in "0123456789ABCDEFabcdef" for char in text)


def _reverse_bytes(uid):
    return "".join(uid[index : index + 2] for index in range(len(uid) - 2, -1, -2))


def _uid_readings(raw):
    """``[(msb_hex, known_bits), ...]`` for :func:`uid_candidates`."""
    try:
        text = clean_input(raw)
    except CardDataError as error:
        raise CardDataError("bad_uid", f"{raw!r} is not a chip UID.") from error
    wiegand = _WIEGAND_RE.fullmatch(text)
    if wiegand:
        reading = _wiegand_reading(*wiegand.groups())
        if not reading:
            raise CardDataError(
                "bad_uid", "A Wiegand-26 code is a facility up to 255 and a card up to 65535."
            )
        return [reading]
    compact = _UID_SEPARATORS_RE.sub("", text).upper()
    if not compact.isascii() or not _is_hex(compact):
        raise CardDataError("bad_uid", f"{text!r} is not a chip UID.")
    hex_readings = []
    if len(compact) // 2 in UID_BYTE_SIZES and len(compact) % 2 == 0:
        hex_readings = [(compact, len(compact) * 4), (_reverse_bytes(compact), len(compact) * 4)]
    decimal_readings = []
    separated = bool(_UID_SEPARATORS_RE.search(text))
    if compact.isdigit() and not separated and len(compact) >= DECIMAL_UID_MIN_DIGITS:
        decimal_readings = _decimal_readings(compact)
    if len(compact) == 10:
        readings = decimal_readings + hex_readings
    else:
        readings = hex_readings + decimal_readings
    if compact.isdigit() and len(compact) == 8 and not separated:
        reading = _wiegand_reading(compact[:3], compact[3:])
        if reading:
            readings.append(reading)
    if not readings:
        raise CardDataError("bad_uid", f"{text!r} has no chip UID length (4, 5, 7 or 10 bytes).")
    return _unique(readings, key=lambda reading: reading[0])


def _decimal_readings(digits):
    value = int(digits)
    if value >= 256 ** MIFARE_BYTE_SIZES[-1]:
        return []
    size = next(size for size in MIFARE_BYTE_SIZES if value < 256**size)
    sizes = [size]
    if 256**4 <= value < 256**EM4100_BYTES:
        sizes.insert(0, EM4100_BYTES)
    readings = []
    for size in sizes:
        msb = f"{value:0{size * 2}X}"
        readings += [(msb, size * 8), (_reverse_bytes(msb), size * 8)]
    return readings


def _wiegand_reading(facility, card):
    facility, card = int(facility), int(card)
    if facility > 0xFF or card > 0xFFFF:
        return None
    return (f"00{facility:02X}{card:04X}", 24)


def _unique(items, key=None):
    """``items`` without repeats (by ``key(item)``), in their first order."""
    seen = set()
    result = []
    for item in items:
        marker = key(item) if key else item
        if marker not in seen:
            seen.add(marker)
            result.append(item)
    return result


# ---------------------------------------------------------------------------
# Rotating e-card QR codes
# ---------------------------------------------------------------------------


def make_qr_token(card_id, secret, now, ttl=60, nonce=None):
    """A signed e-card payload valid from ``now`` for ``ttl`` seconds.

    :param card_id: the card's id (int, or uppercase letters, digits, ``-``)
    :param secret: signing secret, ``str`` or ``bytes``
    :param now: unix time of issue
    :param ttl: lifetime in seconds, 1 to 86400
    :param nonce: random by default; pass one only in tests
    :return: ``MC1.<card_id>.<expiry_unix>.<nonce>.<sig>``
    """
    card_id = str(card_id)
    if not _QR_CARD_ID_RE.fullmatch(card_id):
        raise ValueError(f"A QR card id is 1-32 uppercase letters, digits or '-': {card_id!r}.")
    if not 1 <= int(ttl) <= QR_MAX_TTL:
        raise ValueError(f"A QR token lives 1 to {QR_MAX_TTL} seconds, not {ttl!r}.")
    if nonce is None:
        nonce = base64.b32encode(secrets.token_bytes(QR_NONCE_BYTES)).decode("ascii")
    if not _QR_NONCE_RE.fullmatch(nonce):
        raise ValueError(f"A QR nonce is 1-32 uppercase letters or digits: {nonce!r}.")
    body = f"{QR_VERSION}.{card_id}.{int(now) + int(ttl)}.{nonce}"
    return f"{body}.{_qr_signature(body, secret)}"


def parse_qr_token(token, secret, now=None):
    """Verify an e-card payload made by :func:`make_qr_token`.

    :return: a ``qr`` :class:`CardRead` whose value is the card id
    :raises CardDataError: ``no_secret``, ``bad_signature`` (malformed,
        tampered, or expiring more than a day after ``now``) or
        ``expired_token``
    """
    if not secret:
        raise CardDataError("no_secret", "No secret is configured to verify e-card codes.")
    parts = token.strip().upper().split(".")
    if len(parts) != 5 or parts[0] != QR_VERSION:
        raise CardDataError("bad_signature", "This e-card code is malformed.")
    _version, card_id, expiry, nonce, signature = parts
    if not (
        _QR_CARD_ID_RE.fullmatch(card_id)
        and _QR_EXPIRY_RE.fullmatch(expiry)
        and _QR_NONCE_RE.fullmatch(nonce)
        and _QR_SIGNATURE_RE.fullmatch(signature)
    ):
        raise CardDataError("bad_signature", "This e-card code is malformed.")
    expected = _qr_signature(f"{QR_VERSION}.{card_id}.{expiry}.{nonce}", secret)
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii")):
        raise CardDataError("bad_signature", "This e-card code has an invalid signature.")
    now = time.time() if now is None else now
    expiry = int(expiry)
    if expiry > now + QR_MAX_TTL:
        raise CardDataError("bad_signature", "This e-card code claims an impossible lifetime.")
    if now > expiry:
        raise CardDataError("expired_token", "This e-card code has expired.")
    return CardRead(KIND_QR, card_id, (), {"expiry": expiry, "nonce": nonce}, ((KIND_QR, card_id),))


def _qr_signature(body, secret):
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    digest = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()
    return base64.b32encode(digest[:QR_SIGNATURE_BYTES]).decode("ascii").rstrip("=")


# ---------------------------------------------------------------------------
# Typed text: card numbers, phones, chip UIDs
# ---------------------------------------------------------------------------


def _read_typed(text, uid_format, default_country_code):
    if _WIEGAND_RE.fullmatch(text):
        return _uid_read(_uid_readings(text), uid_format, [])
    if _PHONE_MARKS & set(text):
        return _phone_read(text, default_country_code)
    compact = _UID_SEPARATORS_RE.sub("", text)
    if not compact.isalnum():
        raise CardDataError("garbage", "This is not a card number, card code or phone number.")
    number = _number_reading(text, compact)
    try:
        uid_readings = _uid_readings(text)
    except CardDataError:
        uid_readings = []
    groups = _UID_SEPARATORS_RE.split(text)
    looks_like_uid = ":" in text or (len(groups) >= 4 and all(len(g) == 2 for g in groups))
    if looks_like_uid or (uid_readings and not compact.isdigit() and _is_hex(compact)):
        if not uid_readings:
            raise CardDataError("bad_uid", f"{text!r} has no chip UID length.")
        return _uid_read(uid_readings, uid_format, [(KIND_NUMBER, number)] if number else [])
    phone = None
    if compact.isdigit() and (not compact.startswith("00") or compact.startswith("0086")):
        # "00..." is far likelier a zero-padded card number than a call abroad.
        phone = _phone_reading(compact, default_country_code)
    others = _render_uid_readings(uid_readings, uid_format or DEFAULT_UID_FORMAT)
    if phone and _phone.is_cn_mobile(phone):
        readings = [(KIND_PHONE, phone)]
        readings += [(KIND_NUMBER, number)] if number else []
    elif number:
        readings = [(KIND_NUMBER, number)]
        readings += [(KIND_PHONE, phone)] if phone else []
    elif uid_readings:
        return _uid_read(uid_readings, uid_format, [])
    else:
        raise CardDataError("garbage", "This is not a card number, card code or phone number.")
    readings += [(KIND_UID, uid) for uid in others]
    extra = {"uid_forms": _uid_forms(uid_readings)} if uid_readings else {}
    return _make_read(readings, extra)


def _number_reading(text, compact):
    """The typed card number, or ``None`` when ``text`` is not one."""
    if not _NUMBER_CHARS_RE.fullmatch(text):
        return None
    number = compact.upper()
    digits = sum(char.isdigit() for char in number)
    if not NUMBER_MIN_LENGTH <= len(number) <= NUMBER_MAX_LENGTH or digits * 2 < len(number):
        return None
    return number


def _phone_reading(text, default_country_code):
    try:
        return _phone.normalize_phone(text, default_country_code=default_country_code)
    except _phone.PhoneError:
        return None


def _phone_read(text, default_country_code):
    try:
        phone = _phone.normalize_phone(text, default_country_code=default_country_code)
    except _phone.PhoneError as error:
        raise CardDataError(
            "garbage", f"This is not a card number, card code or phone number: {error}"
        ) from error
    return _make_read([(KIND_PHONE, phone)], {})


def _uid_read(uid_readings, uid_format, others):
    """A ``uid`` read: the readings in the pinned form, or with ``None``
    hex_msb first and then every other form."""
    values = _render_uid_readings(uid_readings, uid_format or DEFAULT_UID_FORMAT)
    if not values:
        raise CardDataError("bad_uid", f"This chip UID has no {uid_format} form.")
    if uid_format is None:
        for form in UID_FORMATS:
            values += _render_uid_readings(uid_readings, form)
    readings = [(KIND_UID, value) for value in values] + others
    extra = {"uid_forms": _uid_forms(uid_readings)}
    bits = uid_readings[0][1]
    if bits < 32:
        extra["uid_bits"] = bits
    return _make_read(readings, extra)


def _render_uid_readings(uid_readings, uid_format):
    values = []
    for uid, _bits in uid_readings:
        try:
            values.append(format_uid(uid, uid_format))
        except CardDataError:
            continue  # e.g. a 7-byte reading has no EM4100 form
    return values


def _uid_forms(uid_readings):
    return UidForms(uid_readings)


class UidForms(Mapping):
    """The readings of a chip UID in every :data:`UID_FORMATS` form, rendered
    when asked for: a typed card number is also read as a UID, and a till's
    lookup seldom needs its every form (rendering them all cost more than the
    rest of the lookup)."""

    def __init__(self, uid_readings):
        self._readings = tuple(uid_readings)
        self._forms = {}

    def __getitem__(self, form):
        if form not in UID_FORMATS:
            raise KeyError(form)
        if form not in self._forms:
            self._forms[form] = tuple(_unique(_render_uid_readings(self._readings, form)))
        return self._forms[form]

    def __iter__(self):
        return iter(UID_FORMATS)

    def __len__(self):
        return len(UID_FORMATS)

    def __repr__(self):
        return repr(dict(self))


def _make_read(readings, extra):
    readings = _unique(readings)
    kind, value = readings[0]
    candidates = tuple(_unique([v for _k, v in readings[1:] if v != value]))
    return CardRead(kind, value, candidates, extra, tuple(readings))
