"""Import a tenant export into an installation: ids kept, accounts matched by login, checked against the manifest.

Decisions (docs/admin/README.md, Tenant export):

* Ids are **kept** (tenant, and every row of its tables): references the schema does not declare — ids in
  audit snapshots, in JSON, in printed links — stay true. An installation where one of those ids is taken
  is refused as a whole (nothing half-imported); import into a fresh installation or the one it left.
* Accounts are shared between tenants, so they are **matched** by mobile number or e-mail: an existing
  account is used as it is; a missing one is created without a usable password (the person sets one with
  the password-reset flow) and never as a platform administrator. Columns that hold a ``users.id`` are
  rewritten to the matched account.
* The export's migration revision must equal this installation's (upgrade first, then import).
"""
from __future__ import annotations

import hashlib
import io
import json
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from portal.backup.inventory import TableFigure, table_figure
from portal.tenant_export.schema import from_canonical, reflect, self_references, tenant_tables, user_columns
from portal.tenant_export.services import FORMAT, tenant_upload_root
from tenants.context import across_tenants

CHUNK = 1000
UNUSABLE_PASSWORD = "!imported:"  # never a valid hash: the account signs in only after a password reset


class ImportRefused(RuntimeError):
    """The export cannot be imported here; the message says why (nothing was changed)."""


@dataclass
class ImportResult:
    tenant_id: int
    slug: str
    tables: int
    rows: int
    uploads: int
    users_matched: int
    users_created: int


def _lines(archive: zipfile.ZipFile, name: str):
    with archive.open(name) as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8"):
            if line.strip():
                yield json.loads(line)


def _convert(table: sa.Table, row: dict) -> dict:
    unknown = set(row) - set(table.c.keys())
    if unknown:
        raise ImportRefused(f"{table.name}: columns this installation does not have: {', '.join(sorted(unknown))}")
    return {name: from_canonical(table.c[name], value) for name, value in row.items()}


def _match_users(connection, users: sa.Table, archive) -> tuple[dict[int, int], int, int]:
    mapping, matched, created = {}, 0, 0
    for row in _lines(archive, "users.jsonl"):
        old_id = row.pop("id")
        found = None
        for login in ("mobile", "email"):
            if row.get(login):
                found = connection.execute(sa.select(users.c.id).where(users.c[login] == row[login])).scalar()
                if found is not None:
                    break
        if found is None:
            values = _convert(users, row)
            values.update(password_hash=UNUSABLE_PASSWORD + secrets.token_hex(8), session_token=secrets.token_hex(16),
                          is_platform_admin=False)
            found = connection.execute(users.insert().values(**values).returning(users.c.id)).scalar_one()
            created += 1
        else:
            matched += 1
        mapping[old_id] = found
    return mapping, matched, created


def _ordered_for_tree(table: sa.Table, rows: list[dict]) -> list[dict]:
    """Rows of a table that refers to itself, parents first (a row whose parent is not among them goes first)."""
    links = self_references(table)
    ids = {row["id"] for row in rows}
    done, ordered, pending = set(), [], rows
    while pending:
        ready = [r for r in pending if all(r.get(c) is None or r[c] not in ids or r[c] in done for c in links)]
        if not ready:
            raise ImportRefused(f"{table.name}: rows refer to each other in a circle")
        ordered += ready
        done.update(r["id"] for r in ready)
        pending = [r for r in pending if r["id"] not in done]
    return ordered


def _insert_table(connection, table: sa.Table, archive, user_map: dict[int, int], user_cols: list[str]) -> int:
    rows_iter = (_convert(table, row) for row in _lines(archive, f"tables/{table.name}.jsonl"))
    count, batch = 0, []
    if self_references(table):
        rows_iter = iter(_ordered_for_tree(table, list(rows_iter)))
    for values in rows_iter:
        for column in user_cols:
            if values.get(column) is not None:
                values[column] = user_map.get(values[column])
        batch.append(values)
        if len(batch) >= CHUNK or self_references(table):
            connection.execute(table.insert(), batch)
            count, batch = count + len(batch), []
    if batch:
        connection.execute(table.insert(), batch)
        count += len(batch)
    return count


