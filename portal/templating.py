"""Template globals and filters: current tenant, locale, local times, money in fen."""
from __future__ import annotations

from flask import Flask, g, request
from flask_babel import format_datetime

from portal.i18n import current_locale_code, to_local
from portal.money import yuan
from portal.vocabulary import vocabulary_for


def format_fen(value: int | None) -> str:
    """Integer fen as yuan with two decimals and thousands separators; nothing for no value."""
    return "" if value is None else yuan(value)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["fen"] = format_fen
    app.jinja_env.filters["localtime"] = lambda value, fmt="yyyy-MM-dd HH:mm": format_datetime(value, fmt) if value else ""
    app.jinja_env.globals["to_local"] = to_local
    app.jinja_env.filters["reject_page"] = lambda args: {k: v for k, v in args.items() if k != "page"}

    app.jinja_env.globals["has_endpoint"] = lambda endpoint: endpoint in app.view_functions

    @app.context_processor
    def _globals():
        tenant = g.get("tenant")
        locale = current_locale_code()
        return {
            "current_tenant": tenant,
            "locale_code": locale,
            "html_lang": "zh-CN" if locale.startswith("zh") else "en",
            "tenant_name": tenant.display_name(locale) if tenant is not None else None,
            "request_path": request.full_path.rstrip("?") if request else "/",
            "memberships": g.get("memberships", []),
            "vocab": vocabulary_for(tenant.kind if tenant is not None else "bureau"),
        }
