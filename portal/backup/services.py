"""Create, restore, check and prune backups.

A backup is a folder ``portal-backup-<UTC time>`` holding

* ``database.dump`` (PostgreSQL, ``pg_dump -Fc``) or ``database.sqlite3`` (SQLite, online backup API);
* ``files.tar.gz``: the upload store under ``uploads/`` and the instance folder's own files
  (e.g. ``secret_key``) under ``instance/``;
* ``manifest.json``: SHA-256 of both files, every table's row count and content hash, every upload's
  SHA-256, the migration revision. A restore checks the files against it before touching anything,
  and the drill checks the restored copy against it.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from portal.backup import database
from portal.backup.database import BackupError
from portal.backup.inventory import Inventory, database_inventory, differences, file_sha256, upload_files, upload_inventory
from portal.db import utcnow

FORMAT = "sunshine-backup/1"
NAME_RE = re.compile(r"^portal-backup-(\d{8}T\d{6}Z)$")
MANIFEST = "manifest.json"
FILES = "files.tar.gz"
SKIP_INSTANCE = re.compile(r"(\.sqlite3|\.db)(-wal|-shm|-journal)?$|\.part$")


@dataclass
class BackupResult:
    path: Path
    manifest: dict


def backup_name(moment: dt.datetime) -> str:
    return "portal-backup-" + moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _instance_files(instance: Path, skip: tuple[Path, ...]) -> list[tuple[str, Path]]:
    if not instance.is_dir():
        return []
    found = []
    for directory, dirs, files in os.walk(instance):
        here = Path(directory)
        dirs[:] = [d for d in dirs if (here / d).resolve() not in skip]
        for name in files:
            if not SKIP_INSTANCE.search(name):
                found.append(((here / name).relative_to(instance).as_posix(), here / name))
    return sorted(found)


def create(*, database_url: str, upload_root: Path, instance: Path, target_dir: Path,
           now: dt.datetime | None = None) -> BackupResult:
    """Write one complete backup into a new folder under ``target_dir``; the folder appears only when complete."""
    moment = now or utcnow()
    target_dir.mkdir(parents=True, exist_ok=True)
    final = target_dir / backup_name(moment)
    if final.exists():
        raise BackupError(f"{final} exists already")
    work = target_dir / (final.name + ".part")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(mode=0o700)
    postgresql = database.is_postgresql(database_url)
    dump_name = "database.dump" if postgresql else "database.sqlite3"
    tables, revision = database.dump(database_url, work / dump_name)
    uploads = {}
    skip = tuple(p.resolve() for p in (upload_root, target_dir, work))
    instance_names = []
    with tarfile.open(work / FILES, "w:gz") as archive:
        for relative, path in upload_files(upload_root):
            uploads[relative] = file_sha256(path)
            archive.add(path, arcname=f"uploads/{relative}", recursive=False)
        for relative, path in _instance_files(instance, skip):
            archive.add(path, arcname=f"instance/{relative}", recursive=False)
            instance_names.append(relative)
    manifest = {
        "format": FORMAT, "created_at": moment.astimezone(dt.timezone.utc).isoformat(),
        "backend": "postgresql" if postgresql else "sqlite", "revision": revision,
        "files": {name: {"sha256": file_sha256(work / name), "bytes": (work / name).stat().st_size}
                  for name in (dump_name, FILES)},
        "instance": instance_names,
        **Inventory(tables=tables, uploads=uploads).as_json(),
    }
    (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(work, final)
    return BackupResult(final, manifest)


def read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{path}: no readable {MANIFEST} ({error})") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: not a backup of this portal ({manifest.get('format')!r})")
    return manifest


def check_files(path: Path, manifest: dict) -> None:
    """Every file of the backup is there with the checksum the manifest recorded."""
    for name, expected in manifest["files"].items():
        if not (path / name).is_file():
            raise BackupError(f"{path / name} is missing")
        if file_sha256(path / name) != expected["sha256"]:
            raise BackupError(f"{path / name} is damaged (its SHA-256 differs from the manifest)")


def restore(path: Path, *, database_url: str, upload_root: Path, instance: Path | None) -> dict:
    """Restore a backup into an EMPTY database and an EMPTY upload store; return the manifest."""
    manifest = read_manifest(path)
    check_files(path, manifest)
    postgresql = database.is_postgresql(database_url)
    if postgresql != (manifest["backend"] == "postgresql"):
        raise BackupError(f"this backup is of {manifest['backend']}; the target database is not")
    if upload_root.exists() and any(upload_root.iterdir()):
        raise BackupError(f"the upload store {upload_root} is not empty; restore into an empty folder")
    database.ensure_empty(database_url)
    upload_root.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tarfile.open(path / FILES, "r:gz") as archive:
        for member in archive.getmembers():
            if not member.isfile():
                continue
            top, _, relative = member.name.partition("/")
            if not relative or relative.startswith("/") or ".." in Path(relative).parts:
                raise BackupError(f"{path / FILES}: unsafe member name {member.name!r}")
            if top == "uploads":
                destination = upload_root / relative
            elif top == "instance" and instance is not None:
                destination = instance / relative
                if destination.exists():
                    os.replace(destination, destination.with_name(destination.name + ".before-restore"))
            else:
                continue
            destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with archive.extractfile(member) as source, destination.open("wb") as out:
                shutil.copyfileobj(source, out)
    database.restore(database_url, path / ("database.dump" if postgresql else "database.sqlite3"))
    return manifest


@dataclass
class DrillResult:
    tables: int
    rows: int
    uploads: int
    chains_ok: int
    problems: list[str] = field(default_factory=list)

    @property
    def mismatches(self) -> int:
        return len(self.problems)

    def line(self) -> str:
        return (f"restore_drill tables={self.tables} rows={self.rows} mismatches={self.mismatches} "
                f"uploads={self.uploads} chains_ok={self.chains_ok}")


def verify(manifest: dict, *, database_url: str, upload_root: Path) -> DrillResult:
    """Compare a restored database and upload store with what the backup's manifest recorded."""
    from portal.backup.verifiers import run_all

    expected = Inventory.from_json(manifest)
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            actual = Inventory(tables=database_inventory(connection), uploads=upload_inventory(upload_root))
            chains_ok, chain_problems = run_all(connection)
            connection.rollback()
    finally:
        engine.dispose()
    problems = differences(expected, actual) + chain_problems
    return DrillResult(tables=len(actual.tables), rows=actual.rows, uploads=len(actual.uploads),
                       chains_ok=chains_ok, problems=problems)


def list_backups(target_dir: Path) -> list[tuple[dt.datetime, Path]]:
    found = []
    if target_dir.is_dir():
        for path in target_dir.iterdir():
            match = NAME_RE.match(path.name)
            if match and path.is_dir():
                moment = dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
                found.append((moment, path))
    return sorted(found)


def prune(target_dir: Path, *, keep_days: int, now: dt.datetime | None = None) -> list[Path]:
    """Delete backups older than ``keep_days``; the newest backup is always kept. Returns what was deleted."""
    if keep_days < 1:
        raise BackupError("keep at least 1 day of backups")
    cutoff = (now or utcnow()) - dt.timedelta(days=keep_days)
    backups = list_backups(target_dir)
    removed = []
    for moment, path in backups[:-1]:
        if moment < cutoff:
            shutil.rmtree(path)
            removed.append(path)
    return removed
