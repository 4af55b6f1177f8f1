"""Phone-number normalisation to E.164, China first.

Plain Python (no Odoo import): the POS lookup, member import and the IoT box
drivers share it.

Rules, with the default country code ``86``:

* spaces, dashes, dots and parentheses are ignored, full-width digits
  (typed with a Chinese input method) count as digits;
* a mainland mobile is ``1[3-9]`` followed by 9 digits, optionally preceded by
  ``+86``, ``0086`` or ``86``: ``138 1234 5678`` -> ``+8613812345678``;
* a mainland landline is the trunk ``0``, an area code (``10``, ``2X`` or
  three digits ``3XX``-``9XX``) and a 7- or 8-digit subscriber number; the
  trunk ``0`` is dropped: ``0755-1234 5678`` -> ``+8675512345678``; after
  ``+86`` the area code comes without the trunk (``+86 (0)10 ...`` is
  tolerated);
* any other country: a leading ``+`` or ``00`` keeps the country code and
  digits as given, 7 to 15 digits in all (E.164 limits).

With another default country code, a number without ``+``/``00`` drops one
leading trunk ``0`` and gets that country code (right for most countries,
not for Italy, whose numbers keep their ``0``).

Anything else raises :class:`PhoneError`, whose ``code`` is one of
``empty``, ``bad_chars``, ``bad_length``, ``bad_cn_number``.
"""

import re
import unicodedata

__all__ = ["PhoneError", "is_cn_mobile", "normalize_phone"]

CN_COUNTRY_CODE = "86"
E164_MIN_DIGITS = 7
E164_MAX_DIGITS = 15

_SEPARATORS_RE = re.compile(r"[\s\-.()\u00a0\u3000]+")
_CN_MOBILE_RE = re.compile(r"1[3-9]\d{9}")
# National significant number of a landline: area code then subscriber.
_CN_LANDLINE_RE = re.compile(r"(?:10|2\d|[3-9]\d\d)\d{7,8}")
_E164_CN_MOBILE_RE = re.compile(r"\+861[3-9]\d{9}")


class PhoneError(ValueError):
    """A value that is not a phone number; ``code`` says why."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def is_cn_mobile(e164):
    """Tell whether ``e164`` (as returned by :func:`normalize_phone`) is a
    mainland China mobile number, e.g. ``+8613812345678``."""
    return bool(e164) and bool(_E164_CN_MOBILE_RE.fullmatch(e164))


def normalize_phone(raw, default_country_code=CN_COUNTRY_CODE):
    """Return ``raw`` as an E.164 string (``+8613812345678``).

    :param raw: the number as typed or imported
    :param default_country_code: country code (digits, no ``+``) of numbers
        typed without an international prefix
    :raises PhoneError: when ``raw`` is not a phone number
    """
    country = str(default_country_code or CN_COUNTRY_CODE).lstrip("+")
    if not country.isdigit() or not 1 <= len(country) <= 3:
        raise ValueError(f"Invalid default country code: {default_country_code!r}")
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    text = _SEPARATORS_RE.sub("", text)
    if not text:
        raise PhoneError("empty", "No phone number given.")
    international = text.startswith("+")
    digits = text[1:] if international else text
    if not digits.isascii() or not digits.isdigit():
        raise PhoneError("bad_chars", f"A phone number has only digits: {raw!r}.")
    if not international and digits.startswith("00"):
        international, digits = True, digits[2:]
    if international:
        if digits.startswith(CN_COUNTRY_CODE):
            return _cn_number(digits[len(CN_COUNTRY_CODE) :], raw, trunk=False)
        return _international(digits, raw)
    if country == CN_COUNTRY_CODE:
        if len(digits) == 13 and digits.startswith(CN_COUNTRY_CODE):
            # "86" then a mobile, as printed by some exports.
            if _CN_MOBILE_RE.fullmatch(digits[2:]):
                return "+" + digits
        return _cn_number(digits, raw, trunk=True)
    if digits.startswith("0"):
        digits = digits[1:]
    return _international(country + digits, raw)


def _cn_number(national, raw, trunk):
    """E.164 of a mainland number; ``trunk`` tells whether a landline must
    carry its trunk ``0`` (typed nationally) or may omit it (after +86)."""
    if _CN_MOBILE_RE.fullmatch(national):
        return "+86" + national
    if national.startswith("0"):
        national = national[1:]
    elif trunk:
        raise PhoneError("bad_cn_number", f"Not a mainland China mobile or landline: {raw!r}.")
    if _CN_LANDLINE_RE.fullmatch(national):
        return "+86" + national
    raise PhoneError("bad_cn_number", f"Not a mainland China mobile or landline: {raw!r}.")


def _international(digits, raw):
    if digits.startswith("0") or not E164_MIN_DIGITS <= len(digits) <= E164_MAX_DIGITS:
        raise PhoneError(
            "bad_length",
            f"An international number has a country code and 7 to 15 digits: {raw!r}.",
        )
    return "+" + digits
