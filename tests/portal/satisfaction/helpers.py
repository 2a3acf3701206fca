"""Helpers of the satisfaction-list tests: resolved tickets at fixed moments, a second and third firm."""
from __future__ import annotations

import datetime as dt

from portal.extensions import db
from portal.firms.models import Firm
from portal.tickets.models import FollowUp, Satisfaction, TicketStatus
from tests.portal.tickets.helpers import file_as_owner

UTC = dt.timezone.utc
# Noon in Shanghai, 15 October 2026.
MID_OCTOBER = dt.datetime(2026, 10, 15, 4, 0, tzinfo=UTC)
NOW = dt.datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


def firm(tenant, name: str, code: str) -> Firm:
    row = Firm(tenant_id=tenant.id, name=name, credit_code=code)
    db.session.add(row)
    db.session.flush()
    return row


def resolved(tenant, tw, *, at: dt.datetime = MID_OCTOBER, rating: int | None = None, firm_id: int | None = -1,
             follow_up: Satisfaction | None = None, description: str = "楼道灯不亮", note: str = "已更换灯泡",
             status: TicketStatus = TicketStatus.CONFIRMED):
    """A ticket resolved at ``at`` (filed two days before), with the given rating, firm and follow-up."""
    ticket = file_as_owner(tenant, tw, now=at - dt.timedelta(days=2))
    ticket.description = description
    ticket.status = status
    ticket.resolved_at = ticket.first_resolved_at = at
    ticket.resolution_note = note
    ticket.rating = rating
    ticket.due_at = None
    if firm_id != -1:
        ticket.firm_id = firm_id
    if follow_up is not None:
        db.session.add(FollowUp(tenant_id=tenant.id, ticket_id=ticket.id, visited_at=at + dt.timedelta(days=1),
                                reached=True, satisfaction=follow_up))
    db.session.flush()
    return ticket
