"""Query-planner statistics, so a city-sized tenant gets index plans on SQLite as on PostgreSQL.

SQLite never gathers statistics by itself: without ``sqlite_stat1`` its planner guesses, and at city
scale a guess that walks the tenant's index instead of the community's reads a million units per
page. So statistics are refreshed

* after migrations (``migrations/env.py``, when the revision changed) and after ``demo load``;
* after bulk writes (a roster import), for the tables written;
* periodically, at most every ``STATISTICS_INTERVAL_SECONDS`` per process, after a request
  (``init_app``): tables grow one owner registration at a time too;
* on demand: ``flask --app wsgi database optimize`` (cron it, or run it after a large manual change).

On SQLite a table is re-analysed (exact ``ANALYZE``) when it has no statistics yet or has grown or
shrunk by ``GROWTH_FACTOR`` since it was last analysed — judged from ``max(rowid)``, a lookup at
the end of the table's B-tree, so the check costs next to nothing and the full analysis is paid
again only after the table has doubled (amortised constant per row). ``PRAGMA optimize`` then lets
SQLite apply its own rules too. PostgreSQL's autovacuum keeps its statistics; migrations and the
command run ``ANALYZE`` there as well (as the tables' owner: the application role may not).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Iterable

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

logger = logging.getLogger(__name__)

GROWTH_FACTOR = 2.0
STATISTICS_INTERVAL_SECONDS = 15 * 60

database_cli = AppGroup("database", help="Database maintenance.")


def _sqlite_stale_tables(connection, tables: Iterable[str] | None) -> list[str]:
    """Tables with no statistics, or whose size changed by GROWTH_FACTOR since they were analysed."""
    names = [name for (name,) in connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name != 'alembic_version'")]
    if tables is not None:
        wanted = set(tables)
        names = [name for name in names if name in wanted]
    analysed: dict[str, int] = {}
    has_stat = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").first() is not None
    if has_stat:
        for table, stat in connection.exec_driver_sql("SELECT tbl, stat FROM sqlite_stat1"):
            rows = int((stat or "0").split()[0])
            analysed[table] = max(rows, analysed.get(table, 0))
    stale = []
    for name in names:
        # max(rowid) reads one B-tree path: rows ever inserted, a fair measure of growth (deletes are rare).
        size = connection.exec_driver_sql(f'SELECT max(rowid) FROM "{name}"').scalar() or 0
        before = analysed.get(name)
        if before is None:
            if size or not has_stat:
                stale.append(name)
        elif size > max(before, 1) * GROWTH_FACTOR or size * GROWTH_FACTOR < before:
            stale.append(name)
    return stale


def refresh_statistics(connection, tables: Iterable[str] | None = None, *, postgresql: bool = True) -> list[str]:
    """Bring the planner's statistics up to date on ``connection``; returns the tables analysed.

    ``tables`` limits the work to those (after a bulk write). On PostgreSQL ``ANALYZE`` runs only
    with ``postgresql`` (the caller owns the tables); elsewhere autovacuum is left to it.
    """
    dialect = connection.dialect.name
    if dialect == "sqlite":
        stale = _sqlite_stale_tables(connection, tables)
        for name in stale:
            connection.exec_driver_sql(f'ANALYZE "{name}"')
        connection.exec_driver_sql("PRAGMA optimize")
        if stale:
            logger.info("database statistics refreshed: %s", ", ".join(stale))
        return stale
    if dialect == "postgresql" and postgresql:
        names = list(tables) if tables is not None else []
        connection.exec_driver_sql("ANALYZE " + ", ".join(f'"{n}"' for n in names) if names else "ANALYZE")
        logger.info("database statistics refreshed (ANALYZE %s)", ", ".join(names) or "all tables")
        return names or ["*"]
    return []


def refresh_engine_statistics(engine: sa.Engine, *, postgresql: bool = True) -> list[str]:
    """``refresh_statistics`` in a transaction of its own on ``engine``."""
    with engine.begin() as connection:
        return refresh_statistics(connection, postgresql=postgresql)


class PeriodicStatistics:
    """At most one refresh per ``interval`` seconds in this process, run by whichever request ends first.

    The clock is injectable so tests never sleep.
    """

    def __init__(self, interval: float = STATISTICS_INTERVAL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.interval = interval
        self.clock = clock
        self._next = clock() + interval  # migrations and demo loading have just analysed
        self._lock = threading.Lock()

    def due(self) -> bool:
        """True once per interval (the first caller after it has passed wins; the others go on)."""
        now = self.clock()
        if now < self._next or not self._lock.acquire(blocking=False):
            return False
        try:
            if now < self._next:
                return False
            self._next = now + self.interval
            return True
        finally:
            self._lock.release()

    def run(self, engine: sa.Engine) -> list[str]:
        try:
            return refresh_engine_statistics(engine, postgresql=False)
        except sa.exc.OperationalError as error:  # the write lock busy: the next interval tries again
            logger.warning("database statistics not refreshed now: %s", type(error.orig).__name__)
            return []


def init_app(app: Flask) -> None:
    """Periodic refresh on SQLite (PostgreSQL has autovacuum); STATISTICS_INTERVAL_SECONDS = 0 turns it off."""
    interval = app.config.get("STATISTICS_INTERVAL_SECONDS", STATISTICS_INTERVAL_SECONDS)
    if not interval or not str(app.config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        return
    periodic = PeriodicStatistics(interval)
    app.extensions["periodic_statistics"] = periodic

    @app.teardown_appcontext
    def _refresh_now_and_then(exc):
        if exc is None and periodic.due():
            from portal.extensions import db

            periodic.run(db.engine)


@database_cli.command("optimize")
def optimize() -> None:
    """Refresh the query planner's statistics (SQLite: ANALYZE where stale, PRAGMA optimize; PostgreSQL: ANALYZE)."""
    from flask import current_app

    from portal.extensions import db

    owner_url = current_app.config.get("DATABASE_OWNER_URL")
    engine = sa.create_engine(owner_url, poolclass=sa.pool.NullPool) if owner_url else db.engine
    analysed = refresh_engine_statistics(engine)
    click.echo(f"statistics refreshed: {', '.join(analysed) if analysed else 'all up to date'}")
