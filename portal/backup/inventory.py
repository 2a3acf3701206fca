"""What a database and an upload store hold, as figures that can be compared: row counts and content hashes.

Generic over the schema: tables are read from the database itself (every table, the ones features
add later included), uploads from the storage root. Two copies are equal when every table has the
same number of rows and the same SHA-256 over its rows in primary-key order, and every file the same
SHA-256. Used by the backup manifest, the restore drill and the tenant export.
"""
from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa

from tenants.context import across_tenants

CHUNK_ROWS = 2000
FILE_CHUNK = 1024 * 1024


def canonical(value):
    """A JSON-able, backend-stable form of one column value."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": bytes(value).hex()}
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if hasattr(value, "value") and isinstance(getattr(value, "value"), (str, int)):  # an Enum member
        return value.value
    if isinstance(value, (dict, list, tuple)):
        return json.loads(json.dumps(value, sort_keys=True, default=str))
    return str(value)


def row_line(values) -> bytes:
    return json.dumps([canonical(v) for v in values], ensure_ascii=False, separators=(",", ":"),
                      sort_keys=True).encode("utf-8") + b"\n"


@dataclass
class TableFigure:
    rows: int
    sha256: str


@dataclass
class Inventory:
    tables: dict[str, TableFigure] = field(default_factory=dict)
    uploads: dict[str, str] = field(default_factory=dict)  # path under the upload root -> sha256

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables.values())

    def as_json(self) -> dict:
        return {"tables": {n: {"rows": t.rows, "sha256": t.sha256} for n, t in sorted(self.tables.items())},
                "uploads": dict(sorted(self.uploads.items()))}

    @classmethod
    def from_json(cls, data: dict) -> "Inventory":
        return cls(tables={n: TableFigure(**t) for n, t in data.get("tables", {}).items()},
                   uploads=dict(data.get("uploads", {})))


def reflect(connection: sa.Connection) -> sa.MetaData:
    """Every table of the database as it is (not as the models say): features merged later are included."""
    metadata = sa.MetaData()
    metadata.reflect(bind=connection)
    return metadata


def ordered_select(table: sa.Table, where=None) -> sa.Select:
    key = list(table.primary_key.columns) or list(table.columns)
    statement = sa.select(*table.columns).order_by(*key)
    return statement if where is None else statement.where(where)


def iter_rows(connection: sa.Connection, statement) -> Iterator[tuple]:
    # Per statement: Connection.execution_options would change the (possibly shared) connection itself.
    result = connection.execute(statement, execution_options={"stream_results": True, "yield_per": CHUNK_ROWS})
    for partition in result.partitions(CHUNK_ROWS):
        yield from partition


def table_figure(connection: sa.Connection, table: sa.Table, where=None) -> TableFigure:
    digest, count = hashlib.sha256(), 0
    for row in iter_rows(connection, ordered_select(table, where)):
        digest.update(row_line(row))
        count += 1
    return TableFigure(rows=count, sha256=digest.hexdigest())


def database_inventory(connection: sa.Connection) -> dict[str, TableFigure]:
    """Row count and content hash of every table, read across tenants (row-level security's named bypass)."""
    with across_tenants("backup: count and hash every table"):
        metadata = reflect(connection)
        return {name: table_figure(connection, table) for name, table in sorted(metadata.tables.items())}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(FILE_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def upload_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(relative path, path) of every stored file under ``root``, sorted; half-written ``.part`` files skipped."""
    if not root.is_dir():
        return
    found = []
    for directory, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".part"):
                continue
            path = Path(directory) / name
            found.append((path.relative_to(root).as_posix(), path))
    yield from sorted(found)


def upload_inventory(root: Path) -> dict[str, str]:
    return {relative: file_sha256(path) for relative, path in upload_files(root)}


def differences(expected: Inventory, actual: Inventory) -> list[str]:
    """What differs, one line each (empty: the copies are equal)."""
    problems = []
    for name in sorted(set(expected.tables) | set(actual.tables)):
        want, got = expected.tables.get(name), actual.tables.get(name)
        if want is None or got is None:
            problems.append(f"table {name}: {'missing' if got is None else 'unexpected'}")
        elif want.rows != got.rows:
            problems.append(f"table {name}: {want.rows} rows expected, {got.rows} found")
        elif want.sha256 != got.sha256:
            problems.append(f"table {name}: content differs")
    for path in sorted(set(expected.uploads) | set(actual.uploads)):
        want, got = expected.uploads.get(path), actual.uploads.get(path)
        if want != got:
            problems.append(f"upload {path}: {'missing' if got is None else 'unexpected' if want is None else 'content differs'}")
    return problems
