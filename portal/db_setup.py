"""Engine-level settings: SQLite gets WAL, a busy timeout, foreign keys and real transactions (savepoints,
BEGIN IMMEDIATE for requests that write); PostgreSQL gets the tenant of each transaction (row-level
security, see tenants/rls.py)."""
from __future__ import annotations

import logging
import sqlite3

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tenants import rls

logger = logging.getLogger(__name__)
_installed = False


def init_engine_events(app: Flask) -> None:
    global _installed
    if _installed:
        return
    _installed = True
    rls.init_engine_events()

    @event.listens_for(Engine, "connect")
    def _sqlite_on_connect(dbapi_connection, connection_record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's documented fix
            # is to turn it off and emit BEGIN ourselves (below).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    @event.listens_for(Engine, "begin")
    def _sqlite_begin(conn):
        if conn.dialect.name == "sqlite":
            mode = conn.get_execution_options().get("sqlite_begin", "") or _request_begin_mode()
            conn.exec_driver_sql(f"BEGIN {mode}".strip() if mode in ("", "IMMEDIATE") else "BEGIN")


def _request_begin_mode() -> str:
    """IMMEDIATE for requests that may write (POST, PUT, PATCH, DELETE).

    A deferred transaction that read first and then tries to write, after another connection has
    committed, fails at once with "database is locked" (WAL's snapshot rule: the busy timeout does not
    help). Taking the write lock at BEGIN makes writers queue for it within the busy timeout instead,
    so six people registering with one claim code get one success and five "code already used".
    """
    if has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS"):
        return "IMMEDIATE"
    return ""


def check_database_wall(app: Flask) -> None:
    """On PostgreSQL, the application's role must be one that row-level security applies to.

    Checked when the pool opens its first connection (nothing queries at start-up): production
    refuses every connection of a superuser, a BYPASSRLS role or the tables' owner until the
    configuration is fixed; other environments say so loudly. Tests check their role themselves
    (tests/tenants/test_rls.py).
    """
    from portal.extensions import db

    if app.testing or not str(app.config.get("SQLALCHEMY_DATABASE_URI") or "").startswith("postgresql"):
        return
    production = app.config.get("ENV_NAME") == "production"
    with app.app_context():
        engine = db.engine

    def _check_role(dbapi_connection, connection_record):
        from portal.config import ConfigError
        from tenants.scoping import tenant_table_names

        problems = rls.application_role_problems(dbapi_connection, tenant_table_names(db.metadata))
        if not problems:
            return
        message = ("PORTAL_DATABASE_URL must name a role that row-level security applies to: " + "; ".join(problems)
                   + ". Migrations use PORTAL_DATABASE_OWNER_URL; see README.md, Security.")
        logger.error("SECOND TENANT WALL OFF: %s", message)
        if production:
            raise ConfigError(message)

    event.listen(engine, "first_connect", _check_role)
