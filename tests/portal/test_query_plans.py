"""Per-community pages never walk the units table: their SQL, explained, uses the parent indexes.

A city tenant (the benchmark's shape, scaled down to tens of thousands of units) is built in a
database of its own beside a small tenant, the planner statistics are gathered (ANALYZE), and the
pages a bureau administrator opens for one community — its detail page with the unit counts, its
claim codes and a building's codes, its unit list and the API's — are requested through the app.
Every SELECT they send that reads ``units`` is explained on the same connection, in the same
transaction and tenant, with the same parameters. A sequential scan of ``units`` (PostgreSQL), a
``SCAN units`` (SQLite), or an index on tenant_id alone (every unit of the city) fails the test.
"""
from __future__ import annotations

import json
import secrets
import tempfile

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.config import TestConfig, normalise_database_url
from portal.db_stats import refresh_statistics
from portal.demo.city import CityShape, build_city
from portal.extensions import db as _db
from tests.conftest import APP_ROLE, APP_ROLE_PASSWORD, BACKEND, database_urls, login
from tests.factories import PASSWORD

SHAPE = CityShape(units=24_000, communities=120, streets=6, offices_per_street=2, firms=12)
TENANT_INDEX = "ix_units_tenant_id"


@pytest.fixture(scope="module")
def city_app():
    """An app on a database of its own holding a city tenant and a small one, with statistics gathered."""
    instance = tempfile.mkdtemp(prefix="portal-plans-")
    config = TestConfig()
    _application_url, owner_url = database_urls()
    dropper = None
    if BACKEND == "postgresql":
        name = f"portal_plans_{secrets.token_hex(5)}"
        dropper = sa.create_engine(owner_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with dropper.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        owner = sa.make_url(owner_url).set(database=name)
        config.DATABASE_OWNER_URL = owner.render_as_string(hide_password=False)
        config.SQLALCHEMY_DATABASE_URI = owner.set(username=APP_ROLE, password=APP_ROLE_PASSWORD).render_as_string(
            hide_password=False)
    else:
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{instance}/plans.sqlite3"
    config.finalise(instance)
    app = create_app(config)
    app.instance_path = instance
    try:
        with app.app_context():
            upgrade()
            if BACKEND == "postgresql":
                from tenants.rls import grant_application_role

                owner_engine = sa.create_engine(normalise_database_url(config.DATABASE_OWNER_URL), poolclass=sa.pool.NullPool)
                with owner_engine.begin() as conn:
                    grant_application_role(conn, APP_ROLE, APP_ROLE_PASSWORD)
            city = build_city(shape=SHAPE, admin_password=PASSWORD)
            build_city(slug="town", shape=CityShape(units=600, communities=6, streets=1, offices_per_street=1, firms=2),
                       admin_login="13700000002", admin_password=PASSWORD, name_zh="小镇住建局")
            _db.session.commit()
            if BACKEND == "postgresql":  # the application role may not ANALYZE: the owner does
                with owner_engine.begin() as conn:
                    refresh_statistics(conn)
                owner_engine.dispose()
            else:
                with _db.engine.begin() as conn:
                    assert "units" in refresh_statistics(conn)
            _db.session.remove()
        yield app, city
    finally:
        with app.app_context():
            _db.engine.dispose()
        if dropper is not None:
            with dropper.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            dropper.dispose()


def _plan_problems_postgresql(cursor, statement, parameters) -> list[str]:
    cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
    raw = cursor.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    problems, stack, read = [], [plan], False
    while stack:
        node = stack.pop()
        stack.extend(node.get("Plans", []))
        if node.get("Relation Name") != "units":
            continue
        read = True
        if "Seq Scan" in node["Node Type"]:
            problems.append(f"{node['Node Type']} on units")
        if node.get("Index Name") == TENANT_INDEX:
            problems.append(f"{node['Node Type']} using {TENANT_INDEX} (every unit of the tenant)")
    return problems if read else ["no plan node reads units (is the plan read right?)"]


def _plan_problems_sqlite(cursor, statement, parameters) -> list[str]:
    cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
    problems, read = [], False
    for row in cursor.fetchall():
        detail = row[-1]
        words = detail.split()
        read = read or words[1:2] == ["units"]
        if len(words) >= 2 and words[0] == "SCAN" and words[1] == "units":
            problems.append(detail)
        if words[1:2] == ["units"] and TENANT_INDEX + " " in detail + " ":
            problems.append(detail)
    return problems if read else ["no plan line reads units (is the plan read right?)"]


def explained_unit_queries(app, client, paths: list[str]) -> tuple[list[tuple[str, str, list[str]]], int]:
    """GET each path; (path, SQL, plan problems) for every SELECT reading units, and how many there were."""
    seen: list[tuple[str, str, list[str]]] = []
    current = {"path": ""}
    check = _plan_problems_postgresql if BACKEND == "postgresql" else _plan_problems_sqlite

    def _explain(conn, cursor, statement, parameters, context, executemany):
        text = statement.lstrip().upper()
        if not text.startswith(("SELECT", "WITH")) or " UNITS" not in text:
            return
        # A cursor of the same DBAPI connection: same transaction, same tenant setting (RLS), no events.
        raw = conn.connection.dbapi_connection.cursor()
        try:
            seen.append((current["path"], statement, check(raw, statement, parameters)))
        finally:
            raw.close()

    with app.app_context():
        engine = _db.engine
    sa.event.listen(engine, "after_cursor_execute", _explain)
    try:
        for path in paths:
            current["path"] = path
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
    finally:
        sa.event.remove(engine, "after_cursor_execute", _explain)
    return seen, len(seen)


def forget_sqlite_statistics(app) -> None:
    """As a database that never ran ANALYZE: no sqlite_stat1 rows, connections reopened to forget them."""
    with app.app_context():
        with _db.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM sqlite_stat1")
        _db.engine.dispose()


@pytest.mark.parametrize("statistics", ["analysed", pytest.param("none", marks=pytest.mark.skipif(
    BACKEND != "sqlite", reason="PostgreSQL's autovacuum analyses by itself"))])
def test_per_community_pages_read_units_through_the_parent_indexes(city_app, statistics):
    """With statistics, and on SQLite also without any (the indexes alone must lead the planner)."""
    app, city = city_app
    if statistics == "none":
        forget_sqlite_statistics(app)
    client = app.test_client()
    assert login(client, city.admin_login).status_code == 302
    community, building = city.largest_community_id, city.largest_building_id
    t, api = f"/t/{city.slug}", f"/api/v1/t/{city.slug}"
    paths = [
        f"{t}/communities/{community}",
        f"{t}/claim-codes/{community}",
        f"{t}/claim-codes/{community}/buildings/{building}",
        f"{t}/roster/{community}/units",
        f"{t}/roster/{community}/units?page=3",
        f"{t}/roster/{community}/units?building={building}",
        f"{api}/communities/{community}",
        f"{api}/claim-codes/communities/{community}",
        f"{api}/claim-codes/buildings/{building}",
        f"{api}/roster/{community}/units?page=2",
    ]
    explained, count = explained_unit_queries(app, client, paths)
    bad = [f"{path}\n  {sql}\n  -> {problems}" for path, sql, problems in explained if problems]
    print(f"\nquery_plans db={BACKEND} statistics={statistics} pages={len(paths)} unit_queries={count} bad={len(bad)}")
    assert count >= len(paths), "every page should read units at least once"
    assert not bad, "\n".join(bad)
