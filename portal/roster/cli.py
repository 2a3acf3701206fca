"""``flask --app wsgi roster import|export``: the roster services from the command line."""
from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

roster_cli = AppGroup("roster", help="Unit rosters: import and export.")


def _tenant_and_community(tenant_slug: str, community_ref: str):
    from portal.extensions import db
    from portal.roster import services
    from tenants.models import Tenant

    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == tenant_slug))
    if tenant is None:
        raise click.BadParameter(f"no tenant with the slug {tenant_slug!r}", param_hint="--tenant")
    from tenants import tenant_scope

    with tenant_scope(tenant):
        community = services.find_community(community_ref)
    if community is None:
        raise click.BadParameter(f"no community {community_ref!r} (name or id) in tenant {tenant_slug}",
                                 param_hint="--community")
    return tenant, community


def _print_problems(preview) -> None:
    for problem in preview.errors:
        row = "-" if problem.row is None else problem.row
        click.echo(f"  row {row}, column {problem.column or '-'}: {problem.reason}", err=True)
    if preview.errors_truncated:
        click.echo(f"  ... and {preview.error_count - len(preview.errors)} more", err=True)
    if preview.unknown_buildings:
        click.echo(f"  registered buildings: {', '.join(preview.buildings) or '(none)'}", err=True)


@roster_cli.command("import")
@click.option("--tenant", "tenant_slug", required=True, help="The tenant's slug (as in /t/<slug>/).")
@click.option("--community", "community_ref", required=True, help="The community's name or id.")
@click.option("--dry-run", is_flag=True, help="Only check the file and print what would change.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(tenant_slug: str, community_ref: str, dry_run: bool, file: Path) -> None:
    """Import a roster file (CSV UTF-8/GBK or XLSX) into a community, all or nothing."""
    from portal.extensions import db
    from portal.roster import services
    from tenants import tenant_scope

    tenant, community = _tenant_and_community(tenant_slug, community_ref)
    with tenant_scope(tenant):
        preview = services.preview_file(community, file)
        click.echo(f"{file.name}: {preview.kind or '?'} {preview.encoding} — {preview.rows} rows: "
                   f"{preview.to_insert} new, {preview.to_update} updated, {preview.unchanged} unchanged; "
                   f"{preview.missing_from_file} registered units not in the file are kept")
        if not preview.ok:
            click.echo(f"rejected: {preview.error_count} problem(s); nothing imported", err=True)
            _print_problems(preview)
            db.session.rollback()
            sys.exit(1)
        if dry_run:
            click.echo("dry run: nothing written")
            return
        try:
            result = services.import_file(tenant=tenant, actor=None, community=community, path=file, filename=file.name)
        except services.RosterRejected as rejected:
            db.session.rollback()
            click.echo(f"rejected: {rejected.preview.error_count} problem(s); nothing imported", err=True)
            _print_problems(rejected.preview)
            sys.exit(1)
        db.session.commit()
    click.echo(f"imported: {result.inserted} new, {result.updated} updated, {result.unchanged} unchanged")


@roster_cli.command("export")
@click.option("--tenant", "tenant_slug", required=True, help="The tenant's slug (as in /t/<slug>/).")
@click.option("--community", "community_ref", required=True, help="The community's name or id.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_command(tenant_slug: str, community_ref: str, fmt: str, output: Path) -> None:
    """Export a community's units in the import format (CSV UTF-8 with BOM, or XLSX)."""
    from portal.roster import exporting
    from tenants import tenant_scope

    tenant, community = _tenant_and_community(tenant_slug, community_ref)
    with tenant_scope(tenant), open(output, "wb") as out:
        if fmt == "xlsx":
            exporting.write_xlsx(community, out)
        else:
            exporting.write_csv(community, out)
    click.echo(f"exported {community.name} to {output}")
