"""Export a tenant to a ZIP, soft-delete it (only after an export), restore it within the grace period, purge it.

The ZIP (format ``sunshine-tenant-export/1``, docs/admin/README.md):

* ``manifest.json``: the tenant, the migration revision, per table its row count and SHA-256 (the same
  content hash as the backup manifest), every upload's SHA-256;
* ``tenant.json``: the tenant's own row; ``users.jsonl``: the accounts its rows refer to, without
  password hashes or session tokens;
* ``tables/<table>.jsonl``: every row of every table with a ``tenant_id``, one JSON object a line (what the
  import reads), and the same rows as ``csv/<table>.csv`` (UTF-8 with a byte-order mark, for Excel and WPS);
* ``uploads/<folder>/<file>``: the tenant's stored files.

Written to a temporary file table by table, row by row: memory stays bounded whatever the tenant's size.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.backup.inventory import canonical, file_sha256, iter_rows, ordered_select, row_line, upload_files
from portal.db import utcnow
from portal.domain import DomainError
from portal.extensions import db
from portal.roster.exporting import _safe as safe_cell
from portal.tenant_export.models import TenantExport
from portal.tenant_export.schema import USER_SECRET_COLUMNS, reflect, tenant_tables, user_columns
from tenants.context import across_tenants, tenant_scope
from tenants.models import Tenant, TenantStatus

logger = logging.getLogger(__name__)

FORMAT = "sunshine-tenant-export/1"
EXPORT_FRESH_DAYS = 7  # deleting a tenant needs an export at most this old


class ExportError(DomainError):
    """A rule broken by an export, delete or purge (``field`` names the form field)."""


@dataclass
class ExportResult:
    path: Path
    sha256: str
    bytes: int
    tables: int
    rows: int
    uploads: int


def tenant_upload_root(tenant_id: int) -> Path:
    from portal.storage import upload_root

    return upload_root() / f"t{int(tenant_id)}"


def _json_line(columns, row) -> bytes:
    return json.dumps({c: canonical(v) for c, v in zip(columns, row)}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8") + b"\n"


def _cell(value) -> str:
    """One CSV cell: text as it is (a formula-like start made inert, as in roster exports), the rest canonical."""
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_cell(value)
    value = canonical(value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _write_csv(archive: zipfile.ZipFile, connection: sa.Connection, table: sa.Table, tenant_id: int) -> None:
    """The table's rows for people: a second pass (a ZIP takes one file at a time), one row in memory at a time."""
    with archive.open(f"csv/{table.name}.csv", "w", force_zip64=True) as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        writer = csv.writer(out)
        writer.writerow([c.name for c in table.c])
        for row in iter_rows(connection, ordered_select(table, table.c.tenant_id == tenant_id)):
            writer.writerow([_cell(v) for v in row])
        out.flush()
        out.detach()


def write_export(connection: sa.Connection, tenant: Tenant, target: Path) -> ExportResult:
    """Write everything of ``tenant`` into the ZIP file ``target`` (streamed; nothing held whole in memory)."""
    metadata = reflect(connection)
    tables = tenant_tables(metadata)
    referenced_users: set[int] = set()
    user_refs = user_columns(metadata)
    figures, uploads = {}, {}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        tenant_row = connection.execute(sa.select(*metadata.tables["tenants"].c)
                                        .where(metadata.tables["tenants"].c.id == tenant.id)).one()
        archive.writestr("tenant.json", _json_line(tenant_row._fields, tenant_row))
        for table in tables:
            columns = [c.name for c in table.c]
            refs = [columns.index(c) for c in user_refs.get(table.name, [])]
            digest, count = hashlib.sha256(), 0
            with archive.open(f"tables/{table.name}.jsonl", "w", force_zip64=True) as out:
                for row in iter_rows(connection, ordered_select(table, table.c.tenant_id == tenant.id)):
                    out.write(_json_line(columns, row))
                    digest.update(row_line(row))
                    count += 1
                    referenced_users.update(row[i] for i in refs if row[i] is not None)
            figures[table.name] = {"rows": count, "sha256": digest.hexdigest()}
            _write_csv(archive, connection, table, tenant.id)
        users = metadata.tables["users"]
        keep = [c for c in users.c if c.name not in USER_SECRET_COLUMNS]
        with archive.open("users.jsonl", "w", force_zip64=True) as out:
            ids = sorted(referenced_users)
            for start in range(0, len(ids), 500):
                statement = sa.select(*keep).where(users.c.id.in_(ids[start:start + 500])).order_by(users.c.id)
                for row in connection.execute(statement):
                    out.write(_json_line([c.name for c in keep], row))
        for relative, path in upload_files(tenant_upload_root(tenant.id)):
            uploads[relative] = file_sha256(path)
            archive.write(path, f"uploads/{relative}")
        revision = ",".join(sorted(connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()))
        manifest = {"format": FORMAT, "tenant": {"id": tenant.id, "slug": tenant.slug, "name_zh": tenant.name_zh},
                    "created_at": utcnow().isoformat(), "revision": revision, "tables": figures,
                    "users": len(referenced_users), "uploads": uploads}
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return ExportResult(path=target, sha256=file_sha256(target), bytes=target.stat().st_size, tables=len(figures),
                        rows=sum(f["rows"] for f in figures.values()), uploads=len(uploads))


