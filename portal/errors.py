"""Error pages (HTML, both languages) and JSON errors under /api/; no tracebacks ever reach users."""
from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from portal.extensions import db

logger = logging.getLogger(__name__)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(status: int, detail: str | None = None):
    if wants_json():
        from portal.api.errors import json_error

        return json_error(status, detail)
    return render_template("errors/error.html", status=status, detail=detail, block=g.get("tenant_block")), status


def throttled_form(template: str, field, seconds: int, message, **context):
    """A form refused by a rate limit: the page again (429) with ``message`` next to ``field``, and Retry-After."""
    import math

    from flask import current_app

    field.errors = [str(message)]
    response = current_app.make_response((render_template(template, **context), 429))
    response.headers["Retry-After"] = str(max(1, math.ceil(seconds)))
    return response


LOCK_CONFLICT_MARKERS = ("database is locked", "database table is locked", "could not serialize access",
                         "deadlock detected", "could not obtain lock")


def is_lock_conflict(error: sa_exc.DBAPIError) -> bool:
    """SQLite's "database is locked" (busy timeout over) or PostgreSQL's serialisation/lock failures."""
    text = str(error.orig).lower()
    return any(marker in text for marker in LOCK_CONFLICT_MARKERS)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        db.session.rollback()
        from flask_babel import gettext as _

        logger.warning("csrf rejected %s %s", request.method, request.path)
        return render_error(400, _("The form expired or did not come from this site. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.code and error.code >= 400:
            db.session.rollback()
        if error.response is not None:
            return error.response
        if wants_json():
            from portal.api.errors import http_error_response

            return http_error_response(error)
        return render_error(error.code or 500)

    @app.errorhandler(sa_exc.IntegrityError)
    @app.errorhandler(sa_exc.OperationalError)
    def _concurrent_change(error: sa_exc.DBAPIError):
        """A race lost to another request (a unique key taken meanwhile, SQLite's write lock held past
        the busy timeout, a serialisation failure): a clear 409 to try again, not a 500."""
        db.session.rollback()
        if isinstance(error, sa_exc.OperationalError) and not is_lock_conflict(error):
            return _unexpected(error)
        from flask_babel import gettext as _

        logger.warning("concurrent change refused on %s %s: %s", request.method, request.path,
                       type(error.orig).__name__)
        return render_error(409, _("Someone else changed the same data at the same moment. "
                                   "Reload the page and try again."))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
