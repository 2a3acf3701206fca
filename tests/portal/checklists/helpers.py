"""Shared helpers of the checklist tests: posting with the session's CSRF token, reading versions."""
from __future__ import annotations

import sqlalchemy as sa

from portal.checklists.models import ChecklistItem, ChecklistSection, ChecklistVersion, ListKind
from portal.extensions import db as _db
from tenants import across_tenants
from tests.conftest import csrf_token_for
from tests.portal.pages import in_english


def post(client, url: str, data: dict | None = None):
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token_for(client)})


def english_client(client_as, role, key="a"):
    return in_english(client_as(role, key))


def version_row(app, version_id: int) -> ChecklistVersion | None:
    with app.app_context(), across_tenants("test reads a version"):
        row = _db.session.scalar(sa.select(ChecklistVersion).where(ChecklistVersion.id == version_id))
        if row is not None:
            _db.session.expunge(row)
        _db.session.remove()
        return row


def versions_of(app, tenant_id: int, kind: ListKind) -> list[tuple[int, int, str]]:
    """(id, number, status) of a tenant's versions of ``kind``, by number."""
    with app.app_context(), across_tenants("test reads versions"):
        rows = _db.session.execute(sa.select(ChecklistVersion.id, ChecklistVersion.number, ChecklistVersion.status)
                                   .where(ChecklistVersion.tenant_id == tenant_id, ChecklistVersion.kind == kind)
                                   .order_by(ChecklistVersion.number)).all()
        _db.session.remove()
        return [(r[0], r[1], r[2].value) for r in rows]


def section_ids(app, version_id: int) -> list[int]:
    with app.app_context(), across_tenants("test reads sections"):
        ids = list(_db.session.scalars(sa.select(ChecklistSection.id).where(ChecklistSection.version_id == version_id)
                                       .order_by(ChecklistSection.position)))
        _db.session.remove()
        return ids


def first_item_id(app, section_id: int) -> int:
    with app.app_context(), across_tenants("test reads items"):
        item_id = _db.session.scalar(sa.select(ChecklistItem.id).where(ChecklistItem.section_id == section_id)
                                     .order_by(ChecklistItem.position))
        _db.session.remove()
        return item_id
