"""Error pages (HTML, both languages) and JSON errors under /api/; no tracebacks ever reach users."""
from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
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

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
