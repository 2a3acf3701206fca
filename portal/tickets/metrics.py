"""What /metrics tells an IT officer about tickets: how many are past their deadline now, per tenant."""
from __future__ import annotations

import sqlalchemy as sa

from portal.db import utcnow
from portal.extensions import db
from portal.monitoring import register_gauge
from portal.tickets.models import Ticket
from tenants.context import across_tenants
from tenants.models import Tenant


@register_gauge("portal_tickets_overdue", "Tickets past the deadline now running, per tenant", labels=("tenant",))
def overdue_tickets_per_tenant() -> dict[tuple, float]:
    with across_tenants("metrics: overdue tickets of every tenant"):
        rows = db.session.execute(
            sa.select(Tenant.slug, sa.func.count(Ticket.id))
            .join(Ticket, Ticket.tenant_id == Tenant.id)
            .where(Ticket.due_at.is_not(None), Ticket.due_at < utcnow())
            .group_by(Tenant.slug)).all()
    return {(slug,): float(count) for slug, count in rows}
