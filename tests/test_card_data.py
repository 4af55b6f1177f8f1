"""Card data normaliser (member_base/tools/card_data.py) with worked numbers."""

import dataclasses
import re

import pytest

# Track 2 of a card 4111 1111 1111 1111 expiring 2025-12, service code 101.
# LRC worked by hand: ;=B ^ 4=F ^ fifteen 1s=E ^ '='(D)=3 ^ 2512101=7
# ^ 1234567890=6 ^ '?'(F)=9  ->  '9'.
TRACK2 = ";4111111111111111=25121011234567890?"
TRACK2_LRC = "9"
TRACK1 = "%B4111111111111111^DOE/JOHN^25121010000000000000000?"
TRACK1_LRC = "+"

SECRET = "s3cret-database-key"
NOW = 1_700_000_000


def error_code(card_data, raw, **kwargs):
    with pytest.raises(card_data.CardDataError) as info:
        card_data.normalize(raw, **kwargs)
    assert isinstance(info.value, ValueError)
    return info.value.code


# --- LRC and Luhn -----------------------------------------------------------


def test_lrc_worked_by_hand(card_data):
    # ';'=B ^ 1 ^ 2 ^ 3 ^ 4 ^ '='(D) ^ '?'(F) = D  -> chr(0x30 + 0xD) = '='
    assert card_data.track2_lrc(";1234=?") == "="
    # '%'=05 ^ 'B'=22 ^ '1'=11 ^ '^'=3E ^ 'A'=21 ^ '^'=3E ^ '?'=1F = 08 -> '('
    assert card_data.track1_lrc("%B1^A^?") == "("


def test_lrc_of_full_tracks(card_data):
    assert card_data.track2_lrc(TRACK2) == TRACK2_LRC
    assert card_data.track1_lrc(TRACK1) == TRACK1_LRC


def test_luhn(card_data):
    assert card_data.luhn_ok("4111111111111111")
    assert card_data.luhn_ok("79927398713")
    assert not card_data.luhn_ok("4111111111111112")
    assert not card_data.luhn_ok("")


# --- Magnetic tracks --------------------------------------------------------


def test_track2_without_lrc(card_data):
    read = card_data.normalize(TRACK2)
    assert (read.kind, read.value, read.candidates) == ("track", "4111111111111111", ())
    assert read.extra["expiry"] == "2512"
    assert read.extra["service_code"] == "101"
    assert read.extra["track"] == 2
    assert read.extra["tracks"] == (2,)
    assert read.extra["luhn_ok"] is True


def test_track2_with_lrc_and_wedge_newline(card_data):
    read = card_data.normalize(TRACK2 + TRACK2_LRC + "\r\n")
    assert read.value == "4111111111111111"


def test_track2_with_bad_lrc(card_data):
    assert error_code(card_data, TRACK2 + "8") == "bad_lrc"


def test_track1_alone(card_data):
    read = card_data.normalize(TRACK1 + TRACK1_LRC)
    assert read.kind == "track"
    assert read.value == "4111111111111111"
    assert read.extra["name"] == "DOE/JOHN"
    assert read.extra["expiry"] == "2512"
    assert read.extra["track"] == 1


def test_track1_with_bad_lrc(card_data):
    assert error_code(card_data, TRACK1 + "*") == "bad_lrc"


def test_track1_typed_with_caps_lock(card_data):
    read = card_data.normalize(TRACK1.lower() + TRACK1_LRC)
    assert read.extra["name"] == "DOE/JOHN"


def test_both_tracks_with_lrcs(card_data):
    read = card_data.normalize(TRACK1 + TRACK1_LRC + TRACK2 + TRACK2_LRC)
    assert read.value == "4111111111111111"
    assert read.extra["tracks"] == (1, 2)
    assert read.extra["track"] == 2
    assert read.extra["name"] == "DOE/JOHN"


def test_both_tracks_separated_by_crlf_without_lrcs(card_data):
    read = card_data.normalize(TRACK1 + "\r\n" + TRACK2 + "\r\n")
    assert read.extra["tracks"] == (1, 2)
    assert read.value == "4111111111111111"


@pytest.mark.parametrize(
    ("track1", "lrc"),
    [
        ("%B6012345678901234^MEMBER/R9^2512101?", ";"),
        ("%B6012345678901234^MEMBER/A4^2512101?", "%"),
    ],
)
def test_lrc_that_looks_like_a_start_sentinel(card_data, track1, lrc):
    track2 = ";6012345678901234=2512101?"
    assert card_data.track1_lrc(track1) == lrc
    assert card_data.track2_lrc(track2) == ">"
    read = card_data.normalize(track1 + lrc + track2 + ">")
    assert read.extra["tracks"] == (1, 2)
    assert read.extra["name"] == track1.split("^")[1]
    assert card_data.normalize(track1 + lrc).extra["tracks"] == (1,)


