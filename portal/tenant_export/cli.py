"""``flask --app wsgi tenants export|import|purge`` (docs/admin/README.md, Tenant export)."""
from __future__ import annotations

import shutil
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db

tenants_cli = AppGroup("tenants", help="A tenant's data, whole: export, import, purge after deletion.")


@tenants_cli.command("export")
@click.argument("slug")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export(slug: str, output: Path) -> None:
    """Export everything of tenant SLUG (rows, accounts it refers to, files) as a ZIP; recorded."""
    from portal.checklists.cli import _tenant  # the one lookup of a tenant by short name on the command line
    from portal.tenant_export.services import export_tenant

    result = export_tenant(_tenant(slug), actor=None, directory=output.parent)
    db.session.commit()
    shutil.move(result.path, output)
    click.echo(f"tenant_export {output} tables={result.tables} rows={result.rows} uploads={result.uploads} "
               f"sha256={result.sha256}")


@tenants_cli.command("import")
@click.argument("zip_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(zip_path: Path) -> None:
    """Import a tenant export (ids kept; accounts matched by mobile/e-mail, new ones without a password)."""
    from portal.audit.services import record
    from portal.tenant_export.importer import ImportRefused, import_export
    from tenants.context import tenant_scope
    from tenants.models import Tenant

    owner_url = current_app.config.get("DATABASE_OWNER_URL")
    engine = sa.create_engine(owner_url, poolclass=sa.pool.NullPool) if owner_url else db.engine
    try:
        with engine.begin() as connection:
            result = import_export(connection, zip_path)
    except ImportRefused as error:
        raise click.ClickException(str(error)) from error
    finally:
        if owner_url:
            engine.dispose()
    tenant = db.session.get(Tenant, result.tenant_id)
    with tenant_scope(tenant):
        record(tenant=tenant, actor=None, action="tenant.imported", object_type="tenant", object_id=tenant.id,
               summary=f"{result.rows} rows, {result.uploads} files", after={"rows": result.rows, "uploads": result.uploads})
        db.session.commit()
    click.echo(f"tenant_import {result.slug} tables={result.tables} rows={result.rows} uploads={result.uploads} "
               f"users_matched={result.users_matched} users_created={result.users_created}")


@tenants_cli.command("purge")
def purge() -> None:
    """Remove for good the tenants deleted longer ago than their grace period (run daily by the kit's timer)."""
    from portal.tenant_export.services import due_for_purge, purge_tenant

    for tenant in due_for_purge():
        tenant_id, slug = tenant.id, tenant.slug
        deleted = purge_tenant(db.session.connection(), tenant_id)
        db.session.commit()
        current_app.logger.info("tenant purged id=%s slug=%s rows=%s", tenant_id, slug, sum(deleted.values()))
        click.echo(f"purged tenant {slug} (id {tenant_id}): {sum(deleted.values())} rows")
