"""``flask --app wsgi tickets ...``: escalate overdue tickets (cron), queue it on RQ, seed categories."""
from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup

tickets_cli = AppGroup("tickets", help="Repairs and complaints (报修投诉).")


def _moment(value: str | None) -> str | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter("an ISO time such as 2026-12-01T09:00:00+08:00", param_hint="--now") from error
    if moment.tzinfo is None:
        raise click.BadParameter("give the time zone, e.g. +08:00", param_hint="--now")
    return moment.isoformat()


@tickets_cli.command("escalate")
@click.option("--tenant", "slug", default=None, help="Only this tenant (its short name).")
@click.option("--now", "now", default=None, help="Judge as of this ISO time (default: now).")
@click.option("--queue", is_flag=True, help="Put the run on the RQ queue instead (needs PORTAL_REDIS_URL).")
def escalate(slug: str | None, now: str | None, queue: bool) -> None:
    """Escalate overdue tickets and auto-confirm old resolutions; running it twice changes nothing more."""
    from portal.tickets.tasks import enqueue, escalate_job

    now_iso = _moment(now)
    if queue:
        url = current_app.config.get("REDIS_URL")
        if not url:
            raise click.UsageError("--queue needs PORTAL_REDIS_URL")
        job = enqueue(url, now_iso)
        click.echo(f"queued job {job.id}")
        return
    for name, counts in escalate_job(now_iso, slug).items():
        click.echo(f"{name}: {counts['to_office']} to the community office, {counts['to_bureau']} to the bureau, "
                   f"{counts['auto_confirmed']} auto-confirmed")


@tickets_cli.command("seed")
@click.option("--tenant", "slug", required=True, help="The tenant's short name.")
def seed(slug: str) -> None:
    """Add the default ticket categories a tenant does not have yet."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.tickets.services import seed_categories
    from tenants import tenant_scope
    from tenants.models import Tenant

    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.BadParameter(f"no tenant with the short name {slug!r}", param_hint="--tenant")
    with tenant_scope(tenant):
        added = seed_categories(tenant)
        db.session.commit()
    click.echo(f"{slug}: {added} categories added")
