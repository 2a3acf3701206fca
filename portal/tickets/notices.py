"""Who hears of what happens to a ticket (see docs/tickets.md, Notifications).

Each event is one call, ``announce(tenant, ticket, event)``, from the workflow or the escalation run.
The candidates come from their role (the owner; the firm's staff or the assignee; the community office of
the area; the bureau), and each is kept only if the tickets' own visibility rule lets them open the ticket,
so nobody is told of a ticket they could not see, in this tenant or any other.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.extensions import db
from portal.notifications.services import notify
from portal.tickets import services
from portal.tickets.models import Ticket, Urgency
from tenants.models import Membership
from tenants.roles import Role

OWNER, HANDLERS, OFFICE, BUREAU = "owner", "handlers", "office", "bureau"
# event -> [(audience, notification kind)]
EVENTS: dict[str, list[tuple[str, str]]] = {
    "filed": [(HANDLERS, "ticket.filed")],
    "filed_urgent": [(HANDLERS, "ticket.filed_urgent")],
    "accepted": [(OWNER, "ticket.accepted")],
    "resolved": [(OWNER, "ticket.resolved")],
    "auto_confirm_soon": [(OWNER, "ticket.auto_confirm_soon")],
    "reopened": [(HANDLERS, "ticket.reopened")],
    "urged": [(HANDLERS, "ticket.urged"), (OWNER, "ticket.urged_owner")],
    "escalated_1": [(OFFICE, "ticket.escalated_office"), (HANDLERS, "ticket.overdue")],
    "escalated_2": [(BUREAU, "ticket.escalated_bureau"), (HANDLERS, "ticket.escalated_bureau_firm")],
}
# Events that happen once per ticket (or once per resolution): told once even if noticed twice.
_ONCE = {"escalated_1", "escalated_2", "auto_confirm_soon", "filed", "filed_urgent"}


def announce(tenant, ticket: Ticket, event: str, *, actor=None, now: dt.datetime | None = None,
             params: dict | None = None) -> int:
    """Notify everyone ``event`` concerns, except the person who caused it; returns how many were notified."""
    if event == "filed" and ticket.urgency == Urgency.URGENT:
        event = "filed_urgent"
    base = {"ref": ticket.reference, "community": ticket.community.name if ticket.community else ""}
    base.update(params or {})
    key = f"ticket:{ticket.id}:{event}"
    if event == "auto_confirm_soon" and ticket.resolved_at is not None:
        key += f":{ticket.resolved_at.isoformat()}"
    count = 0
    actor_id = getattr(actor, "id", None)
    for audience, kind in EVENTS[event]:
        people = {u for u in recipients(ticket, audience) if u != actor_id}
        rows = notify(tenant=tenant, kind=kind, recipients=people, object_type="ticket", object_id=ticket.id,
                      params=base, dedupe_key=key if event in _ONCE else None, now=now)
        count += len(rows)
    return count


def recipients(ticket: Ticket, audience: str) -> set[int]:
    """User ids of ``audience`` for ``ticket`` who may see it (active members of the current tenant)."""
    if audience == OWNER:
        wanted = sa.and_(Membership.role == Role.OWNER, Membership.user_id == ticket.owner_id) \
            if ticket.owner_id else sa.false()
    elif audience == HANDLERS:
        from portal.tickets.workflow import assignable_user_ids

        handlers = assignable_user_ids(ticket)
        if ticket.assignee_id in handlers:
            handlers = {ticket.assignee_id}  # the person on it, not the whole team
        wanted = Membership.user_id.in_(handlers) if handlers else sa.false()
        wanted = sa.and_(wanted, Membership.role.in_(tuple(services.HANDLER_ROLES)))
    elif audience == OFFICE:
        wanted = Membership.role == Role.AREA_OFFICER
    elif audience == BUREAU:
        wanted = Membership.role.in_((Role.BUREAU_ADMIN, Role.BUREAU_STAFF))
    else:
        raise ValueError(audience)
    candidates = list(db.session.scalars(sa.select(Membership).where(Membership.is_active.is_(True), wanted)))
    by_user: dict[int, list[Membership]] = {}
    for m in candidates:
        by_user.setdefault(m.user_id, []).append(m)
    return {user_id for user_id, ms in by_user.items() if _sees(ms, ticket)}


def _sees(memberships: list[Membership], ticket: Ticket) -> bool:
    """The tickets' page rule (portal.tickets.services.visibility), evaluated for this candidate."""
    return services.can_see(memberships, ticket)
