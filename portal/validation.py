"""Shared input rules used by forms and schemas, with messages that name the rule."""
from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from marshmallow import fields as ma_fields
from marshmallow import validate as ma_validate
from wtforms.validators import ValidationError

# Mainland mobile numbers: 11 ASCII digits starting 13-19 (re.ASCII: \d would also take Arabic-Indic
# or full-width digits, which normalise_login turns into ASCII first where they are meant as digits).
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
# Invisible characters no name or text field takes: controls (Cc: NUL, ESC, tab, line breaks...),
# formats (Cf: the bidirectional overrides and isolates U+202A-U+202E and U+2066-U+2069, the marks
# U+200E/U+200F/U+061C, zero-width U+200B-U+200D, U+FEFF), surrogates (Cs), private use (Co) and the
# Unicode line/paragraph separators. A right-to-left override makes "photo<U+202E>gpj.exe" read
# "photoexe.jpg"; the others corrupt logs, exports and printouts or make two names look the same.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_LINE_BREAKS = frozenset("\r\n")
# The largest id the database's INTEGER primary keys hold (PostgreSQL int4); larger ids can't exist.
DB_INT_MAX = 2**31 - 1
# A whole number as the portal writes one: ASCII digits only. Python's int() also reads full-width
# "１２" and Arabic-Indic "٣", and any length, which the database then fails on (a 500).
_WHOLE_NUMBER_RE = re.compile(r"-?[0-9]{1,10}")


def bounded_int(raw, *, minimum: int = 1, maximum: int = DB_INT_MAX, nfkc: bool = False) -> int | None:
    """The whole number ``raw`` spells if it lies in minimum..maximum, else None.

    The one gate every integer from a URL, query string or form passes before it reaches the database.
    ``nfkc``: a typed form value, where full-width digits from a Chinese input method are accepted.
    """
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int):
        number = raw
    else:
        text = str(raw).strip()
        if nfkc:
            text = unicodedata.normalize("NFKC", text)
        if not _WHOLE_NUMBER_RE.fullmatch(text):
            return None
        number = int(text)
    return number if minimum <= number <= maximum else None


def query_int(name: str, default: int | None = None, *, minimum: int = 1, maximum: int = DB_INT_MAX) -> int | None:
    """A number from the query string (an id, a page), or ``default`` when it is missing or no such number."""
    from flask import request

    number = bounded_int(request.args.get(name), minimum=minimum, maximum=maximum)
    return default if number is None else number


class DbId(ma_fields.Integer):
    """An id in a JSON body or an API query string, read like ``bounded_int``: a JSON integer or ASCII
    digits in the database's id range; "１２", "٣" and 10**30 are refused before any query."""

    def __init__(self, **kwargs):
        super().__init__(validate=ma_validate.Range(min=1, max=DB_INT_MAX), **kwargs)

    def _validated(self, value):
        if isinstance(value, str) and not _WHOLE_NUMBER_RE.fullmatch(value.strip()):
            raise self.make_error("invalid")
        return super()._validated(value)


def optional_id(value):
    """A select's id (a WTForms ``coerce``): None when blank; -1 (never a real id: the service answers
    "no such entry") when it is not an id the database can hold."""
    if value in (None, "", "None"):
        return None
    number = bounded_int(value)
    return -1 if number is None else number


def forbidden_char(text: str, *, multiline: bool = False) -> str | None:
    """The first invisible control or format character of ``text``, or None.

    ``multiline``: the field is a text area, so ordinary line breaks (CR, LF) are allowed.
    """
    if not text or text.isprintable():  # the common case, decided in C
        return None
    for char in text:
        # isprintable() is also False for spaces such as U+3000 (Zs) and for unassigned code points:
        # those are allowed, only the categories above are refused.
        if char.isprintable() or (multiline and char in _LINE_BREAKS):
            continue
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return char
    return None


def has_control_chars(text: str, *, multiline: bool = False) -> bool:
    return forbidden_char(text, multiline=multiline) is not None


def control_char_message(char: str):
    """The message naming the refused character by its code point (it is invisible)."""
    return _l("Remove the invisible character %(code)s (control and text-direction characters are not allowed).",
              code=f"U+{ord(char):04X}")


def normalise_login(identifier: str) -> str:
    """Mobile numbers lose spaces, dashes and a +86 prefix; e-mail addresses are lower-cased.

    Full-width digits and signs (a Chinese input method's １３８…, ＋８６) become ASCII (NFKC) first.
    """
    value = (identifier or "").strip()
    if "@" in value:
        return value.lower()
    digits = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", value))
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits


def is_mobile(value: str) -> bool:
    return bool(MOBILE_RE.match(value or ""))


def is_email(value: str) -> bool:
    return bool(EMAIL_RE.match(value or "")) and len(value) <= 254


def schema_text_check(*, multiline: bool = False):
    """A marshmallow validator refusing what NoControlChars refuses (for JSON text fields)."""
    from marshmallow import ValidationError as SchemaValidationError

    def check(value: str) -> None:
        char = forbidden_char(value, multiline=multiline) if isinstance(value, str) else None
        if char is not None:
            raise SchemaValidationError(str(control_char_message(char)))

    return check


class NoControlChars:
    """Reject invisible control and format characters (see forbidden_char); ``multiline`` for text areas."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field):
        if isinstance(field.data, str):
            char = forbidden_char(field.data, multiline=self.multiline)
            if char is not None:
                raise ValidationError(control_char_message(char))


class MainlandMobile:
    """An 11-digit mainland mobile number (1[3-9] and nine more digits), after normalise_login."""

    def __call__(self, form, field):
        if not is_mobile(normalise_login(field.data or "")):
            raise ValidationError(_l("Enter an 11-digit mainland mobile number."))


class MobileOrEmail:
    def __call__(self, form, field):
        value = normalise_login(field.data or "")
        if not (is_mobile(value) or is_email(value)):
            raise ValidationError(_l("Enter an 11-digit mainland mobile number or a valid e-mail address."))
