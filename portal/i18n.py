"""Locale and time-zone selection, the language switch, and local-time display."""
from __future__ import annotations

import datetime as dt
import functools
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, current_app, g, has_request_context, redirect, request, url_for
from babel import Locale
from flask_babel import get_locale

from portal.extensions import babel

LANG_COOKIE = "portal_lang"

bp = Blueprint("i18n", __name__)


@functools.lru_cache(maxsize=8)
def parsed_locale(code: str) -> Locale:
    """Babel's Locale for ``code``, parsed once per process: parsing scans Babel's locale list each
    time (about a quarter of a millisecond, twice per request), and Flask-Babel passes a Locale through."""
    return Locale.parse(code)


def select_locale() -> Locale:
    supported = current_app.config["SUPPORTED_LOCALES"]
    if not has_request_context():
        # Command-line output (flask roster …, flask checklists …) frames its messages in English;
        # PORTAL_CLI_LOCALE=zh_CN gives Chinese throughout instead.
        return parsed_locale(current_app.config.get("CLI_LOCALE", "en"))
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in supported:
        return parsed_locale(chosen)
    return parsed_locale(current_app.config["BABEL_DEFAULT_LOCALE"])


def select_timezone() -> str:
    tenant = g.get("tenant")
    if tenant is not None and tenant.time_zone:
        return tenant.time_zone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def init_babel(app: Flask) -> None:
    from portal.config import REPO_ROOT

    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(REPO_ROOT / "portal" / "translations"),
    )
    app.register_blueprint(bp)


def is_safe_next(target: str | None) -> bool:
    """Only paths on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and not any(ord(c) < 32 for c in target)


def safe_next(target: str | None, fallback: str) -> str:
    return target if is_safe_next(target) else fallback


@bp.get("/lang/<code>")
def switch_language(code: str):
    """Remember the chosen language in a cookie (no database change) and go back."""
    supported = current_app.config["SUPPORTED_LOCALES"]
    response = redirect(safe_next(request.args.get("next"), url_for("auth.index")))
    if code in supported:
        response.set_cookie(
            LANG_COOKIE,
            code,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def current_locale_code() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def to_local(value: dt.datetime | None, tz_name: str | None = None) -> dt.datetime | None:
    if value is None:
        return None
    return value.astimezone(ZoneInfo(tz_name or select_timezone()))
