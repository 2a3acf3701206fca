"""``flask --app wsgi objections ...``: the facts the evaluation reads (per project and period)."""
from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

objections_cli = AppGroup("objections", help="Owners' objections to the notice boards (异议).")


@objections_cli.command("facts")
@click.option("--tenant", "slug", required=True, help="The tenant's short name.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day of the period.")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day of the period.")
def facts(slug: str, start: dt.datetime, end: dt.datetime) -> None:
    """Per project: objections filed in the period, answered late, and open past their due date at its end."""
    from portal.disclosures.cli import _tenants
    from portal.objections.services import period_facts
    from tenants import tenant_scope

    if end < start:
        raise click.BadParameter("the period ends before it starts", param_hint="--end")
    for tenant in _tenants(slug):
        with tenant_scope(tenant):
            rows = period_facts(start.date(), end.date(), tenant.time_zone or "Asia/Shanghai")
        click.echo("board_id\tcommunity_id\tfirm_id\tfiled\tanswered_late\topen_overdue")
        for row in rows:
            click.echo("\t".join(str(row[k]) for k in ("board_id", "community_id", "firm_id", "filed", "answered_late",
                                                        "open_overdue")))
