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
    "Not a valid date.": _l("Not a valid date."),
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
    if text.startswith("Must be one of: "):
        return _("Must be one of: %(choices)s", choices=text[len("Must be one of: "):].rstrip("."))
    if text.startswith("Must be greater than or equal to") or text.startswith("Must be less than or equal to"):
        return _("Value is outside the allowed range.")
    return text


def domain_error(error):
    """A broken business rule (``portal.domain.DomainError``) in the error envelope: 409 when the
    current state forbids the change, otherwise 422 naming the field (every problem, if it lists them)."""
    from portal.extensions import db

    db.session.rollback()
    status = 409 if error.status == 409 else 422
    problems = [str(p) for p in getattr(error, "problems", None) or [error.message]]
    field = error.field or getattr(error, "problems_field", None) or "_schema"
    return json_error(status, str(error.message), fields={field: problems}, code=error.code)


def http_error_response(error):
    """Any HTTP error under /api/ as the envelope; ``api_abort`` attaches message, fields and code."""
    from flask import Response

    status = error.code or 500
    if status < 400:  # 304 Not Modified (ETag): no body
        return Response(status=status)
    data = getattr(error, "data", None) or {}
    response = json_error(status, data.get("message"), fields=data.get("fields"), code=data.get("code"))
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    if getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def json_error(status: int, message: str | None = None, fields: dict | None = None, code: str | None = None):
    """The one error body of the API: ``{"error": {"code", "message", "fields"?}}`` (schema ``Error``)."""
    default_code, default_message = STATUS_CODES.get(status, ("error", _l("Error.")))
    body = {"error": {"code": code or default_code, "message": str(message or default_message)}}
    if fields:
        body["error"]["fields"] = _translate(fields)
    response = jsonify(body)
    response.status_code = status
    return response