def test_tracks_with_different_pans(card_data):
    other = ";4012888888881881=25121011234567890?"
    assert error_code(card_data, TRACK1 + other) == "track_mismatch"


def test_reader_error_marker_on_track1(card_data):
    read = card_data.normalize("%E?" + TRACK2)
    assert read.value == "4111111111111111"
    assert read.extra["tracks"] == (2,)
    assert error_code(card_data, ";E?") == "truncated"


def test_track3_is_checked_and_kept(card_data):
    track3 = ";011234567890=123?"
    read = card_data.normalize(TRACK2 + TRACK2_LRC + track3 + card_data.track2_lrc(track3))
    assert read.value == "4111111111111111"
    assert read.extra["track3"] == "011234567890=123"
    assert error_code(card_data, TRACK2 + track3 + "0") == "bad_lrc"


@pytest.mark.parametrize(
    "raw",
    [
        ";4111111111111111=2512101",  # no end sentinel
        ";4111111111111111?",  # no separator
        "%B4111111111111111^DOE/JOHN^2512",  # no end sentinel
        "%B4111111111111111^DOE/JOHN?",  # one separator only
        TRACK1 + ";41111111",  # track 2 cut short
    ],
)
def test_truncated_tracks(card_data, raw):
    assert error_code(card_data, raw) == "truncated"


@pytest.mark.parametrize(
    "raw",
    [
        ";41111111111111112222=2512?",  # 20-digit PAN
        "%A4111111111111111^DOE/JOHN^2512?",  # not format B
        ";41:1=2512?",  # ':' is a track 2 character but not a digit
    ],
)
def test_malformed_tracks(card_data, raw):
    assert error_code(card_data, raw) == "bad_track"


def test_track_bytes_from_a_serial_reader(card_data):
    read = card_data.normalize(b";1234=?=\r")
    assert (read.kind, read.value) == ("track", "1234")


# --- Garbage ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        (None, "empty"),
        ("\r\n\t\x00\x1b", "empty"),
        ("\U0001f600", "garbage"),  # emoji
        ("会员卡", "garbage"),
        ("A" * 200, "garbage"),
        ("1" * 200, "garbage"),
        ("7" * 40, "garbage"),
        ("'; DROP TABLE member_card; --", "garbage"),
        ("1 OR 1=1", "garbage"),
        ("DROP TABLE members", "garbage"),
        ("; DROP TABLE x", "garbage"),
        ("12", "garbage"),
        (b"\xff\xfe\x00", "garbage"),
        (3.14, "garbage"),
    ],
)
def test_garbage(card_data, raw, code):
    assert error_code(card_data, raw) == code


# --- Chip UIDs --------------------------------------------------------------


@pytest.mark.parametrize("raw", ["04A22B1A", "04:a2:2b:1a", "04-A2-2B-1A", "04 a2 2b 1a"])
def test_mifare_4_byte_hex_forms(card_data, raw):
    assert card_data.uid_candidates(raw)[:2] == ("04A22B1A", "1A2BA204")
    read = card_data.normalize(raw)
    assert (read.kind, read.value) == ("uid", "04A22B1A")
    assert read.candidates[0] == "1A2BA204"


def test_mifare_4_byte_decimal_both_orders(card_data):
    # 0x04A22B1A = 77736730 (big-endian), 0x1A2BA204 = 439067140 (little-endian)
    assert card_data.uid_candidates("0077736730")[:2] == ("04A22B1A", "1A2BA204")
    assert card_data.uid_candidates("0439067140")[:2] == ("1A2BA204", "04A22B1A")


def test_mifare_7_byte_hex_and_decimal(card_data):
    assert card_data.uid_candidates("04:A2:2B:1A:3C:5D:80") == ("04A22B1A3C5D80", "805D3C1A2BA204")
    # 0x04A22B1A3C5D80 = 1304205914299776; 0x805D3C1A2BA204 = 36131309737452036
    assert card_data.uid_candidates("1304205914299776") == ("04A22B1A3C5D80", "805D3C1A2BA204")
    assert card_data.uid_candidates("36131309737452036") == ("805D3C1A2BA204", "04A22B1A3C5D80")


def test_mifare_10_byte_hex(card_data):
    uid = "0102030405060708090A"
    assert card_data.uid_candidates(uid.lower()) == (uid, "0A090807060504030201")


