"""Resolve the tenant from the URL prefix ``/t/<tenant_slug>/`` — the only place it is resolved."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, abort, g

from portal.extensions import db
from tenants.context import reset_scope, set_scope
from tenants.models import Tenant

SLUG_ARG = "tenant_slug"


def load_tenant(slug: str) -> Tenant | None:
    return db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug, Tenant.deleted_at.is_(None)))


def init_app(app: Flask) -> None:
    """Install the URL processors that move ``tenant_slug`` into the tenant context and back."""

    @app.url_value_preprocessor
    def _pull_tenant(endpoint, values):
        if not values or SLUG_ARG not in values:
            return
        slug = values.pop(SLUG_ARG)
        tenant = load_tenant(slug)
        if tenant is None:
            abort(404)
        g.tenant = tenant
        g._tenant_scope_token = set_scope(tenant)

    @app.url_defaults
    def _add_tenant(endpoint, values):
        if SLUG_ARG in values:
            return
        tenant = g.get("tenant")
        if tenant is not None and app.url_map.is_endpoint_expecting(endpoint, SLUG_ARG):
            values[SLUG_ARG] = tenant.slug

    @app.teardown_request
    def _leave_tenant(exc):
        token = g.pop("_tenant_scope_token", None)
        if token is not None:
            reset_scope(token)