def _bump_sequences(connection, tables: list[sa.Table]) -> None:
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" in table.c and isinstance(table.c.id.type, sa.Integer):
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"GREATEST((SELECT max(id) FROM \"{table.name}\"), 1))")


def import_export(connection: sa.Connection, zip_path: Path) -> ImportResult:
    """Import the ZIP at ``zip_path`` in ``connection``'s transaction (the caller commits); raise ImportRefused."""
    try:
        archive = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile) as error:
        raise ImportRefused(f"{zip_path}: not a ZIP file ({error})") from error
    with archive:
        manifest = json.loads(archive.read("manifest.json"))
        if manifest.get("format") != FORMAT:
            raise ImportRefused(f"{zip_path}: not a tenant export of this portal")
        revision = ",".join(sorted(connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()))
        if manifest["revision"] != revision:
            raise ImportRefused(f"the export is at migration {manifest['revision']}, this installation at {revision}: "
                                "upgrade the older one first (flask db upgrade)")
        metadata = reflect(connection)
        tenant_row = json.loads(archive.read("tenant.json"))
        tenants = metadata.tables["tenants"]
        clash = connection.execute(sa.select(tenants.c.slug).where(
            (tenants.c.id == tenant_row["id"]) | (tenants.c.slug == tenant_row["slug"]))).scalar()
        if clash is not None:
            raise ImportRefused(f"tenant id {tenant_row['id']} or short name {tenant_row['slug']!r} is taken here "
                                f"(by {clash!r}); import into a fresh installation")
        uploads_root = tenant_upload_root(tenant_row["id"])
        if uploads_root.exists() and any(uploads_root.iterdir()):
            raise ImportRefused(f"the upload folder {uploads_root} is not empty")
        tables = [t for t in tenant_tables(metadata) if t.name in manifest["tables"]]
        missing = set(manifest["tables"]) - {t.name for t in tables}
        if missing:
            raise ImportRefused(f"tables this installation does not have: {', '.join(sorted(missing))}")
        refs = user_columns(metadata)
        with across_tenants("import a tenant export"):
            connection.execute(tenants.insert().values(**_convert(tenants, tenant_row)))
            user_map, matched, created = _match_users(connection, metadata.tables["users"], archive)
            try:
                rows = {t.name: _insert_table(connection, t, archive, user_map, refs.get(t.name, [])) for t in tables}
            except sa.exc.IntegrityError as error:
                raise ImportRefused(f"rows of this export clash with rows here (ids taken?): {error.orig}") from error
            _bump_sequences(connection, [tenants, *tables])
            for table in tables:
                want = manifest["tables"][table.name]
                got = table_figure(connection, table, table.c.tenant_id == tenant_row["id"])
                remapped = any(user_map.get(k, k) != k for k in user_map) and table.name in refs
                if got.rows != want["rows"] or (not remapped and got != TableFigure(**want)):
                    raise ImportRefused(f"{table.name}: imported rows differ from the export's manifest")
        uploads = 0
        for name in archive.namelist():
            if not name.startswith("uploads/") or name.endswith("/"):
                continue
            relative = name[len("uploads/"):]
            if relative not in manifest["uploads"] or ".." in Path(relative).parts:
                raise ImportRefused(f"{name}: not listed in the manifest")
            destination = uploads_root / relative
            destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            digest = hashlib.sha256()
            with archive.open(name) as source, destination.open("wb") as out:
                for chunk in iter(lambda: source.read(1024 * 1024), b""):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != manifest["uploads"][relative]:
                raise ImportRefused(f"{name}: damaged (SHA-256 differs from the manifest)")
            uploads += 1
    return ImportResult(tenant_id=tenant_row["id"], slug=tenant_row["slug"], tables=len(tables),
                        rows=sum(rows.values()), uploads=uploads, users_matched=matched, users_created=created)
