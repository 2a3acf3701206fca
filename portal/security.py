"""Request guards: security headers, CSRF, session lifetimes, tenant status and tenant membership."""
from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Flask, abort, current_app, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from werkzeug.exceptions import Forbidden
from werkzeug.routing import IntegerConverter

from portal.extensions import csrf, db
from portal.validation import DB_INT_MAX
from tenants.models import Membership, TenantStatus

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Routes authenticated by something other than a session cookie (a signature), which therefore
# need no CSRF token. Kept as one explicit set so a test can pin it.
CSRF_EXEMPT_ENDPOINTS: frozenset[str] = frozenset({"billing_webhook.receive"})

# Endpoints that still accept POST while a tenant is read-only: signing out, and billing, since paying
# is how a lapsed tenant gets its writes back.
READ_ONLY_ALLOWED = frozenset({"auth.logout", "auth.login", "billing.pay", "billing.change_plan", "billing.cancel",
                               "billing.resume"})

# Why a tenant refuses a request: shown on the error page and as the API error's message.
TENANT_BLOCKS = {
    "suspended": _l("This tenant is suspended. Contact the platform administrator."),
    "read_only": _l("This tenant is read-only for now: pages can be read but nothing can be changed."),
    "billing_lapsed": _l("This tenant's subscription has lapsed, so it is read-only: pages, lists and exports still "
                         "work and no data has been deleted, but nothing can be changed until it is paid. The "
                         "tenant's administrator can pay on the Billing page."),
}

class DatabaseIntConverter(IntegerConverter):
    """``<int:...>`` in a URL, bounded by the database's id range.

    A larger number matches no route (a plain 404) instead of reaching the driver, which fails on
    it (SQLite: "Python int too large to convert to SQLite INTEGER") and would answer 500. Only ASCII
    digits match: werkzeug's digit class would also take full-width "１２" or Arabic-Indic "٣" as 12 and 3.
    """

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=DB_INT_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


def is_bearer_api_request() -> bool:
    """An API call authenticated by a token header alone: a browser cannot forge that cross-site."""
    auth = request.headers.get("Authorization", "")
    cookie_name = current_app.config.get("SESSION_COOKIE_NAME", "session")
    return request.path.startswith("/api/") and auth.startswith("Bearer ") and cookie_name not in request.cookies


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIntConverter  # before any blueprint adds a rule

    @app.before_request
    def _csrf_guard():
        if request.method in SAFE_METHODS or request.endpoint in CSRF_EXEMPT_ENDPOINTS:
            return
        if is_bearer_api_request():
            return
        csrf.protect()

    @app.before_request
    def _session_lifetime():
        if not current_user.is_authenticated or is_bearer_api_request():
            return
        now = int(time.time())
        login_at = session.get("login_at", 0)
        seen_at = session.get("seen_at", 0)
        idle = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
        absolute = current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
        if now - seen_at > idle or now - login_at > absolute:
            logout_user()
            session.clear()
            g.session_expired = True
            return
        if now - seen_at > 30:  # avoid rewriting the cookie on every request
            session["seen_at"] = now

    @app.before_request
    def _tenant_guards():
        tenant = g.get("tenant")
        if tenant is None:
            return
        if tenant.status == TenantStatus.SUSPENDED:
            refuse_for_tenant("suspended")
        if request.method not in SAFE_METHODS and request.endpoint not in READ_ONLY_ALLOWED:
            block = tenant_write_block(tenant)
            if block:
                refuse_for_tenant(block)
        g.memberships = load_memberships()

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Strict-Transport-Security", f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains")
        if "attachment" in headers.get("Content-Disposition", ""):
            # A download (roster export...) holds tenant data: no browser or proxy keeps a copy.
            # send_file has already set "no-cache" (revalidate, but store), so this overrides it.
            headers["Cache-Control"] = "no-store"
        elif current_user and getattr(current_user, "is_authenticated", False):
            headers.setdefault("Cache-Control", "no-store")
        return response


def tenant_write_block(tenant) -> str | None:
    """Why the tenant may not change anything now (tenants/billing/standing.py), or None."""
    from portal.db import utcnow
    from tenants.billing.gateway import billing_enabled
    from tenants.billing.models import BillingAccount
    from tenants.billing.standing import write_block

    billing_on = billing_enabled()
    account = None
    if billing_on or tenant.status == TenantStatus.READ_ONLY:
        account = db.session.scalar(sa.select(BillingAccount))  # the URL's tenant is in scope
    return write_block(tenant, account, billing_on=billing_on, now=utcnow(),
                       grace_days=current_app.config["BILLING_GRACE_DAYS"])


def refuse_for_tenant(block: str):
    """403 with the reason: the error page says it, and the API's error carries it as code and message."""
    g.tenant_block = block
    error = Forbidden()
    error.data = {"message": str(TENANT_BLOCKS[block]), "code": f"tenant_{block}"}
    raise error


def load_memberships() -> list[Membership]:
    """The signed-in user's active memberships in the current tenant (empty for anyone else)."""
    if not current_user.is_authenticated:
        return []
    return list(
        db.session.scalars(
            sa.select(Membership).where(Membership.user_id == current_user.id, Membership.is_active.is_(True))
        )
    )


def require_membership() -> list[Membership]:
    """404 unless the signed-in user belongs to the current tenant: outsiders learn nothing."""
    memberships = g.get("memberships")
    if memberships is None:
        memberships = g.memberships = load_memberships()
    if not memberships:
        abort(404)
    return memberships
