"""Logging with the tenant and request in every line, control characters escaped."""
from __future__ import annotations

import logging
import uuid

from flask import Flask, g, has_request_context, request

from tenants.context import current_tenant_id


def _escape(text: str) -> str:
    return "".join(ch if ch >= " " or ch == "\t" else f"\\x{ord(ch):02x}" for ch in text).replace("\x7f", "\\x7f")


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.tenant_id = current_tenant_id() or "-"
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        # Log injection: a user-supplied value with a newline cannot forge a second line.
        if isinstance(record.msg, str):
            record.msg = _escape(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_escape(a) if isinstance(a, str) else a for a in record.args)
        return True


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [t=%(tenant_id)s req=%(request_id)s] %(name)s: %(message)s")
    )
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger("portal")
    if not any(isinstance(h.filters[0] if h.filters else None, RequestContextFilter) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    logging.getLogger("tenants").handlers = root.handlers

    @app.before_request
    def _request_id():
        g.request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex[:16]
