"""The second tenant wall: PostgreSQL row-level security holds even where the application's wall is off.

PostgreSQL only: SQLite has no row-level security (README, Security), so these tests skip there.
"""
from __future__ import annotations

import contextlib
import types

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.config import ConfigError, ProductionConfig
from portal.extensions import db as _db
from portal.firms.models import Firm
from tenants import across_tenants, rls, scoping, tenant_scope
from tenants.roles import Role
from tenants.scoping import tenant_table_names
from tests.conftest import APP_ROLE, BACKEND, database_urls
from tests.factories import World
from tests.tenants.test_isolation_walk import walk_as_tenant_b

pytestmark = pytest.mark.skipif(
    BACKEND != "postgresql", reason="row-level security is PostgreSQL's; SQLite keeps the application wall only")


def tenant_tables() -> list[str]:
    return sorted(tenant_table_names(_db.metadata))


@pytest.fixture
def conn(app_ctx):
    """The application's own connection (its role, inside the test's rolled-back transaction)."""
    return _db.session.connection()


@contextlib.contextmanager
def orm_scoping_off():
    """Switch off the application wall (the ORM criteria of tenants/scoping.py) for the block."""
    scoping.ORM_SCOPING_OFF_FOR_TESTS = True
    try:
        yield
    finally:
        scoping.ORM_SCOPING_OFF_FOR_TESTS = False


