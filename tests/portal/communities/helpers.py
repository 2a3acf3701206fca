"""Helpers shared by the registry tests: reading rows and audit events of one tenant."""
from __future__ import annotations

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.extensions import db
from tenants import tenant_scope
from tenants.models import Tenant


def rows(app, world, model, key: str = "a", *where) -> list:
    """Rows of ``model`` in tenant ``key`` (detached, attributes loaded)."""
    with app.app_context():
        tenant = db.session.get(Tenant, world[key].tenant_id)
        with tenant_scope(tenant):
            found = db.session.scalars(sa.select(model).where(*where).order_by(model.id)).unique().all()
            db.session.expunge_all()
            return found


def audit_events(app, world, action: str, key: str = "a") -> list[AuditEvent]:
    return rows(app, world, AuditEvent, key, AuditEvent.action == action)


def post(client, url: str, data: dict, token_page: str | None = None):
    from tests.conftest import csrf_token_for

    token = csrf_token_for(client, token_page or url)
    return client.post(url, data={**{k: "" if v is None else str(v) for k, v in data.items()}, "csrf_token": token})
