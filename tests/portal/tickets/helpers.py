"""Helpers of the ticket tests: act as a world's member inside its tenant, file a ticket at a fixed moment."""
from __future__ import annotations

import datetime as dt
import io
from contextlib import contextmanager

import sqlalchemy as sa
from PIL import Image

from portal.auth.models import User
from portal.communities.models import Community, Unit
from portal.extensions import db
from portal.tickets import services
from portal.tickets.models import TicketCategory, TicketSource, Urgency
from tenants import tenant_scope
from tenants.models import Membership, Tenant
from tenants.roles import Role

UTC = dt.timezone.utc
# 16:00 in Shanghai on Wednesday 30 September 2026, the eve of the National Day week.
EVE_OF_NATIONAL_DAY = dt.datetime(2026, 9, 30, 8, 0, tzinfo=UTC)


@contextmanager
def in_tenant(tw):
    tenant = db.session.get(Tenant, tw.tenant_id)
    with tenant_scope(tenant):
        yield tenant


def user(tw, role: Role) -> User:
    return db.session.get(User, tw.users[role])


def memberships(tw, role: Role) -> list[Membership]:
    return list(db.session.scalars(sa.select(Membership).where(Membership.id == tw.memberships[role])))


def category(code: str = "repair_routine") -> TicketCategory:
    services.seed_categories()
    return db.session.scalar(sa.select(TicketCategory).where(TicketCategory.code == code))


def png(size=(40, 30), colour=(30, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def file_as_owner(tenant, tw, *, code: str = "repair_routine", now: dt.datetime = EVE_OF_NATIONAL_DAY,
                  urgency: Urgency = Urgency.NORMAL, photos=()):
    owner = user(tw, Role.OWNER)
    community = db.session.get(Community, tw.community_id)
    ticket, _keys = services.file_ticket(
        tenant=tenant, actor=owner, community=community, category=category(code), description="楼道灯不亮",
        location="1号楼2单元", urgency=urgency, source=TicketSource.ONLINE, unit=db.session.get(Unit, tw.unit_id),
        owner_id=owner.id, photos=list(photos), now=now)
    return ticket


def put_world_ticket(app, tw, status: str) -> dict:
    """Move a world's ticket straight to ``status`` (assigned to its firm staff), for the route walks that
    need a step to be allowed; returns no form data."""
    from portal.db import utcnow
    from portal.tickets.models import Ticket, TicketStatus

    with app.app_context():
        with in_tenant(tw):
            ticket = db.session.get(Ticket, tw.ticket_id)
            ticket.status = TicketStatus(status)
            ticket.assignee_id = tw.users[Role.FIRM_STAFF]
            ticket.resolved_at = utcnow() if status == "resolved" else None
            db.session.commit()
        db.session.remove()
    return {}
