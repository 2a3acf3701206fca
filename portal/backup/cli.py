"""``flask --app wsgi backup create|restore|drill|prune|list`` (docs/admin/README.md, Backups)."""
from __future__ import annotations

import contextlib
import secrets
import tempfile
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from portal.backup import services
from portal.backup.database import BackupError, is_postgresql

backup_cli = AppGroup("backup", help="Backups of the database, the upload store and the instance files.")


def owner_url() -> str:
    """The database as its owner (dump and restore need every row and the schema)."""
    return current_app.config.get("DATABASE_OWNER_URL") or current_app.config["SQLALCHEMY_DATABASE_URI"]


def backup_dir() -> Path:
    configured = current_app.config.get("BACKUP_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "backups"


def upload_root() -> Path:
    from portal.storage import upload_root as root

    return root()


def _fail(error: BackupError):
    raise click.ClickException(str(error))


@backup_cli.command("create")
@click.option("--dir", "target", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where backups are kept (default PORTAL_BACKUP_DIR or <instance>/backups).")
@click.option("--keep-days", type=int, default=None, help="Then delete backups older than this (default PORTAL_BACKUP_KEEP_DAYS).")
def create(target: Path | None, keep_days: int | None) -> None:
    """Back up the database, the upload store and the instance files, with a manifest of checksums."""
    target = target or backup_dir()
    try:
        result = services.create(database_url=owner_url(), upload_root=upload_root(),
                                 instance=Path(current_app.instance_path), target_dir=target)
        keep = keep_days if keep_days is not None else int(current_app.config.get("BACKUP_KEEP_DAYS", 14))
        removed = services.prune(target, keep_days=keep)
    except BackupError as error:
        _fail(error)
    manifest = result.manifest
    rows = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(f"backup {result.path} tables={len(manifest['tables'])} rows={rows} uploads={len(manifest['uploads'])}")
    for path in removed:
        click.echo(f"deleted old backup {path}")


@backup_cli.command("list")
@click.option("--dir", "target", type=click.Path(file_okay=False, path_type=Path), default=None)
def list_(target: Path | None) -> None:
    """The backups kept, oldest first."""
    for moment, path in services.list_backups(target or backup_dir()):
        click.echo(f"{moment.isoformat()} {path}")


@backup_cli.command("prune")
@click.option("--dir", "target", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--keep-days", type=int, required=True)
def prune(target: Path | None, keep_days: int) -> None:
    """Delete backups older than --keep-days (the newest is always kept)."""
    try:
        for path in services.prune(target or backup_dir(), keep_days=keep_days):
            click.echo(f"deleted old backup {path}")
    except BackupError as error:
        _fail(error)


def _latest(target: Path) -> Path:
    backups = services.list_backups(target)
    if not backups:
        raise click.ClickException(f"no backup in {target}")
    return backups[-1][1]


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--database-url", default=None, help="The EMPTY target database, as its owner (default: this installation's).")
@click.option("--upload-root", "target_uploads", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The EMPTY target upload store (default PORTAL_UPLOAD_ROOT or <instance>/uploads).")
@click.option("--instance-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the instance files go (default: this installation's; files there are kept as *.before-restore).")
@click.option("--app-role", default=None, help="PostgreSQL: grant this application role the restored data.")
def restore(path: Path, database_url: str | None, target_uploads: Path | None, instance_dir: Path | None,
            app_role: str | None) -> None:
    """Restore PATH into an empty database and upload store, then check it against the manifest."""
    from portal.config import normalise_database_url

    url = normalise_database_url(database_url) if database_url else owner_url()
    uploads = target_uploads or upload_root()
    try:
        manifest = services.restore(path, database_url=url, upload_root=uploads,
                                    instance=instance_dir or Path(current_app.instance_path))
        if app_role and is_postgresql(url):
            _grant(url, app_role)
        result = services.verify(manifest, database_url=url, upload_root=uploads)
    except BackupError as error:
        _fail(error)
    _report(result)


def _grant(url: str, role: str) -> None:
    from tenants.rls import grant_application_role

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        grant_application_role(connection, role)
    engine.dispose()


def _report(result: services.DrillResult) -> None:
    for problem in result.problems:
        click.echo(f"MISMATCH {problem}", err=True)
    click.echo(result.line())
    if result.mismatches:
        raise SystemExit(1)


@contextlib.contextmanager
def throwaway_database(like: str):
    """An empty database beside ``like`` (PostgreSQL: created and dropped; SQLite: a temp file)."""
    if not is_postgresql(like):
        with tempfile.TemporaryDirectory(prefix="portal-drill-") as folder:
            yield f"sqlite:///{Path(folder) / 'drill.sqlite3'}"
        return
    base = sa.make_url(like)
    name = f"{base.database}_drill_{secrets.token_hex(4)}"
    server = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with server.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


@backup_cli.command("drill")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), required=False)
@click.option("--target-url", default=None, help="An EMPTY database to restore into (default: a throwaway one).")
def drill(path: Path | None, target_url: str | None) -> None:
    """Restore a backup (default: the newest) into a throwaway database and upload store and compare everything."""
    path = path or _latest(backup_dir())
    try:
        with contextlib.ExitStack() as stack:
            url = target_url or stack.enter_context(throwaway_database(owner_url()))
            uploads = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="portal-drill-uploads-")))
            manifest = services.restore(path, database_url=url, upload_root=uploads / "uploads", instance=None)
            result = services.verify(manifest, database_url=url, upload_root=uploads / "uploads")
    except BackupError as error:
        _fail(error)
    _report(result)
