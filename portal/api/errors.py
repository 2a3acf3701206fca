"""JSON errors for the API: a code, a message in the user's language, and per-field messages."""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# marshmallow's built-in messages, listed so the translation catalogue carries them.
MARSHMALLOW_MESSAGES = {
    "Missing data for required field.": _l("Missing data for required field."),
    "Unknown field.": _l("Unknown field."),
    "Field may not be null.": _l("Field may not be null."),
    "Not a valid string.": _l("Not a valid string."),
    "Not a valid integer.": _l("Not a valid integer."),
    "Not a valid boolean.": _l("Not a valid boolean."),
    "Not a valid number.": _l("Not a valid number."),
    "Not a valid datetime.": _l("Not a valid datetime."),
    "Invalid input type.": _l("Invalid input type."),
    "Invalid value.": _l("Invalid value."),
    "Not a valid mapping type.": _l("Not a valid mapping type."),
    "Not a valid list.": _l("Not a valid list."),
}

STATUS_CODES = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: ("unauthorized", _l("Authentication required.")),
    403: ("forbidden", _l("You are not allowed to do this.")),
    404: ("not_found", _l("Not found.")),
    405: ("method_not_allowed", _l("This method is not allowed here.")),
    409: ("conflict", _l("This conflicts with the current state.")),
    413: ("too_large", _l("The request is too large.")),
    415: ("unsupported_media_type", _l("Send JSON with Content-Type: application/json.")),
    422: ("invalid", _l("Some fields are not valid.")),
    429: ("rate_limited", _l("Too many requests; slow down.")),
    500: ("server_error", _l("Something went wrong on our side.")),
}


def _translate(messages):
    if isinstance(messages, dict):
        return {key: _translate(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [_translate(m) for m in messages]
    text = str(messages)
    if text in MARSHMALLOW_MESSAGES:
        return str(MARSHMALLOW_MESSAGES[text])
    if text.startswith("Length must be between") or text.startswith("Longer than maximum length") or text.startswith("Shorter than minimum length"):
        return _("Length is outside the allowed range.")
    if text.startswith("Must be greater than or equal to") or text.startswith("Must be less than or equal to"):
        return _("Value is outside the allowed range.")
    return text


def domain_error(error):
    """A broken business rule as JSON: 422 (or the error's own status, e.g. 409) naming the field."""
    from portal.extensions import db

    db.session.rollback()
    status = error.status if error.status in (409, 422) else 422
    return json_error(status, str(error.message) if status == 409 else None,
                      fields={error.field or "_schema": [str(error.message)]}, code=error.code)


def json_error(status: int, message: str | None = None, fields: dict | None = None, code: str | None = None):
    default_code, default_message = STATUS_CODES.get(status, ("error", _l("Error.")))
    body = {"error": {"code": code or default_code, "message": str(message or default_message)}}
    if fields:
        body["error"]["fields"] = _translate(fields)
    response = jsonify(body)
    response.status_code = status
    return response
