"""``flask --app wsgi boards ...``: verify the notice boards' hash chains, record overdue sections."""
from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

boards_cli = AppGroup("boards", help="Notice boards (公示栏).")


def _tenants(slug: str | None):
    from portal.extensions import db
    from tenants import across_tenants
    from tenants.models import Tenant

    with across_tenants("boards CLI: the tenants to walk"):
        stmt = sa.select(Tenant).order_by(Tenant.slug)
        if slug:
            stmt = stmt.where(Tenant.slug == slug)
        tenants = list(db.session.scalars(stmt))
    if slug and not tenants:
        raise click.BadParameter(f"no tenant with the short name {slug!r}", param_hint="--tenant")
    return tenants


@boards_cli.command("verify")
@click.option("--tenant", "slug", help="The tenant's short name (default: every tenant).")
def verify(slug: str | None) -> None:
    """Recompute every board's hash chain and name the first broken link; exit status 1 if any is broken."""
    from portal.disclosures.services import all_boards, verify_board
    from tenants import tenant_scope

    broken_total = checked = 0
    for tenant in _tenants(slug):
        with tenant_scope(tenant):
            for board in all_boards():
                checked += 1
                broken = verify_board(board)
                if broken is not None:
                    broken_total += 1
                    click.echo(f"{tenant.slug}: BROKEN {broken.describe()}")
    click.echo(f"boards checked={checked} broken={broken_total}")
    if broken_total:
        sys.exit(1)


@boards_cli.command("check-deadlines")
@click.option("--tenant", "slug", help="The tenant's short name (default: every tenant).")
def check_deadlines(slug: str | None) -> None:
    """Record today's overdue sections as dated facts and resolve those since published (run daily)."""
    from portal.disclosures.deadlines import detect
    from portal.extensions import db
    from tenants import tenant_scope

    for tenant in _tenants(slug):
        with tenant_scope(tenant):
            added, resolved = detect(tenant=tenant)
            db.session.commit()
        click.echo(f"{tenant.slug}: overdue new={added} resolved={resolved}")