def test_em4100_forms_meet_on_dec10(card_data):
    # EM4100 ID 1A 00 BC 61 4E: low 32 bits 0x00BC614E = 12345678,
    # Wiegand-26 facility 0xBC = 188, card 0x614E = 24910.
    assert card_data.canonical_uid("1A00BC614E", "em4100_dec10") == "0012345678"
    assert card_data.canonical_uid("0012345678", "em4100_dec10") == "0012345678"
    assert card_data.canonical_uid("188,24910", "em4100_dec10") == "0012345678"
    assert card_data.canonical_uid("1a00bc614e") == "1A00BC614E"


def test_em4100_decimal_and_full_id_candidates(card_data):
    assert card_data.uid_candidates("0012345678")[:2] == ("00BC614E", "4E61BC00")
    # The full 40-bit ID as a 12-digit decimal: 0x1A00BC614E = 111681495374.
    assert card_data.uid_candidates("111681495374")[0] == "1A00BC614E"


def test_wiegand_reading(card_data):
    read = card_data.normalize("188, 24910")
    assert (read.kind, read.value) == ("uid", "00BC614E")
    assert read.extra["uid_bits"] == 24
    assert card_data.uid_candidates("18824910")[-1] == "00BC614E"  # FFFNNNNN print


def test_format_uid_every_form(card_data):
    uid = "04A22B1A"
    assert [card_data.format_uid(uid, form) for form in card_data.UID_FORMATS] == [
        "04A22B1A",
        "1A2BA204",
        "0077736730",
        "0439067140",
        "0077736730",
    ]
    assert card_data.format_uid("04A22B1A3C5D80", "dec_msb") == "01304205914299776"


def test_pinned_uid_format(card_data):
    read = card_data.normalize("1A00BC614E", uid_format="em4100_dec10")
    assert (read.kind, read.value) == ("uid", "0012345678")
    read = card_data.normalize("04:A2:2B:1A", uid_format="dec_lsb")
    assert (read.value, read.candidates) == ("0439067140", ("0077736730",))


def test_unpinned_uid_offers_every_form(card_data):
    read = card_data.normalize("04:A2:2B:1A")
    assert read.candidates == ("1A2BA204", "0077736730", "0439067140")
    assert read.extra["uid_forms"]["dec_lsb"] == ("0439067140", "0077736730")


@pytest.mark.parametrize(
    "raw", ["04:A2:2B", "GG:HH:II:JJ", "300,12345", "12,70000", "hello", "", "04A22B1A3C"[:9]]
)
def test_bad_uid(card_data, raw):
    with pytest.raises(card_data.CardDataError) as info:
        card_data.canonical_uid(raw)
    assert info.value.code == "bad_uid"


def test_bad_uid_from_normalize(card_data):
    assert error_code(card_data, "04:A2:2B") == "bad_uid"
    assert error_code(card_data, "300,12345") == "bad_uid"
    with pytest.raises(card_data.CardDataError) as info:
        card_data.format_uid("04A22B1A3C5D80", "em4100_dec10")
    assert info.value.code == "bad_uid"


# --- E-card QR --------------------------------------------------------------


def test_qr_token_shape(card_data):
    token = card_data.make_qr_token(42, SECRET, NOW, ttl=60, nonce="ABCDEFGH")
    assert re.fullmatch(r"MC1\.42\.1700000060\.ABCDEFGH\.[A-Z2-7]{26}", token)
    assert token == card_data.make_qr_token(42, SECRET, NOW, ttl=60, nonce="ABCDEFGH")
    random_nonce = card_data.make_qr_token(42, SECRET, NOW).split(".")[3]
    assert re.fullmatch(r"[A-Z2-7]{8}", random_nonce)


def test_valid_qr_token(card_data):
    token = card_data.make_qr_token(42, SECRET, NOW, ttl=60, nonce="ABCDEFGH")
    read = card_data.normalize(token, qr_secret=SECRET, now=NOW + 30)
    assert (read.kind, read.value, read.candidates) == ("qr", "42", ())
    assert read.extra == {"expiry": NOW + 60, "nonce": "ABCDEFGH"}
    # Still valid at its expiry second, and read case-insensitively.
    assert card_data.normalize(token.lower(), qr_secret=SECRET, now=NOW + 60).value == "42"


def test_expired_qr_token(card_data):
    token = card_data.make_qr_token(42, SECRET, NOW, ttl=60)
    assert error_code(card_data, token, qr_secret=SECRET, now=NOW + 61) == "expired_token"


