"""``flask --app wsgi checklists ...``: seed the defaults, export and import versions, freeze a version."""
from __future__ import annotations

import json

import click
import sqlalchemy as sa
from flask.cli import AppGroup

checklists_cli = AppGroup("checklists", help="The three lists (三张清单).")


def _tenant(slug: str):
    from portal.extensions import db
    from tenants.models import Tenant

    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.BadParameter(f"no tenant with the short name {slug!r}", param_hint="--tenant")
    return tenant


@checklists_cli.command("seed")
@click.option("--tenant", "slug", required=True, help="The tenant's short name.")
def seed(slug: str) -> None:
    """Publish the default lists for a tenant that has none (running it again changes nothing)."""
    from portal.checklists.services import seed_defaults
    from portal.extensions import db
    from tenants import tenant_scope

    tenant = _tenant(slug)
    with tenant_scope(tenant):
        created = seed_defaults(tenant)
        db.session.commit()
    if created:
        click.echo(f"{slug}: published the defaults of list(s) {', '.join(v.kind.value for v in created)}")
    else:
        click.echo(f"{slug}: every list already has a version; nothing changed")


@checklists_cli.command("export")
@click.option("--tenant", "slug", required=True, help="The tenant's short name.")
@click.option("--kind", type=click.Choice(["A", "B", "C"]), required=True, help="Which list.")
@click.option("--version-id", type=int, default=None, help="A version id (default: the published version).")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
def export(slug: str, kind: str, version_id: int | None, fmt: str) -> None:
    """Print a version of a list as JSON (the format ``checklists import`` reads)."""
    from portal.checklists.models import ChecklistVersion, ListKind
    from portal.checklists.services import current_version, version_data
    from portal.extensions import db
    from tenants import tenant_scope

    tenant = _tenant(slug)
    with tenant_scope(tenant):
        if version_id is None:
            version = current_version(ListKind(kind))
        else:
            version = db.session.scalar(sa.select(ChecklistVersion).where(
                ChecklistVersion.id == version_id, ChecklistVersion.kind == ListKind(kind)))
        if version is None:
            raise click.ClickException(f"{slug}: no such version of list {kind}")
        click.echo(json.dumps(version_data(version), ensure_ascii=False, indent=2))


@checklists_cli.command("import")
@click.option("--tenant", "slug", required=True, help="The tenant's short name.")
@click.option("--file", "path", type=click.File("rb"), required=True, help="A JSON file from `checklists export` ('-': stdin).")
@click.option("--note", default="imported", show_default=True)
def import_(slug: str, path, note: str) -> None:
    """Create a new draft from a JSON version, validated like the editor (all or nothing)."""
    from portal.checklists.services import ChecklistError, import_draft
    from portal.extensions import db
    from tenants import tenant_scope

    try:
        data = json.loads(path.read().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise click.ClickException(f"not a UTF-8 JSON file: {exc}") from None
    if not isinstance(data, dict):
        raise click.ClickException("the file must hold one JSON object (a version)")
    tenant = _tenant(slug)
    with tenant_scope(tenant):
        try:
            version = import_draft(tenant=tenant, actor=None, data=data, note=note)
        except ChecklistError as error:
            db.session.rollback()
            raise click.ClickException(f"refused, nothing imported: {error.field or 'file'}: {error.message}") from None
        db.session.commit()
        click.echo(f"{slug}: draft version {version.number} of list {version.kind.value} created (id {version.id})")


@checklists_cli.command("freeze")
@click.option("--tenant", "slug", required=True, help="The tenant's short name.")
@click.option("--version-id", type=int, required=True)
@click.option("--reason", required=True, help="Which evaluation period uses this version.")
def freeze(slug: str, version_id: int, reason: str) -> None:
    """Freeze a published or superseded version: it can never change or be deleted afterwards."""
    from portal.checklists.models import ChecklistVersion
    from portal.checklists.services import ChecklistError, freeze_version
    from portal.extensions import db
    from tenants import tenant_scope

    tenant = _tenant(slug)
    with tenant_scope(tenant):
        version = db.session.scalar(sa.select(ChecklistVersion).where(ChecklistVersion.id == version_id))
        if version is None:
            raise click.ClickException(f"{slug}: no version with id {version_id}")
        try:
            freeze_version(version, reason, None, tenant=tenant)
        except ChecklistError as error:
            db.session.rollback()
            raise click.ClickException(str(error.message)) from None
        db.session.commit()
        click.echo(f"{slug}: list {version.kind.value} version {version.number} frozen")

