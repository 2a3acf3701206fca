"""Upgrading a database that holds the demo at the previous release's schema to head loses nothing.

The previous release's schema cannot be filled by today's models, so the test fills it with what it can hold:
the demo (plus uploads' rows) is loaded at head in one database, then copied column by column into a second
database migrated only to PREVIOUS_RELEASE. That one is upgraded to head, and every row of every table it had
must read exactly as before in every column it had (content hashes), new columns being additions only.
"""
from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.backup.inventory import iter_rows, reflect, row_line
from portal.extensions import db, limiter
from tests.portal.backup.populated import make_app, populated_installation

# The schema the last release shipped with; move it forward when a release is cut.
PREVIOUS_RELEASE = "0010_parent_indexes"


def old_columns_figure(connection, table: sa.Table, columns: list[str]) -> tuple[int, str]:
    key = [table.c[c.name] for c in table.primary_key.columns] or [table.c[c] for c in columns]
    digest, count = hashlib.sha256(), 0
    for row in iter_rows(connection, sa.select(*[table.c[c] for c in columns]).order_by(*key)):
        digest.update(row_line(row))
        count += 1
    return count, digest.hexdigest()


def test_upgrading_the_previous_release_with_the_demo_loses_nothing(app):
    from flask_migrate import upgrade

    with populated_installation(app, "sqlite") as (source_app, source_url, _instance):
        folder = Path(tempfile.mkdtemp(prefix="portal-upgrade-"))
        old_app = make_app(f"sqlite:///{folder / 'old.sqlite3'}", folder)
        try:
            with old_app.app_context():
                upgrade(revision=PREVIOUS_RELEASE)
                source = sa.create_engine(source_url, poolclass=sa.pool.NullPool)
                with source.connect() as src, db.engine.begin() as dst:
                    dst.exec_driver_sql("PRAGMA foreign_keys=OFF")
                    old_schema, new_schema = reflect(dst), reflect(src)
                    before = {}
                    for table in old_schema.sorted_tables:
                        if table.name == "alembic_version":
                            continue
                        columns = [c.name for c in table.c if c.name in new_schema.tables[table.name].c]
                        assert columns == [c.name for c in table.c], f"{table.name}: a column of the old schema is gone"
                        rows = [dict(zip(columns, r)) for r in
                                iter_rows(src, sa.select(*[new_schema.tables[table.name].c[c] for c in columns]))]
                        seeded = dst.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                        if rows and not seeded:  # rows a migration put there itself (the plans) stay as they are
                            dst.execute(table.insert(), rows)
                        before[table.name] = old_columns_figure(dst, table, columns)
                source.dispose()
                assert sum(n for n, _ in before.values()) > 500
                upgrade()
                with db.engine.connect() as conn:
                    after_schema = reflect(conn)
                    lost = {}
                    for name, (rows, digest) in before.items():
                        table = after_schema.tables[name]
                        columns = [c.name for c in old_schema.tables[name].c]
                        if old_columns_figure(conn, table, columns) != (rows, digest):
                            lost[name] = rows
                    head = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
                print(f"upgrade_check from={PREVIOUS_RELEASE} to={head} tables={len(before)} "
                      f"rows={sum(n for n, _ in before.values())} lost={len(lost)}")
                assert lost == {}
                assert head != PREVIOUS_RELEASE
        finally:
            with old_app.app_context():
                db.session.remove()
                db.engine.dispose()
            limiter.init_app(app)


@pytest.mark.parametrize("revision", [PREVIOUS_RELEASE])
def test_the_previous_release_is_an_ancestor_of_head(revision):
    from alembic.script import ScriptDirectory

    from portal.config import REPO_ROOT

    scripts = ScriptDirectory(str(REPO_ROOT / "migrations"))
    ancestors = {s.revision for s in scripts.walk_revisions()}
    assert revision in ancestors