def test_tampered_qr_token(card_data):
    token = card_data.make_qr_token(42, SECRET, NOW, ttl=60, nonce="ABCDEFGH")
    other_card = token.replace("MC1.42.", "MC1.43.")
    longer_life = token.replace(".1700000060.", ".1700000960.")
    last = token[-1]
    bad_signature = token[:-1] + ("A" if last != "A" else "B")
    for forged in (other_card, longer_life, bad_signature):
        assert error_code(card_data, forged, qr_secret=SECRET, now=NOW) == "bad_signature"


def test_qr_token_signed_with_another_secret(card_data):
    token = card_data.make_qr_token(42, "another secret", NOW)
    assert error_code(card_data, token, qr_secret=SECRET, now=NOW) == "bad_signature"


def test_qr_token_expiring_too_far_ahead(card_data):
    # Correctly signed but valid from 2 days ahead: only a leaked secret makes that.
    token = card_data.make_qr_token(42, SECRET, NOW + 2 * 86400, ttl=60)
    assert error_code(card_data, token, qr_secret=SECRET, now=NOW) == "bad_signature"


@pytest.mark.parametrize("raw", ["MC1.42.1700000060", "MC1.42.abc.ABCDEFGH.XXXX", "MC1....."])
def test_malformed_qr_token(card_data, raw):
    assert error_code(card_data, raw, qr_secret=SECRET, now=NOW) == "bad_signature"


def test_qr_token_without_secret(card_data):
    token = card_data.make_qr_token(42, SECRET, NOW)
    assert error_code(card_data, token, now=NOW) == "no_secret"


def test_make_qr_token_refuses_bad_arguments(card_data):
    with pytest.raises(ValueError):
        card_data.make_qr_token("card.1", SECRET, NOW)
    with pytest.raises(ValueError):
        card_data.make_qr_token(42, SECRET, NOW, ttl=86401)


# --- Typed numbers and phones ----------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("vip-0001-2345", "VIP00012345"),
        ("  VIP 0001 2345\t", "VIP00012345"),
        ("1234", "1234"),
        ("\uff10\uff10\uff11\uff12\uff13\uff14\uff15", "0012345"),  # full-width digits
        ("A1B2C3D4E5F6G7H8I9J0K1L2M3N4P5Q6", "A1B2C3D4E5F6G7H8I9J0K1L2M3N4P5Q6"),
    ],
)
def test_typed_card_numbers(card_data, raw, expected):
    read = card_data.normalize(raw)
    assert (read.kind, read.value) == ("number", expected)


def test_ambiguous_ten_digits(card_data):
    read = card_data.normalize("0012345678")
    assert (read.kind, read.value) == ("number", "0012345678")
    assert read.candidates == ("00BC614E", "4E61BC00", "7856341200")
    assert read.readings[:3] == (
        ("number", "0012345678"),
        ("uid", "00BC614E"),
        ("uid", "4E61BC00"),
    )


def test_mobile_is_read_as_phone_first(card_data):
    read = card_data.normalize("138 1234 5678")
    assert (read.kind, read.value) == ("phone", "+8613812345678")
    assert read.candidates[0] == "13812345678"
    assert read.readings[1] == ("number", "13812345678")


@pytest.mark.parametrize("raw", ["+86 138-1234-5678", "0086 138 1234 5678", "(+86)13812345678"])
def test_phone_formats(card_data, raw):
    read = card_data.normalize(raw)
    assert (read.kind, read.value) == ("phone", "+8613812345678")


def test_landline_is_a_number_with_a_phone_reading(card_data):
    read = card_data.normalize("010-12345678")
    assert (read.kind, read.value) == ("number", "01012345678")
    assert read.readings[1] == ("phone", "+861012345678")


def test_foreign_phone_with_another_default_country(card_data):
    read = card_data.normalize("+44 20 7946 0958", default_country_code="44")
    assert (read.kind, read.value) == ("phone", "+442079460958")


def test_bad_phone_is_garbage(card_data):
    assert error_code(card_data, "+86 123") == "garbage"


def test_hex_with_letters_is_a_uid_with_a_number_reading(card_data):
    read = card_data.normalize("abcd1234")
    assert (read.kind, read.value) == ("uid", "ABCD1234")
    assert read.readings[-1] == ("number", "ABCD1234")


def test_card_read_is_frozen(card_data):
    read = card_data.normalize("VIP-0001")
    assert read.lookup_values == ("VIP0001",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        read.value = "other"


def test_unknown_uid_format(card_data):
    with pytest.raises(ValueError):
        card_data.normalize("04A22B1A", uid_format="octal")
