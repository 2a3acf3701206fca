"""Automatic, fail-closed tenant scoping for every tenant-owned model.

Three walls, all in this module:

* ``do_orm_execute`` adds ``tenant_id = <current tenant>`` to every ORM SELECT, UPDATE and DELETE
  (joins, subqueries and relationship loads included). With no tenant in context a statement that
  touches a tenant-owned table raises ``TenantContextMissing`` instead of returning every tenant.
* ``before_flush`` stamps new rows with the current tenant and refuses to write a row that belongs
  to another tenant.
* ``tenant_sql`` is the one door for raw SQL on tenant tables; it requires the tenant and binds it.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria
from sqlalchemy.sql.util import find_tables

from tenants.context import (
    CrossTenantWrite,
    TenantContextMissing,
    current_tenant_id,
    in_across_mode,
)


class TenantScoped:
    """Mixin for every table owned by one tenant: ``tenant_id NOT NULL``, indexed, auto-scoped."""

    __tenant_scoped__ = True

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(
            sa.ForeignKey("tenants.id", ondelete="RESTRICT"), nullable=False, index=True
        )


def tenant_table_names(metadata: sa.MetaData) -> set[str]:
    """Names of the tables that carry a tenant_id (the ones the scoping guards)."""
    return {name for name, table in metadata.tables.items() if "tenant_id" in table.c}


def _scoped_tables(session: Session) -> frozenset:
    tables = session.info.get("_tenant_tables")
    if tables is None:
        tables = frozenset(
            mapper.local_table
            for mapper in _registry_mappers(session)
            if issubclass(mapper.class_, TenantScoped)
        )
        session.info["_tenant_tables"] = tables
    return tables


def _registry_mappers(session: Session):
    from portal.db import Base  # the one registry every model lives in

    return Base.registry.mappers


# Test-only: True makes _scope_statement a no-op in an app with TESTING on, so a test can prove
# that the database's row-level security (tenants/rls.py) holds on its own. Anywhere else the
# flag is ignored.
ORM_SCOPING_OFF_FOR_TESTS = False


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state) -> None:
    if ORM_SCOPING_OFF_FOR_TESTS and has_app_context() and current_app.testing:
        return
    if state.is_insert:
        _check_bulk_insert(state)
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    tenant_id = current_tenant_id()
    if tenant_id is not None:
        # Loader criteria reach ORM entities only: a tenant table used as a plain Table
        # (select(Firm.__table__), a join to Unit.__table__) would run unfiltered, so refuse it.
        names = _core_only_scoped_tables(state)
        if names:
            raise TenantContextMissing(
                f"tenant-owned table(s) {names} used as plain Core tables get no tenant filter; "
                "use the ORM entities or tenant_sql"
            )
        state.statement = state.statement.options(
            with_loader_criteria(
                TenantScoped,
                lambda cls: cls.tenant_id == tenant_id,
                include_aliases=True,
                track_closure_variables=True,
            )
        )
        return
    if in_across_mode():
        return
    names = _scoped_table_names(state)
    if names:
        raise TenantContextMissing(f"query on tenant-owned table(s) {names} with no tenant in context")
    # Relationship joins (select(User).join(User.memberships)) and joined eager loads are not
    # visible in the statement itself; a criterion whose bound value raises catches them when
    # the ORM adds a tenant-owned entity to the SQL.
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == _NO_TENANT, include_aliases=True)
    )


def _check_bulk_insert(state) -> None:
    """ORM bulk INSERT (``session.execute(insert(Model), rows)``) skips before_flush: check every row here."""
    table = getattr(state.statement, "table", None)
    if table is None or table not in _scoped_tables(state.session):
        return
    tenant_id = current_tenant_id()
    if tenant_id is None and not in_across_mode():
        raise TenantContextMissing(f"bulk insert into {table.name} with no tenant in context")
    rows = state.parameters
    if rows is None:
        raise CrossTenantWrite(f"bulk insert into {table.name} must pass its rows as parameters (each with tenant_id)")
    for row in rows if isinstance(rows, (list, tuple)) else [rows]:
        row_tenant = row.get("tenant_id")
        if row_tenant is None or (tenant_id is not None and row_tenant != tenant_id):
            raise CrossTenantWrite(f"bulk insert into {table.name}: every row needs tenant_id={tenant_id}")


def _refuse_without_tenant():
    raise TenantContextMissing("relationship join or eager load of a tenant-owned table with no tenant in context")


_NO_TENANT = sa.bindparam("no_tenant_in_context", callable_=_refuse_without_tenant, type_=sa.Integer)


@event.listens_for(Engine, "handle_error")
def _unwrap_tenant_errors(context):
    # Raised while binding parameters, the error would reach callers wrapped in StatementError.
    if isinstance(context.original_exception, TenantContextMissing):
        return TenantContextMissing(str(context.original_exception))
    return None


def _core_only_scoped_tables(state) -> str:
    """Tenant-owned tables that the statement reaches only as Core tables, never through an ORM entity."""
    scoped = _scoped_tables(state.session)
    seen, via_orm = set(), set()
    for element in _walk(state.statement):
        # Each FROM (a table, or one alias of it) gets the filter only if the ORM knows it.
        source = element.table if isinstance(element, sa.ColumnClause) else element
        table = source.element if isinstance(source, sa.Alias) else source
        if not isinstance(table, sa.Table) or table not in scoped:
            continue
        seen.add(source)
        annotations = getattr(element, "_annotations", {})
        if "parententity" in annotations or "parentmapper" in annotations:
            via_orm.add(source)
    return ", ".join(sorted({getattr(s, "name", str(s)) for s in seen - via_orm}))


def _walk(statement):
    """Every element of ``statement``, without descending from an alias into the table it names."""
    stack, visited = [statement], set()
    while stack:
        element = stack.pop()
        if id(element) in visited:
            continue
        visited.add(id(element))
        yield element
        if isinstance(element, sa.Alias) and isinstance(element.element, sa.Table):
            continue  # the alias is the FROM; its table is not a second one
        stack.extend(element.get_children())


def _scoped_table_names(state) -> str:
    """Comma-separated names of the tenant-owned tables the statement touches ('' if none)."""
    touched = set(find_tables(state.statement, include_joins=True, include_aliases=True, include_crud=True))
    scoped = _scoped_tables(state.session)
    hits = [t for t in touched if getattr(t, "element", t) in scoped or t in scoped]
    return ", ".join(sorted({getattr(t, "name", str(t)) for t in hits}))


@event.listens_for(Session, "before_flush")
def _guard_writes(session: Session, flush_context, instances) -> None:
    tenant_id = current_tenant_id()
    across = in_across_mode()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise TenantContextMissing(f"new {type(obj).__name__} with no tenant in context")
            obj.tenant_id = tenant_id
        elif tenant_id is not None and obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"new {type(obj).__name__} for tenant {obj.tenant_id} while acting for {tenant_id}")
        elif tenant_id is None and not across:
            raise TenantContextMissing(f"new {type(obj).__name__} with no tenant in context")
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        history = sa.inspect(obj).attrs.tenant_id.history
        if history.deleted and history.added and history.deleted[0] != history.added[0]:
            raise CrossTenantWrite(f"{type(obj).__name__} may not move to another tenant")
        if tenant_id is None:
            if not across:
                raise TenantContextMissing(f"change to {type(obj).__name__} with no tenant in context")
        elif obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"{type(obj).__name__} of tenant {obj.tenant_id} changed while acting for {tenant_id}")


_TENANT_PARAM = re.compile(r":tenant_id\b")


def tenant_sql(session: Session, sql: str, /, **params):
    """Run raw SQL that touches tenant tables; the statement must filter on ``:tenant_id``.

    This is the only place in the code base allowed to call ``text()``; a test enforces that.
    """
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise TenantContextMissing("raw SQL on tenant tables needs a tenant in context")
    if not _TENANT_PARAM.search(sql):
        raise ValueError("raw SQL on tenant tables must filter on :tenant_id")
    if "tenant_id" in params:
        raise ValueError("tenant_id is bound from the context, not passed in")
    return session.execute(sa.text(sql), {**params, "tenant_id": tenant_id})
