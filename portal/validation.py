"""Shared input rules used by forms and schemas, with messages that name the rule."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The largest id the database's INTEGER primary keys hold (PostgreSQL int4); larger ids can't exist.
DB_INT_MAX = 2**31 - 1


def has_control_chars(text: str) -> bool:
    return bool(_CONTROL.search(text or ""))


def normalise_login(identifier: str) -> str:
    """Mobile numbers lose spaces, dashes and a +86 prefix; e-mail addresses are lower-cased."""
    value = (identifier or "").strip()
    if "@" in value:
        return value.lower()
    digits = re.sub(r"[\s-]", "", value)
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits


def is_mobile(value: str) -> bool:
    return bool(MOBILE_RE.match(value or ""))


def is_email(value: str) -> bool:
    return bool(EMAIL_RE.match(value or "")) and len(value) <= 254


class NoControlChars:
    """Reject invisible control characters (they corrupt logs, exports and printouts)."""

    def __call__(self, form, field):
        if isinstance(field.data, str) and has_control_chars(field.data):
            raise ValidationError(_l("Remove the invisible control characters."))


class MobileOrEmail:
    def __call__(self, form, field):
        value = normalise_login(field.data or "")
        if not (is_mobile(value) or is_email(value)):
            raise ValidationError(_l("Enter an 11-digit mainland mobile number or a valid e-mail address."))
