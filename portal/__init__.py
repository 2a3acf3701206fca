"""Sunshine Property Portal: the application factory."""
from __future__ import annotations

import logging

from flask import Flask

from portal.config import REPO_ROOT, BaseConfig, load_config

logger = logging.getLogger(__name__)


def create_app(config: BaseConfig | str | None = None, **overrides) -> Flask:
    """Build the app: configuration, extensions, blueprints, error handlers and CLI, in that order."""
    app = Flask(
        __name__,
        template_folder=str(REPO_ROOT / "templates"),
        static_folder="static",
        instance_path=str(REPO_ROOT / "instance"),
        instance_relative_config=True,
    )
    if config is None or isinstance(config, str):
        config = load_config(config)
    config.finalise(app.instance_path)
    app.config.from_mapping(config.as_dict())
    app.config.update(overrides)
    register_logging(app)
    register_extensions(app)
    register_security(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def register_logging(app: Flask) -> None:
    from portal.logs import configure_logging

    configure_logging(app)


def register_extensions(app: Flask) -> None:
    from portal import extensions, models  # noqa: F401  (complete metadata before anything binds)
    from portal.db_setup import check_database_wall, init_engine_events
    from portal.i18n import init_babel

    extensions.db.init_app(app)
    init_engine_events(app)
    check_database_wall(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(REPO_ROOT / "migrations"), compare_type=True, render_as_batch=True)
    extensions.csrf.init_app(app)
    init_babel(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    extensions.limiter.init_app(app)
    from portal.auth import throttle

    throttle.init_app(app)
    from portal import messaging

    messaging.init_app(app)
    from portal.auth.sessions import init_login

    init_login(app)
    from portal import caching, db_stats

    caching.init_app(app)
    db_stats.init_app(app)


def register_security(app: Flask) -> None:
    from portal import public_pages, security
    from tenants import resolution

    public_pages.init_app(app)  # inside ProxyFix: it sees the scheme and client the proxy reported
    register_proxy_fix(app)
    resolution.init_app(app)
    security.init_app(app)


def register_proxy_fix(app: Flask) -> None:
    """Trust exactly PROXY_FIX_HOPS reverse proxies for the client address and scheme (0: the socket)."""
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_blueprints(app: Flask) -> None:
    from portal.api.framework import PortalApi
    from portal.api.pages import bp as api_pages_bp
    from portal.api.spec import SPEC_CONFIG
    from portal.api.views import bp as api_bp
    from portal.audit.views import bp as audit_bp
    from portal.auth import account_views, reset_views  # noqa: F401  (add their pages to the auth blueprint)
    from portal.auth.views import bp as auth_bp
    from portal.billing import platform_views  # noqa: F401  (adds the platform's billing pages to the billing blueprint)
    from portal.billing.webhook import bp as billing_webhook_bp
    from portal.dashboard.views import bp as dashboard_bp
    from portal.disclosures import public_views  # noqa: F401  (adds the public board pages to the disclosures blueprint)
    from portal.health import bp as health_bp
    from portal.members.views import bp as members_bp
    from portal.pickers.views import bp as pickers_bp
    from portal.platform.views import bp as platform_bp
    from portal.tenant_export.views import bp as tenant_export_bp
    from portal.tenant_settings.views import bp as tenant_settings_bp
    from portal.tickets import settings_views  # noqa: F401  (adds the ticket settings pages to the tickets blueprint)
    from portal.tickets import kpi_views, spot_check_views  # noqa: F401  (the ticket dashboard, spot-check calls)

    for bp in (auth_bp, dashboard_bp, members_bp, audit_bp, platform_bp, api_pages_bp, health_bp, pickers_bp,
               tenant_settings_bp, tenant_export_bp, billing_webhook_bp):
        app.register_blueprint(bp)
    from portal import monitoring

    monitoring.init_app(app)
    for key, value in SPEC_CONFIG.items():
        app.config.setdefault(key, value)
    api = PortalApi(app)  # serves the generated document at /api/v1/openapi.json
    api.register_blueprint(api_bp)
    import importlib

    for feature in ("communities", "firms", "roster", "owners", "checklists", "billing", "disclosures", "tickets", "ledger", "objections", "evaluation"):
        app.register_blueprint(importlib.import_module(f"portal.{feature}.views").bp)
        api.register_blueprint(importlib.import_module(f"portal.{feature}.api").api_bp)
    from portal.ledger.public_views import bp as ledger_public_bp

    app.register_blueprint(ledger_public_bp)


def register_errorhandlers(app: Flask) -> None:
    from portal.errors import init_app

    init_app(app)


def register_template_helpers(app: Flask) -> None:
    from portal.templating import init_app

    init_app(app)


def register_cli(app: Flask) -> None:
    from portal.cli import init_app

    init_app(app)