def test_every_tenant_table_has_row_level_security_and_its_policies(conn):
    """A new tenant table whose migration forgets enable_tenant_rls fails here."""
    flags = dict((name, (enabled, forced)) for name, enabled, forced in conn.exec_driver_sql(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"))
    policies = {(table, name): (cmd, qual, check) for table, name, cmd, qual, check in conn.exec_driver_sql(
        "SELECT tablename, policyname, cmd, qual, with_check FROM pg_policies WHERE schemaname = current_schema()")}
    problems = []
    for table in tenant_tables():
        if flags.get(table) != (True, True):
            problems.append(f"{table}: row-level security enabled+forced is {flags.get(table)}, expected (True, True)")
        isolation = policies.get((table, rls.ISOLATION_POLICY))
        if isolation is None or isolation[0] != "ALL" or not all(
                "current_setting('portal.tenant_id'" in (clause or "") and "tenant_id =" in clause
                for clause in isolation[1:]):
            problems.append(f"{table}: policy {rls.ISOLATION_POLICY} missing or not on tenant_id (reads and writes)")
        across = policies.get((table, rls.ACROSS_POLICY))
        if across is None or not all("portal.across_tenants" in (clause or "") for clause in across[1:]):
            problems.append(f"{table}: policy {rls.ACROSS_POLICY} missing")
    # Tables of no tenant (users, tenants) stay outside: a policy there would hide every row.
    others = sorted(t for t, (enabled, _forced) in flags.items() if enabled and t not in tenant_table_names(_db.metadata))
    assert not problems, "\n".join(problems)
    assert others == []
    print(f"\nrls_tables tenant_tables={len(tenant_tables())} with_policies={len(tenant_tables()) - len(problems)}")


def test_the_application_role_is_neither_superuser_nor_owner_nor_bypassrls(conn):
    row = conn.exec_driver_sql(
        "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").one()
    assert (row.current_user, row.rolsuper, row.rolbypassrls) == (APP_ROLE, False, False)
    owners = set(conn.exec_driver_sql(
        "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relname = ANY(%(names)s)",
        {"names": tenant_tables()}).scalars())
    assert owners and APP_ROLE not in owners


def production_app(database_url: str):
    config = ProductionConfig()
    config.SECRET_KEY, config.SQLALCHEMY_DATABASE_URI = "s" * 40, database_url
    return create_app(config)


def test_production_refuses_a_role_that_escapes_row_level_security(app):
    """The migrations' owner (a superuser here) as PORTAL_DATABASE_URL: production will not use it."""
    application_url, owner_url = database_urls()
    for url, refused in ((owner_url, True), (application_url, False)):
        production = production_app(url)
        with production.app_context():
            try:
                if refused:
                    with pytest.raises(ConfigError, match=r"superuser.*owns api_tokens"):
                        _db.engine.connect()
                else:
                    with _db.engine.connect() as connection:
                        assert connection.exec_driver_sql("SELECT current_user").scalar_one() == APP_ROLE
            finally:
                _db.engine.dispose()


def test_raw_sql_without_a_tenant_sees_no_rows_and_with_a_tenant_only_its_own(conn, world: World):
    with across_tenants("test: the rows exist"):
        totals = {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in tenant_tables()}
        firm_tenants = set(conn.exec_driver_sql("SELECT tenant_id FROM firms").scalars())
    assert firm_tenants >= {world.a.tenant_id, world.b.tenant_id}
    assert sum(1 for count in totals.values() if count) >= 12, totals

    assert conn.exec_driver_sql("SELECT * FROM firms").all() == []
    seen_without_tenant = {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in tenant_tables()}
    assert seen_without_tenant == dict.fromkeys(tenant_tables(), 0)

    with tenant_scope(types.SimpleNamespace(id=world.a.tenant_id)):
        rows = conn.exec_driver_sql("SELECT * FROM firms").mappings().all()
        for table in tenant_tables():
            assert set(conn.exec_driver_sql(f"SELECT tenant_id FROM {table}").scalars()) <= {world.a.tenant_id}
    assert rows and {r["tenant_id"] for r in rows} == {world.a.tenant_id}


def test_the_database_refuses_to_write_another_tenants_rows(conn, world: World):
    insert_b = ("INSERT INTO areas (tenant_id, kind, name, created_at) "
                f"VALUES ({world.b.tenant_id}, 'street', 'intruder street', now())")
    with tenant_scope(types.SimpleNamespace(id=world.a.tenant_id)):
        with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
            with conn.begin_nested():
                conn.exec_driver_sql(insert_b)
        changed = conn.exec_driver_sql(
            f"UPDATE firms SET name = 'taken' WHERE tenant_id = {world.b.tenant_id}").rowcount
        deleted = conn.exec_driver_sql(f"DELETE FROM api_tokens WHERE tenant_id = {world.b.tenant_id}").rowcount
        # Moving one of A's own rows to B is a write B's policy refuses as well.
        with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
            with conn.begin_nested():
                conn.exec_driver_sql(f"UPDATE firms SET tenant_id = {world.b.tenant_id} WHERE id = {world.a.firm_id}")
    assert (changed, deleted) == (0, 0)
    with across_tenants("test: B unchanged"):
        names_b = set(conn.exec_driver_sql(f"SELECT name FROM firms WHERE tenant_id = {world.b.tenant_id}").scalars())
    assert names_b and "taken" not in names_b


def setting(conn) -> str:
    return conn.exec_driver_sql("SELECT current_setting('portal.tenant_id', true)").scalar_one() or ""


def test_the_tenant_follows_the_context_and_survives_a_rolled_back_savepoint(conn):
    a, b = types.SimpleNamespace(id=101), types.SimpleNamespace(id=202)
    with tenant_scope(a):
        assert setting(conn) == "101"
        with tenant_scope(b):
            assert setting(conn) == "202"
            savepoint = conn.begin_nested()
            with tenant_scope(a):
                assert setting(conn) == "101"  # set inside the savepoint...
            savepoint.rollback()  # ...and undone by its rollback: the next statement sets B again
            assert setting(conn) == "202"
        assert setting(conn) == "101"
        conn.begin_nested().rollback()  # rolled back to what held before it (A), while...
    assert setting(conn) == ""  # ...the context now has no tenant: it is sent again
    with across_tenants("test: bypass setting"):
        assert conn.exec_driver_sql("SELECT current_setting('portal.across_tenants', true)").scalar_one() == "on"
    assert conn.exec_driver_sql("SELECT current_setting('portal.across_tenants', true)").scalar_one() == ""


def test_nothing_outlives_the_transaction_on_a_pooled_connection(app):
    """A request's tenant must not reach the next request that gets the same pooled connection."""
    application_url, _owner_url = database_urls()
    engine = sa.create_engine(application_url, pool_size=1, max_overflow=0)
    try:
        with tenant_scope(types.SimpleNamespace(id=303)):
            with engine.begin() as connection:
                assert setting(connection) == "303"
                first = connection.connection.dbapi_connection
        with engine.begin() as connection:
            assert connection.connection.dbapi_connection is first  # the same pooled connection
            assert setting(connection) == ""
            assert connection.exec_driver_sql("SELECT count(*) FROM firms").scalar_one() == 0
    finally:
        engine.dispose()


def test_a_request_sends_its_tenant_once_not_per_statement(app, world: World, client_as, monkeypatch):
    client = client_as(Role.BUREAU_ADMIN, "a")
    sent, statements = [], []
    real_send = rls._send_settings
    monkeypatch.setattr(rls, "_send_settings", lambda dbapi, wanted: (sent.append(wanted), real_send(dbapi, wanted)))

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = _db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(f"/t/{world.a.slug}/communities/")
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200 and world.a.sentinel in response.text
    assert sent == [(str(world.a.tenant_id), "")]
    assert len(statements) >= 4, statements


def test_the_switch_really_turns_the_application_wall_off(app_ctx, world: World):
    """Control for the proof below: with the switch on, the ORM adds no tenant filter; the database alone filters."""
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = _db.engine
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        query = sa.select(Firm).where(Firm.id == world.a.firm_id)
        with tenant_scope(types.SimpleNamespace(id=world.b.tenant_id)):
            with orm_scoping_off():
                assert _db.session.scalars(query).all() == []
            unscoped = statements[-1]
            assert _db.session.scalars(query).all() == []
            scoped = statements[-1]
        with orm_scoping_off():
            assert _db.session.scalars(sa.select(Firm)).all() == []  # no tenant: no error, no rows
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    assert unscoped.count("tenant_id") < scoped.count("tenant_id"), (unscoped, scoped)


def test_with_the_application_wall_off_the_database_alone_keeps_tenant_b_out(app, world: World, record_property):
    """The proof: the whole isolation walk, ORM scoping switched off, still finds 0 leaks."""
    with orm_scoping_off():
        walk_as_tenant_b(app, world, record_property, label="rls_only=1 ")
