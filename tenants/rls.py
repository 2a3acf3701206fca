"""PostgreSQL row-level security: the second tenant wall, held by the database itself.

The first wall is the ORM scoping in ``tenants.scoping``. This one does not trust the application:
every tenant-owned table has ``ENABLE`` + ``FORCE ROW LEVEL SECURITY`` and two policies,

* ``tenant_isolation``: a row is visible and writable only when its ``tenant_id`` equals the
  transaction-local setting ``portal.tenant_id`` (unset or empty: no rows at all);
* ``tenant_across_tenants``: the named bypass for the few legitimate cross-tenant operations,
  open only while the transaction-local setting ``portal.across_tenants`` is ``on``. Only
  ``tenants.context.across_tenants(reason)`` turns it on (through the sync below), so the database
  bypass and the application's audited cross-tenant mode are one and the same switch.

The application sets both settings itself, lazily: before a statement runs on a PostgreSQL
connection, ``_sync_tenant_settings`` compares the tenant context with what this transaction has
been told and, only when they differ, sends one ``set_config(..., true)``. A transaction therefore
costs at most one extra round trip per change of tenant context, usually one in all; nothing
outlives the transaction, so a pooled connection carries nothing to the next request.

SQLite has no row-level security: there the ORM scoping is the only wall.

Why settings and not a second database role for the bypass: cross-tenant reads happen inside the
same unit of work as ordinary ones (the tenant picker loads memberships, then shows tenants), so
they must share the session and its connection. A role switch (``SET ROLE``) would be as easy to
issue from injected SQL as a setting; neither protects against arbitrary SQL run as the
application role. What the database wall guards against is a query the application forgot to
filter — and against that it holds without exception.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from tenants.context import current_tenant_id, in_across_mode

TENANT_SETTING = "portal.tenant_id"
ACROSS_SETTING = "portal.across_tenants"
ISOLATION_POLICY = "tenant_isolation"
ACROSS_POLICY = "tenant_across_tenants"

# An unset setting reads as NULL, a reset one as '' (after a transaction that set it ended): both
# must mean "no tenant" and neither may raise a cast error.
TENANT_MATCHES = f"tenant_id = nullif(current_setting('{TENANT_SETTING}', true), '')::integer"
ACROSS_IS_ON = f"coalesce(current_setting('{ACROSS_SETTING}', true), '') = 'on'"

# What the sync last told this DBAPI connection, within the transaction now open on it.
_SENT_KEY = "portal_rls_sent"
_NOTHING_SENT = ("", "")  # what a fresh transaction holds: no tenant, no bypass
_UNKNOWN = ("?", "?")  # after a rollback to a savepoint: whatever held before it; equals nothing wanted
# Statements before which the settings must not be sent: transaction control (a setting sent just
# before ROLLBACK TO SAVEPOINT would be undone by it while we believed it in force).
_CONTROL_WORDS = ("SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "BEGIN", "SET", "RESET", "SHOW")


# --- migrations -------------------------------------------------------------------------------

def enable_tenant_rls(op, table_name: str) -> None:
    """Put ``table_name`` (a table with ``tenant_id``) behind the database wall; PostgreSQL only.

    Every migration that creates a tenant-owned table calls this for it (a test walks the models
    and fails on any tenant table without its policies).
    """
    if op.get_bind().dialect.name != "postgresql":
        return
    table = _quoted(op, table_name)
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {ISOLATION_POLICY} ON {table} FOR ALL "
               f"USING ({TENANT_MATCHES}) WITH CHECK ({TENANT_MATCHES})")
    op.execute(f"CREATE POLICY {ACROSS_POLICY} ON {table} FOR ALL "
               f"USING ({ACROSS_IS_ON}) WITH CHECK ({ACROSS_IS_ON})")


def disable_tenant_rls(op, table_name: str) -> None:
    """Undo ``enable_tenant_rls`` (the downgrade); PostgreSQL only."""
    if op.get_bind().dialect.name != "postgresql":
        return
    table = _quoted(op, table_name)
    op.execute(f"DROP POLICY IF EXISTS {ACROSS_POLICY} ON {table}")
    op.execute(f"DROP POLICY IF EXISTS {ISOLATION_POLICY} ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def _quoted(op, table_name: str) -> str:
    return op.get_bind().dialect.identifier_preparer.quote(table_name)


# --- the application sets the tenant for each transaction -----------------------------------

_installed = False


def init_engine_events() -> None:
    """Install the listeners that keep ``portal.tenant_id`` in step with the tenant context."""
    global _installed
    if _installed:
        return
    _installed = True
    event.listen(Engine, "before_cursor_execute", _sync_tenant_settings)
    # A transaction that begins or ends holds nothing; a rollback to a savepoint restores whatever
    # held before the savepoint, and a connection from the pool is not trusted: after those two the
    # next statement sends the settings whatever they are. Over-sending costs a round trip, never a leak.
    for name in ("begin", "commit", "rollback"):
        event.listen(Engine, name, _nothing_in_force)
    event.listen(Engine, "rollback_savepoint", _in_force_unknown)
    event.listen(Pool, "checkout", _unknown_on_checkout)


def wanted_settings() -> tuple[str, str]:
    """(portal.tenant_id, portal.across_tenants) for the tenant context of this moment."""
    tenant_id = current_tenant_id()
    return ("" if tenant_id is None else str(tenant_id), "on" if in_across_mode() else "")


def _sync_tenant_settings(conn, cursor, statement, parameters, context, executemany) -> None:
    if conn.dialect.name != "postgresql":
        return
    if statement.lstrip()[:9].upper().startswith(_CONTROL_WORDS):
        return
    wanted = wanted_settings()
    info = conn.info
    if info.get(_SENT_KEY, _NOTHING_SENT) == wanted:
        return
    _send_settings(conn.connection.dbapi_connection, wanted)
    info[_SENT_KEY] = wanted


def _send_settings(dbapi_connection, wanted: tuple[str, str]) -> None:
    # A cursor of its own: the statement's cursor may be a server-side one (stream_results).
    with dbapi_connection.cursor() as settings_cursor:
        settings_cursor.execute(
            f"SELECT set_config('{TENANT_SETTING}', %s, true), set_config('{ACROSS_SETTING}', %s, true)", wanted)


def _nothing_in_force(conn) -> None:
    conn.info.pop(_SENT_KEY, None)


def _in_force_unknown(conn, name, context) -> None:
    conn.info[_SENT_KEY] = _UNKNOWN


def _unknown_on_checkout(dbapi_connection, connection_record, connection_proxy) -> None:
    connection_record.info[_SENT_KEY] = _UNKNOWN


# --- the application role ---------------------------------------------------------------------

def grant_application_role(connection: sa.Connection, role: str, password: str | None = None) -> None:
    """Create (if missing) the application's login role and grant it the data, never the schema.

    Run as the owner of the tables, on PostgreSQL. Idempotent: roles are cluster-wide (created once),
    grants are per database (repeated for each). The role gets no superuser, no BYPASSRLS, no
    ownership: it is subject to every policy. ``alembic_version`` is readable only.
    """
    preparer = connection.dialect.identifier_preparer
    quoted = preparer.quote(role)
    literal = role.replace("'", "''")
    # A concurrent creator (another database of the same cluster) may win the race: that is fine.
    connection.exec_driver_sql(
        "DO $$ BEGIN "
        f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{literal}') THEN "
        f"CREATE ROLE {quoted} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; END IF; "
        "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")
    # Only a superuser may even restate these attributes, so touch them only when they are wrong.
    escapes = connection.exec_driver_sql(
        f"SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = '{literal}'").scalar_one()
    if escapes:
        connection.exec_driver_sql(f"ALTER ROLE {quoted} NOSUPERUSER NOBYPASSRLS")
    if password:
        escaped = password.replace("'", "''")
        connection.exec_driver_sql(f"ALTER ROLE {quoted} PASSWORD '{escaped}'")
    for statement in (
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {quoted}",
    ):
        connection.exec_driver_sql(statement)
    if sa.inspect(connection).has_table("alembic_version"):
        connection.exec_driver_sql(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {quoted}")


def application_role_problems(dbapi_connection, tenant_tables: set[str]) -> list[str]:
    """Why the role of this (DBAPI, PostgreSQL) connection would slip past the database wall ([] when it cannot).

    Takes the driver's connection so that it can run while the pool connects (portal/db_setup.py);
    it leaves no transaction open.
    """
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            user, superuser, bypassrls = cursor.fetchone()
            cursor.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname = ANY(%s) "
                "AND pg_has_role(current_user, c.relowner, 'MEMBER') ORDER BY c.relname",
                (sorted(tenant_tables),))
            owned = [name for (name,) in cursor.fetchall()]
    finally:
        dbapi_connection.rollback()
    problems = []
    if superuser:
        problems.append(f"role {user} is a superuser (row-level security does not apply to it)")
    if bypassrls:
        problems.append(f"role {user} has BYPASSRLS")
    if owned:
        problems.append(f"role {user} owns {', '.join(owned)} (an owner can switch the policies off)")
    return problems
