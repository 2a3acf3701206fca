"""Tamper evidence: one byte of a published version changed in the database, in 200 different ways (content,
hash, link), and the verifier names the broken link every time; on PostgreSQL the database itself refuses
UPDATE and DELETE of a published version (the trigger of migration 0011)."""
from __future__ import annotations

import datetime as dt
import random

import pytest
import sqlalchemy as sa
from click.testing import Result

from portal.disclosures import services
from portal.disclosures.chain import first_broken_link
from portal.disclosures.models import BoardSection
from portal.extensions import db
from tenants.scoping import tenant_sql
from tests.conftest import BACKEND
from tests.portal.disclosures.helpers import NOW, SAMPLE, in_tenant, publish_all, tenant_of

TAMPERS = 200
COLUMNS = ("content", "hash", "prev_hash")


def _board_with_correction(world_tenant):
    tenant = tenant_of(world_tenant)
    board = publish_all(tenant)
    fixed = {"rows": [dict(SAMPLE[BoardSection.PARKING]["rows"][0], spaces=130)]}
    services.publish(tenant=tenant, actor=None, board=board, section=BoardSection.PARKING, data=fixed,
                     correction=True, reason="车位数录错", now=NOW + dt.timedelta(hours=1))
    return board


def one_byte_changed(value: str, rng: random.Random) -> str:
    """``value`` with one character replaced by another (an ASCII character is one byte of UTF-8)."""
    index = rng.randrange(len(value))
    old = value[index]
    pool = "0123456789abcdef" if old in "0123456789abcdef" else "0123456789abcdefghijklmnopqrstuvwxyz{}[]:,\"物业"
    new = rng.choice([c for c in pool if c != old])
    return value[:index] + new + value[index + 1:]


def tampers(rows: list[dict]) -> list[tuple[int, str, str]]:
    """200 deterministic (version id, column, new value) changes, spread over every version and column."""
    rng = random.Random(20261201)
    out, seen = [], set()
    while len(out) < TAMPERS:
        row = rows[len(out) % len(rows)]
        column = COLUMNS[(len(out) // len(rows)) % len(COLUMNS)]
        if column == "prev_hash" and not row["prev_hash"]:
            value = one_byte_changed("0" * 64, rng)[:1]  # the first version's empty link gets a byte
        else:
            value = one_byte_changed(row[column], rng)
        if (row["id"], column, value) in seen:
            continue
        seen.add((row["id"], column, value))
        out.append((row["id"], column, value))
    return out


def _rows(board) -> list[dict]:
    from portal.disclosures.models import BoardVersion

    stmt = sa.select(BoardVersion.id, *[getattr(BoardVersion, c) for c in services.CHAIN_COLUMNS]) \
        .where(BoardVersion.board_id == board.id).order_by(BoardVersion.seq)
    return [dict(r._mapping) for r in db.session.execute(stmt)]


@pytest.mark.skipif(BACKEND != "sqlite", reason="PostgreSQL refuses the UPDATE itself: see the test below")
def test_every_one_byte_change_is_caught_sqlite(app_ctx, world):
    with in_tenant(world.a):
        board = _board_with_correction(world.a)
        rows = _rows(board)
        assert len(rows) == 13 and services.verify_board(board) is None
        caught = 0
        for version_id, column, value in tampers(rows):
            savepoint = db.session.begin_nested()
            tenant_sql(db.session, f"UPDATE board_versions SET {column} = :value WHERE id = :id AND tenant_id = :tenant_id",
                       value=value, id=version_id)
            broken = services.verify_board(board)
            savepoint.rollback()
            assert broken is not None, (version_id, column, value)
            seq = next(r["seq"] for r in rows if r["id"] == version_id)
            # the first broken link is the changed version, or (a changed hash) the one after it
            assert broken.seq in (seq, seq + 1), (broken, seq, column)
            caught += 1
        assert caught == TAMPERS
        assert services.verify_board(board) is None


@pytest.mark.skipif(BACKEND != "sqlite", reason="PostgreSQL refuses the DELETE itself")
def test_removed_newest_version_and_cli(app, world):
    with app.app_context(), in_tenant(world.a):
        board = _board_with_correction(world.a)
        db.session.commit()
        savepoint = db.session.begin_nested()
        tenant_sql(db.session, "DELETE FROM board_versions WHERE board_id = :b AND seq = 13 AND tenant_id = :tenant_id",
                   b=board.id)
        broken = services.verify_board(board)
        assert (broken.seq, broken.problem) == (13, "head")
        result: Result = app.test_cli_runner().invoke(args=["boards", "verify", "--tenant", world.a.slug])
        assert result.exit_code == 1 and f"BROKEN board {board.id} version 13: head" in result.output
        savepoint.rollback()
    result = app.test_cli_runner().invoke(args=["boards", "verify", "--tenant", world.a.slug])
    assert result.exit_code == 0 and "broken=0" in result.output, result.output


@pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL only")
def test_postgresql_refuses_update_and_delete_of_published_versions(app_ctx, world):
    with in_tenant(world.a):
        board = _board_with_correction(world.a)
        for sql in ("UPDATE board_versions SET reason = 'x' WHERE board_id = :b AND tenant_id = :tenant_id",
                    "DELETE FROM board_versions WHERE board_id = :b AND tenant_id = :tenant_id"):
            savepoint = db.session.begin_nested()
            with pytest.raises(sa.exc.DBAPIError) as refused:
                tenant_sql(db.session, sql, b=board.id)
            assert "published notice-board versions cannot be" in str(refused.value)
            savepoint.rollback()
        assert services.verify_board(board) is None


@pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL only")
def test_every_one_byte_change_is_caught_postgresql(app, world):
    """As the tables' owner, with triggers (and foreign keys) off for the session (session_replication_role),
    the chain's rows are written and changed byte by byte directly in PostgreSQL; the verifier reads
    each state back from the database and names the broken link."""
    with app.app_context(), in_tenant(world.a):
        board = _board_with_correction(world.a)
        rows = _rows(board)
        head = (board.head_seq, board.head_hash)
        board_id = board.id
    owner = sa.create_engine(app.config["DATABASE_OWNER_URL"], poolclass=sa.pool.NullPool)
    columns = ["id", *services.CHAIN_COLUMNS]
    with owner.connect() as conn:
        trans = conn.begin()
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        # the owner's own copy (the app's rows are in the test's uncommitted transaction)
        conn.exec_driver_sql("DELETE FROM board_versions WHERE board_id = %(b)s", {"b": board_id})
        for row in rows:
            conn.execute(sa.text(f"INSERT INTO board_versions ({', '.join(columns)}) "
                                 f"VALUES ({', '.join(':' + c for c in columns)})"),
                         {**row, "section": row["section"].value})

        def read():
            result = conn.execute(sa.text(f"SELECT {', '.join(services.CHAIN_COLUMNS)} FROM board_versions "
                                          "WHERE board_id = :b ORDER BY seq"), {"b": board_id})
            return [dict(r._mapping) for r in result]

        assert first_broken_link(board_id, read(), head) is None
        for version_id, column, value in tampers(rows):
            savepoint = conn.begin_nested()
            conn.execute(sa.text(f"UPDATE board_versions SET {column} = :value WHERE id = :id"),
                         {"value": value, "id": version_id})
            assert first_broken_link(board_id, read(), head) is not None, (version_id, column, value)
            savepoint.rollback()
        assert first_broken_link(board_id, read(), head) is None
        trans.rollback()
