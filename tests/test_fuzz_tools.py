"""Property-based tests (hypothesis) of the pure helpers: the card-data
normaliser, the phone normaliser, the amount parser and the import-file
readers. Whatever arrives, each helper answers or refuses with its own error
(never another exception); what it answers is canonical.

The examples are bounded and derandomized, and no example database is kept,
so that a CI run is reproducible.
"""

import csv
import importlib.util
import io
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

WALLET_TOOLS = Path(__file__).resolve().parent.parent / "member_wallet" / "tools"

FUZZ = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    database=None,  # nothing kept between runs: a CI run is the same every time
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _load(module_name, path, **kwargs):
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, path, **kwargs)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


def wallet_tool(name):
    """``member_wallet/tools/<name>.py`` loaded by path (the addon imports
    Odoo), inside a package of its own: the tools import each other."""
    package = "member_wallet_fuzz_tools"
    _load(package, WALLET_TOOLS / "__init__.py", submodule_search_locations=[str(WALLET_TOOLS)])
    return _load(f"{package}.{name}", WALLET_TOOLS / f"{name}.py")


@pytest.fixture(scope="module")
def amounts():
    return wallet_tool("amounts")


@pytest.fixture(scope="module")
def opening_file():
    return wallet_tool("opening_file")


@pytest.fixture(scope="module")
def batch_file():
    return wallet_tool("batch_file")


# What a reader, a scanner or a cashier can send: any text (with control
# characters and full-width forms), any bytes, integers, digit runs,
# track-like and QR-like strings.
raw_reads = st.one_of(
    st.none(),
    st.text(max_size=80),
    st.binary(max_size=80),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.from_regex(r"\A[0-9 \-]{1,24}\Z"),
    st.from_regex(r"\A[;%][0-9A-Z=^/ ]{0,40}\?.?\Z"),
    st.from_regex(r"\A(MC1|mc1)\.[0-9A-Z]{0,8}\.[0-9]{0,12}\.[0-9A-Z]{0,8}\.[A-Z2-7]{0,30}\Z"),
    st.from_regex(r"\A[0-9A-Fa-f:\- ]{2,32}\Z"),
    st.floats(allow_nan=True),
    st.booleans(),
)


# --- card data --------------------------------------------------------------


@FUZZ
@given(raw=raw_reads)
def test_normalize_answers_or_refuses_with_a_code(card_data, raw):
    try:
        read = card_data.normalize(raw, qr_secret="s3cret", now=1_700_000_000)
    except card_data.CardDataError as error:
        assert error.code in {
            "empty",
            "garbage",
            "truncated",
            "bad_lrc",
            "bad_track",
            "track_mismatch",
            "bad_signature",
            "expired_token",
            "no_secret",
            "bad_uid",
        }
        return
    assert read.kind in card_data.KINDS
    assert isinstance(read.value, str) and read.value and read.value.isascii()
    assert read.value not in read.candidates
    assert read.readings[0] == (read.kind, read.value)
    # a value may be read as several kinds (a digit run: number and UID)
    assert {value for _kind, value in read.readings} == set(read.lookup_values)
    assert len(set(read.lookup_values)) == len(read.lookup_values)


@FUZZ
@given(
    letters=st.text(alphabet="ABCDEFGHJKMNPQRSTUVWXYZ", max_size=4),
    digits=st.text(alphabet="0123456789", min_size=6, max_size=20),
    spacing=st.sampled_from(" -"),
)
def test_typed_number_is_canonical(card_data, letters, digits, spacing):
    """A card number typed with separators and in lower case is first read
    as the same value as typed cleanly, and reading that value again gives
    it (separators only drop the readings of a decimal chip UID)."""
    number = letters + digits
    messy = spacing.join(number[i : i + 4] for i in range(0, len(number), 4)).lower()
    clean = card_data.normalize(number)
    read = card_data.normalize(messy)
    assert (read.kind, read.value) == (clean.kind, clean.value)
    assert set(read.lookup_values) <= set(clean.lookup_values)
    assert card_data.normalize(clean.value).value == clean.value


@FUZZ
@given(
    card_id=st.integers(min_value=1, max_value=2**31),
    now=st.integers(min_value=1_600_000_000, max_value=2_000_000_000),
    position=st.integers(min_value=0),
    char=st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
)
def test_qr_token_round_trip_and_tampering(card_data, card_id, now, position, char):
    token = card_data.make_qr_token(card_id, "s3cret", now)
    read = card_data.normalize(token, qr_secret="s3cret", now=now)
    assert (read.kind, read.value) == ("qr", str(card_id))
    # a lower-case scan of the same code is the same code
    assert card_data.normalize(token.lower(), qr_secret="s3cret", now=now).value == str(card_id)
    # another secret, a later time or one changed character of the
    # signature: refused
    with pytest.raises(card_data.CardDataError):
        card_data.normalize(token, qr_secret="other", now=now)
    with pytest.raises(card_data.CardDataError):
        card_data.normalize(token, qr_secret="s3cret", now=now + 3600)
    body, signature = token.rsplit(".", 1)
    index = position % len(signature)
    if signature[index] != char:
        forged = f"{body}.{signature[:index]}{char}{signature[index + 1 :]}"
        with pytest.raises(card_data.CardDataError):
            card_data.normalize(forged, qr_secret="s3cret", now=now)


