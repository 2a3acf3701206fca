"""The database part of a backup: ``pg_dump`` (custom format) on PostgreSQL, the online backup API on SQLite.

On PostgreSQL the dump and the manifest's table figures come from one snapshot (``pg_export_snapshot`` and
``pg_dump --snapshot``), so the checksums describe exactly what was dumped while the portal keeps running.
Dump and restore run as the tables' owner (``PORTAL_DATABASE_OWNER_URL``); the owner is bound by row-level
security too (FORCE), so both send ``portal.across_tenants=on`` — the policies' named bypass — and
``--enable-row-security``. A superuser is not needed.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa

from portal.backup.inventory import TableFigure, database_inventory


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says why."""


def is_postgresql(url: str) -> bool:
    return sa.make_url(url).get_backend_name() == "postgresql"


def sqlite_path(url: str) -> Path:
    database = sa.make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an SQLite database in memory cannot be backed up or restored")
    return Path(database)


def libpq_environment(url: str) -> tuple[str, dict]:
    """(connection URL without password, environment with PGPASSWORD and the bypass) for pg_dump/pg_restore."""
    parsed = sa.make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + " -c portal.across_tenants=on").strip()
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client)")
    done = subprocess.run([tool, *command[1:]], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def dump(url: str, target: Path) -> tuple[dict[str, TableFigure], str | None]:
    """Write the database to ``target``; return its table figures and alembic revision, of the same snapshot."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        if is_postgresql(url):
            return _pg_dump(engine, url, target)
        return _sqlite_dump(url, target)
    finally:
        engine.dispose()


def _pg_dump(engine: sa.Engine, url: str, target: Path):
    with engine.connect() as connection:
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        plain, env = libpq_environment(url)
        _run(["pg_dump", "--format=custom", "--enable-row-security", f"--snapshot={snapshot}",
              f"--file={target}", f"--dbname={plain}"], env)
        figures = database_inventory(connection)
        revision = _revision(connection)
        connection.rollback()
    return figures, revision


def _sqlite_dump(url: str, target: Path):
    source = sqlite3.connect(str(sqlite_path(url)))
    copy = sqlite3.connect(str(target))
    try:
        source.backup(copy)  # a consistent copy while others write (the online backup API)
    finally:
        copy.close()
        source.close()
    engine = sa.create_engine(f"sqlite:///{target}", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return database_inventory(connection), _revision(connection)
    finally:
        engine.dispose()


def _revision(connection: sa.Connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return ",".join(sorted(connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()))


def table_names(url: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return sa.inspect(connection).get_table_names()
    finally:
        engine.dispose()


def ensure_empty(url: str) -> None:
    """Refuse a target that holds any table: a restore never mixes with, or overwrites, live data."""
    if not is_postgresql(url) and not sqlite_path(url).exists():
        return
    names = table_names(url)
    if names:
        raise BackupError(f"the target database is not empty ({len(names)} tables, e.g. {sorted(names)[0]}); "
                          "restore into a new, empty database")


def restore(url: str, source: Path) -> None:
    ensure_empty(url)
    if is_postgresql(url):
        plain, env = libpq_environment(url)
        # Objects belong to whoever restores (the owner role of this installation); grants are given afresh
        # with `flask rls grant-app-role` (restore --app-role does it).
        _run(["pg_restore", "--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges",
              "--enable-row-security", f"--dbname={plain}", str(source)], env)
        return
    path = sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    origin = sqlite3.connect(str(source))
    copy = sqlite3.connect(str(path))
    try:
        origin.backup(copy)
    finally:
        copy.close()
        origin.close()