def export_tenant(tenant: Tenant, actor, directory: Path | None = None) -> ExportResult:
    """Export ``tenant`` to a temporary file (the caller sends or moves it, then deletes it) and record it."""
    handle = tempfile.NamedTemporaryFile(prefix=f"export-{tenant.slug}-", suffix=".zip", dir=directory, delete=False)
    handle.close()
    path = Path(handle.name)
    try:
        with tenant_scope(tenant):
            result = write_export(db.session.connection(), tenant, path)
            db.session.add(TenantExport(tenant_id=tenant.id, created_by_id=getattr(actor, "id", None),
                                        sha256=result.sha256, bytes=result.bytes, tables=result.tables,
                                        rows=result.rows, uploads=result.uploads))
            record(tenant=tenant, actor=actor, action="tenant.exported", object_type="tenant", object_id=tenant.id,
                   summary=f"{result.rows} rows, {result.uploads} files",
                   after={"sha256": result.sha256, "rows": result.rows, "uploads": result.uploads})
            db.session.flush()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    logger.info("tenant=%s exported tables=%s rows=%s uploads=%s bytes=%s", tenant.id, result.tables, result.rows,
                result.uploads, result.bytes)
    return result


def recent_exports(tenant: Tenant, limit: int = 20) -> list[TenantExport]:
    with tenant_scope(tenant):
        return list(db.session.scalars(sa.select(TenantExport).order_by(TenantExport.created_at.desc(),
                                                                         TenantExport.id.desc()).limit(limit)))


def latest_export(tenant: Tenant) -> TenantExport | None:
    exports = recent_exports(tenant, limit=1)
    return exports[0] if exports else None


def delete_tenant(*, actor, tenant: Tenant, reason: str, grace_days: int, now: dt.datetime | None = None) -> None:
    """Soft delete: gone from every page at once, purged after ``grace_days``; only after a recent export."""
    now = now or utcnow()
    if tenant.deleted_at is not None:
        raise ExportError("reason", _l("This tenant is deleted already."))
    export = latest_export(tenant)
    if export is None or export.created_at < now - dt.timedelta(days=EXPORT_FRESH_DAYS):
        raise ExportError("reason", _l("Export the tenant's data first (its administrator's Settings → Export all data, or "
                                       "the export command on the server); an export of the last %(days)s days is needed.",
                                       days=EXPORT_FRESH_DAYS))
    tenant.status_before_delete = tenant.status.value
    tenant.status = TenantStatus.SUSPENDED
    tenant.deleted_at = now
    tenant.purge_after = now + dt.timedelta(days=grace_days)
    with tenant_scope(tenant):
        record(tenant=tenant, actor=actor, action="tenant.deleted", object_type="tenant", object_id=tenant.id,
               summary=tenant.slug, reason=reason, after={"purge_after": tenant.purge_after.isoformat()})
        db.session.flush()


def undelete_tenant(*, actor, tenant: Tenant, reason: str) -> None:
    if tenant.deleted_at is None:
        raise ExportError("reason", _l("This tenant is not deleted."))
    tenant.status = TenantStatus(tenant.status_before_delete or TenantStatus.ACTIVE.value)
    tenant.deleted_at = tenant.purge_after = tenant.status_before_delete = None
    with tenant_scope(tenant):
        record(tenant=tenant, actor=actor, action="tenant.undeleted", object_type="tenant", object_id=tenant.id,
               summary=tenant.slug, reason=reason)
        db.session.flush()


def _delete_leaves_first(connection: sa.Connection, table: sa.Table, tenant_id: int) -> int:
    """Delete the tenant's rows of ``table``; where rows point at rows of the same table (an area's parent,
    a ledger reversal's original), the rows nothing points at go first, round after round. Cutting the
    links instead would break checks that need them (a reversal must name what it reverses)."""
    links = [fk for fk in table.foreign_keys if fk.column.table is table and fk.parent.name != "tenant_id"]
    mine = table.c.tenant_id == tenant_id
    total = 0
    while links:
        pointed_at = [sa.select(fk.parent).where(mine, fk.parent.is_not(None)) for fk in links]
        leaves = sa.and_(mine, *[fk.column.not_in(query) for fk, query in zip(links, pointed_at)])
        removed = connection.execute(table.delete().where(leaves)).rowcount
        total += removed
        if not removed:
            break
    return total + connection.execute(table.delete().where(mine)).rowcount


def purge_tenant(connection: sa.Connection, tenant_id: int) -> dict[str, int]:
    """Delete every row of the tenant (children first), its files, then the tenant itself. Rows deleted per table."""
    metadata = reflect(connection)
    deleted = {}
    with across_tenants("purge a deleted tenant after its grace period"):
        for table in reversed(tenant_tables(metadata)):
            deleted[table.name] = _delete_leaves_first(connection, table, tenant_id)
        tenants = metadata.tables["tenants"]
        connection.execute(tenants.delete().where(tenants.c.id == tenant_id))
    shutil.rmtree(tenant_upload_root(tenant_id), ignore_errors=True)
    return deleted


def due_for_purge(now: dt.datetime | None = None) -> list[Tenant]:
    now = now or utcnow()
    return list(db.session.scalars(sa.select(Tenant).where(Tenant.deleted_at.is_not(None), Tenant.purge_after <= now)
                                   .order_by(Tenant.id)))