# --- phone numbers ----------------------------------------------------------


@FUZZ
@given(
    raw=st.one_of(
        st.text(max_size=30),
        st.from_regex(r"\A\+?[0-9 ()\-]{0,20}\Z"),
        st.from_regex(r"\A(\+86|0086|86)?1[3-9][0-9]{9}\Z"),
        st.none(),
    )
)
def test_phone_is_e164_and_idempotent(phone, raw):
    try:
        e164 = phone.normalize_phone(raw)
    except phone.PhoneError:
        return
    assert e164.startswith("+") and e164[1:].isdigit()
    assert 8 <= len(e164) <= 16
    assert phone.normalize_phone(e164) == e164


@FUZZ
@given(national=st.from_regex(r"\A1[3-9][0-9]{9}\Z"), form=st.sampled_from(["", "+86", "0086"]))
def test_every_form_of_a_mobile_is_one_number(phone, national, form):
    spaced = f"{form} {national[:3]} {national[3:7]}-{national[7:]}"
    assert phone.normalize_phone(spaced) == f"+86{national}"
    assert phone.is_cn_mobile(phone.normalize_phone(spaced))


# --- amounts ----------------------------------------------------------------

amount_inputs = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.from_regex(r"\A ?-?[0-9]{0,9}(\.[0-9]{0,4})?(e[+-]?[0-9]{1,4})? ?\Z"),
)


@FUZZ
@given(value=amount_inputs, maximum=st.sampled_from([None, 100000]))
def test_parse_amount_is_positive_cents_or_a_coded_refusal(amounts, value, maximum):
    try:
        amount = amounts.parse_amount(value, maximum=maximum)
    except amounts.AmountError as error:
        assert error.code in {"not_a_number", "not_positive", "too_many_decimals", "too_large"}
        return
    assert isinstance(amount, Decimal) and amount.is_finite()
    assert amount > 0
    assert amount == amount.quantize(Decimal("0.01"))
    assert maximum is None or amount <= maximum
    # what was accepted is accepted again as the same amount, in every form
    assert amounts.parse_amount(str(amount), maximum=maximum) == amount
    assert amounts.parse_amount(float(amount), maximum=maximum) == amount


@FUZZ
@given(cents=st.integers(min_value=1, max_value=10**9))
def test_parse_amount_keeps_every_cent(amounts, cents):
    amount = Decimal(cents).scaleb(-2)
    assert amounts.parse_amount(f"{amount}") == amount
    assert amounts.parse_amount(f" {amount} ") == amount


@FUZZ
@given(
    amount=st.decimals(min_value=0, max_value=10**6, places=2),
    principal=st.decimals(min_value=0, max_value=10**6, places=2),
    bonus=st.decimals(min_value=0, max_value=10**6, places=2),
    policy=st.sampled_from(["last", "proportional"]),
)
def test_split_spend_adds_up(amounts, amount, principal, bonus, policy):
    from_principal, from_bonus = amounts.split_spend(amount, principal, bonus, policy)
    assert from_principal + from_bonus == amount
    assert 0 <= from_bonus <= bonus
    if policy == "last" and amount <= principal:
        assert from_bonus == 0


# --- import files -----------------------------------------------------------

cell = st.one_of(st.text(max_size=8), st.decimals(places=3, allow_nan=False).map(str))
headers = st.lists(
    st.sampled_from(
        ["card", "卡号", "Card Number", "principal", "金额", "amount", "bonus", "points", "", "x"]
    ),
    min_size=1,
    max_size=6,
)


def csv_bytes(header, rows, encoding):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


@settings(FUZZ, max_examples=40)
@given(
    header=headers,
    rows=st.lists(st.lists(cell, max_size=6), max_size=4),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_opening_file_reads_any_csv_or_refuses(opening_file, header, rows, encoding):
    data = csv_bytes(header, rows, encoding)
    try:
        columns, _unknown, read = opening_file.read_rows(data, "opening.csv")
    except opening_file.OpeningFileError:
        return
    assert "card" in columns
    assert len(read) <= len(rows)
    for number, values in read:
        assert number >= 2
        assert set(values) == set(columns)


@FUZZ
@given(data=st.binary(max_size=300), name=st.sampled_from(["f.csv", "f.xlsx", "f"]))
def test_import_readers_refuse_garbage_with_their_error(opening_file, batch_file, data, name):
    for reader, error in (
        (opening_file.read_rows, opening_file.OpeningFileError),
        (batch_file.read_rows, batch_file.BatchFileError),
    ):
        try:
            reader(data, name)
        except error:
            pass


@FUZZ
@given(value=st.one_of(st.none(), st.text(max_size=10), st.integers(), st.floats(), st.booleans()))
def test_parse_count_is_a_whole_number_or_value_error(opening_file, value):
    try:
        count = opening_file.parse_count(value, maximum=10**6)
    except ValueError:
        return
    assert isinstance(count, int) and 0 <= count <= 10**6
