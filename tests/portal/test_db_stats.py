"""Planner statistics: analysed where missing or stale, left alone otherwise; periodically; on demand."""
from __future__ import annotations

import sqlalchemy as sa

from portal.db_stats import GROWTH_FACTOR, PeriodicStatistics, refresh_statistics


def _engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'stats.sqlite3'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE things (id INTEGER PRIMARY KEY, parent INTEGER)")
        conn.exec_driver_sql("CREATE INDEX ix_things_parent ON things (parent)")
        conn.exec_driver_sql("CREATE TABLE empty (id INTEGER PRIMARY KEY, x INTEGER)")
        conn.exec_driver_sql("CREATE INDEX ix_empty_x ON empty (x)")
    return engine


def _add(engine, rows: int, start: int = 0) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO things (id, parent) VALUES " + ",".join(
            f"({start + i + 1}, {i % 7})" for i in range(rows)))


def test_tables_are_analysed_when_they_have_no_statistics_or_have_doubled(tmp_path):
    engine = _engine(tmp_path)
    _add(engine, 100)
    with engine.begin() as conn:
        assert refresh_statistics(conn) == ["things", "empty"]  # the first time: every table
        assert conn.exec_driver_sql("SELECT stat FROM sqlite_stat1 WHERE tbl = 'things' AND idx = 'ix_things_parent'").scalar() == "100 15"
    with engine.begin() as conn:
        assert refresh_statistics(conn) == []  # nothing changed: only PRAGMA optimize
    _add(engine, int(100 * GROWTH_FACTOR) - 100, start=100)
    with engine.begin() as conn:
        assert refresh_statistics(conn) == []  # grown, but not past the factor
    _add(engine, 50, start=200)
    with engine.begin() as conn:
        assert refresh_statistics(conn, ["things"]) == ["things"]
        assert conn.exec_driver_sql("SELECT stat FROM sqlite_stat1 WHERE tbl = 'things' AND idx = 'ix_things_parent'").scalar().startswith("250 ")
    engine.dispose()


def test_the_periodic_refresh_runs_once_per_interval_on_a_clock_the_test_moves(tmp_path):
    now = [500.0]
    periodic = PeriodicStatistics(interval=900, clock=lambda: now[0])
    assert not periodic.due()  # migrations and demo loading have just analysed
    now[0] += 899
    assert not periodic.due()
    now[0] += 2
    assert periodic.due()
    assert not periodic.due()  # the next request of the same interval does nothing
    engine = _engine(tmp_path)
    _add(engine, 10)
    assert periodic.run(engine) == ["things", "empty"]
    engine.dispose()


def test_the_roster_import_refreshes_the_units_statistics(app, world, tmp_path):
    """A first roster in an empty table would otherwise be planned as if the table were still empty."""
    from portal.communities.models import Building, Community
    from portal.extensions import db
    from portal.roster import services
    from tenants import tenant_scope
    from tenants.models import Tenant

    roster = tmp_path / "roster.csv"
    roster.write_text("楼栋,单元,房号,楼层,建筑面积\n" + "".join(
        f"1号楼X,1,{100 + i},1,88.50\n" for i in range(40)), encoding="utf-8")
    with app.app_context():
        tenant = db.session.get(Tenant, world["a"].tenant_id)
        with tenant_scope(tenant):
            community = db.session.get(Community, world["a"].community_id)
            db.session.add(Building(community_id=community.id, name="1号楼X"))
            db.session.flush()
            conn = db.session.connection()
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = 'units'") if conn.exec_driver_sql(
                    "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first() else None
            services.import_file(tenant=tenant, actor=None, community=community, path=roster)
            if conn.dialect.name == "sqlite":
                rows = conn.exec_driver_sql("SELECT stat FROM sqlite_stat1 WHERE tbl = 'units'").scalars().all()
                assert rows and all(int(stat.split()[0]) >= 40 for stat in rows)
        db.session.remove()


def test_the_optimize_command_refreshes_the_statistics(tmp_path):
    from flask_migrate import upgrade

    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import db

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    application = create_app(config)
    with application.app_context():
        upgrade()
        from tenants.models import Tenant, TenantKind

        db.session.add(Tenant(slug="stats", kind=TenantKind.BUREAU, name_zh="统计县住建局"))
        db.session.commit()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM sqlite_stat1")
    result = application.test_cli_runner().invoke(args=["database", "optimize"])
    assert result.exit_code == 0, result.output
    # The tables that have rows and lost their statistics: the new tenant's, and the price list the
    # billing migration seeds.
    assert result.output.strip() == "statistics refreshed: tenants, billing_plans"
    again = application.test_cli_runner().invoke(args=["database", "optimize"])
    assert "all up to date" in again.output
    with application.app_context():
        db.engine.dispose()
