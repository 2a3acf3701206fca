"""``flask billing …``: the daily billing run and the price list."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from portal.extensions import db

billing_cli = AppGroup("billing", help="Billing of tenants (Stripe).")


@billing_cli.command("sync")
def sync() -> None:
    """Charge the first month of tenants whose trial ended, and write lapses and recoveries into their status (run daily)."""
    from portal.billing import services, signup
    from tenants.billing.gateway import billing_enabled
    from tenants.models import Tenant

    if not billing_enabled():
        click.echo("billing is off (PORTAL_STRIPE_SECRET_KEY unset): nothing to do")
        return
    started = 0
    for tenant_id in list(services.all_accounts()):
        tenant = db.session.get(Tenant, tenant_id)
        if signup.start_if_due(tenant) is not None:
            started += 1
        db.session.commit()
    changed = services.sync_all()
    db.session.commit()
    click.echo(f"subscriptions started: {started}")
    for slug, status in changed:
        click.echo(f"{slug}: {status}")


@billing_cli.command("plans")
def plans() -> None:
    """List the price list: code, kind, communities covered, price per month in fen, offered or not."""
    from tenants.billing.models import Plan

    for plan in db.session.scalars(sa.select(Plan).order_by(Plan.kind, Plan.sort_order)):
        kind = plan.kind.value if plan.kind else "any"
        limit = plan.max_communities or "unlimited"
        click.echo(f"{plan.code}\t{kind}\t{limit}\t{plan.monthly_fen}\t{'offered' if plan.is_active else 'withdrawn'}")
