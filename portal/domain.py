"""The one error type for broken business rules, and how an HTML form shows it."""
from __future__ import annotations


class DomainError(ValueError):
    """A rule broken by a requested change. ``field`` names the form or JSON field it belongs to
    (None: the request as a whole); ``status`` is the HTTP status a JSON client gets (422 by default,
    409 for conflicts with the current state); ``code`` an optional machine-readable reason."""

    status = 422
    code: str | None = None

    def __init__(self, field: str | None, message, status: int | None = None, code: str | None = None):
        super().__init__(str(message))
        self.field = field
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


def apply_to_form(form, error: DomainError, fallback: str | None = None) -> None:
    """Show a service's error next to the field it names, else next to ``fallback`` or the first field."""
    field = getattr(form, error.field or "", None) if error.field else None
    if field is None and fallback:
        field = getattr(form, fallback, None)
    if field is None:
        field = next(f for f in form if f.name != "csrf_token")
    field.errors = list(field.errors) + [str(error.message)]
