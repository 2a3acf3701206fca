"""Migrations are the schema's source of truth: an empty database upgraded to head equals the models."""
from __future__ import annotations

import datetime as dt
import os
import secrets

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal import config as portal_config
from portal.config import REPO_ROOT, normalise_database_url
from portal.extensions import db

SERVER_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")


@pytest.fixture(scope="module")
def empty_database(tmp_path_factory):
    """The URL of a brand-new, empty database: a temp SQLite file, or a throwaway PostgreSQL database."""
    if not SERVER_URL:
        yield f"sqlite:///{tmp_path_factory.mktemp('migrations') / 'migrations.sqlite3'}"
        return
    server = sa.create_engine(normalise_database_url(SERVER_URL), isolation_level="AUTOCOMMIT")
    name = f"portal_mig_{secrets.token_hex(6)}"
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(normalise_database_url(SERVER_URL)).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


@pytest.fixture(scope="module")
def mig_app(empty_database):
    """An app (TestConfig) whose database is the empty one; nothing has been migrated yet."""
    config = portal_config.TestConfig()
    config.SQLALCHEMY_DATABASE_URI = empty_database
    application = create_app(config)
    yield application
    with application.app_context():
        db.engine.dispose()


def schema_drift(app) -> list:
    """What autogenerate would write for this database against the models (empty means no drift)."""
    with app.app_context(), db.engine.connect() as conn:
        opts = dict(app.extensions["migrate"].configure_args)
        opts.pop("process_revision_directives", None)
        context = MigrationContext.configure(conn, opts=opts)
        return compare_metadata(context, db.metadata)


def head_revision() -> str:
    from alembic.config import Config

    config = Config(str(REPO_ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision(app) -> str | None:
    with app.app_context(), db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def table_names(app) -> set[str]:
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names())


def test_empty_database_upgraded_to_head_matches_the_models(mig_app):
    assert table_names(mig_app) == set()
    with mig_app.app_context():
        upgrade()
    assert current_revision(mig_app) == head_revision()
    assert set(db.metadata.tables) <= table_names(mig_app)
    drift = schema_drift(mig_app)
    print(f"migrations backend={mig_app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]} drift={len(drift)}")
    assert drift == [], "\n".join(map(str, drift))


def test_downgrade_to_base_and_upgrade_again(mig_app):
    with mig_app.app_context():
        upgrade()
        downgrade(revision="base")
    assert table_names(mig_app) <= {"alembic_version"}
    assert current_revision(mig_app) is None
    with mig_app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            leftovers = conn.exec_driver_sql(
                "SELECT proname FROM pg_proc WHERE proname = 'audit_events_append_only'").fetchall()
        else:
            leftovers = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
        assert leftovers == []
    with mig_app.app_context():
        upgrade()
    assert current_revision(mig_app) == head_revision()
    assert schema_drift(mig_app) == []


def test_audit_log_rejects_update_and_delete_in_the_database(mig_app):
    """Even SQL that bypasses the ORM (a console, a script) cannot rewrite or erase the audit log."""
    with mig_app.app_context():
        upgrade()
        engine = db.engine
    now = dt.datetime(2026, 11, 23, 1, 0, 0)
    with engine.begin() as conn:
        tenant_id = conn.execute(
            sa.text("INSERT INTO tenants (slug, kind, name_zh, name_en, region, time_zone, status, created_at) "
                    "VALUES ('audit-t', 'bureau', '审计县', '', '', 'Asia/Shanghai', 'active', :now) RETURNING id"),
            {"now": now},
        ).scalar_one()
        event_id = conn.execute(
            sa.text("INSERT INTO audit_events (occurred_at, actor_label, action, object_type, object_id, summary, "
                    "before, after, reason, client_address, tenant_id) VALUES (:now, 'tester', 'test.raw', 't', '1', "
                    "'original summary', '', '', '', '', :tenant) RETURNING id"),
            {"now": now, "tenant": tenant_id},
        ).scalar_one()
    for statement in ("UPDATE audit_events SET summary = 'rewritten' WHERE id = :id",
                      "DELETE FROM audit_events WHERE id = :id",
                      "DELETE FROM audit_events"):
        with engine.connect() as conn:
            with pytest.raises(sa.exc.DBAPIError) as error:
                with conn.begin():
                    conn.execute(sa.text(statement), {"id": event_id})
            assert "append-only" in str(error.value)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT summary FROM audit_events WHERE id = :id"), {"id": event_id}).all()
    assert rows == [("original summary",)]


def test_migrations_run_as_the_owner_when_an_owner_url_is_set(tmp_path):
    """PORTAL_DATABASE_OWNER_URL is where `flask db upgrade` goes; the application's URL is left alone."""
    config = portal_config.TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'application.sqlite3'}"
    config.DATABASE_OWNER_URL = f"sqlite:///{tmp_path / 'owner.sqlite3'}"
    application = create_app(config)
    with application.app_context():
        upgrade()
        application_tables = set(sa.inspect(db.engine).get_table_names())
        db.engine.dispose()
    owner = sa.create_engine(config.DATABASE_OWNER_URL)
    owner_tables = set(sa.inspect(owner).get_table_names())
    owner.dispose()
    assert set(db.metadata.tables) | {"alembic_version"} <= owner_tables
    assert application_tables == set()
