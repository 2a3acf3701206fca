"""The tenant's public home page figures, cached: one visit costs no count over a city's 1.5 M units.

The counts are kept in the shared cache (portal/caching.py) per tenant for ``PUBLIC_CACHE_SECONDS``
and dropped as soon as a change to what they count (streets, communities, firms, units) is committed
in this process — or in any process with Redis; without Redis another worker's copy lives out its
short lifetime. Bulk INSERT/UPDATE/DELETE statements (roster imports) are noticed as well as flushed
objects. The same commits, and any change to a tenant (its name, its status), empty this process's
public-page cache (portal/public_pages.py).
"""
from __future__ import annotations

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal import caching
from portal.communities.models import Area, Community, Unit
from portal.firms.models import Firm
from portal.public_pages import clear_page_cache
from tenants.context import current_tenant_id
from tenants.models import Tenant

COUNTED = (Area, Community, Firm, Unit)
_COUNTED_TABLES = frozenset(model.__table__ for model in COUNTED)
_PENDING = "public_counts_changed"
_PAGES = "public_pages_changed"


def counts_key(tenant_id: int) -> str:
    return f"public-counts:{tenant_id}"


def public_counts(tenant_id: int) -> dict[str, int]:
    """The tenant's registry figures for anyone to read (cached; see the module's docstring)."""
    from portal.dashboard.services import tenant_counts

    return caching.get_or_compute(counts_key(tenant_id), tenant_counts)


def forget_counts(tenant_id: int) -> None:
    caching.delete(counts_key(tenant_id))


def _mark(session: Session, tenant_id: int | None) -> None:
    if tenant_id is not None:
        session.info.setdefault(_PENDING, set()).add(tenant_id)


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, flush_context) -> None:
    for obj in list(session.new) + list(session.deleted):
        if isinstance(obj, COUNTED):
            _mark(session, obj.tenant_id)
    if any(isinstance(obj, Tenant) for obj in list(session.new) + list(session.dirty) + list(session.deleted)):
        session.info[_PAGES] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is None or table not in _COUNTED_TABLES:
        return
    rows = state.parameters
    if state.is_insert and rows:
        for row in rows if isinstance(rows, (list, tuple)) else [rows]:
            _mark(state.session, row.get("tenant_id"))
    else:
        _mark(state.session, current_tenant_id())


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    changed = session.info.pop(_PENDING, ())
    for tenant_id in changed:
        forget_counts(tenant_id)
    if (session.info.pop(_PAGES, False) or changed) and has_app_context():
        clear_page_cache()


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_PAGES, None)



