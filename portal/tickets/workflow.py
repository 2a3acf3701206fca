"""The ticket's state machine and the acts of supervision around it.

submitted → accepted (a staff member assigned) → in progress → resolved (note, photos) → confirmed (the owner
rates 1–5, or nobody answers for AUTO_CONFIRM_DAYS) → followed up (the community office or the bureau calls
or visits) → closed. The owner may reopen a resolved ticket ("not fixed"): back to in progress, counted.
Every step is a TicketEvent and an audit event; a step the ticket's status does not allow is refused with a
message saying what the ticket is waiting for.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.db import utcnow
from portal.extensions import db
from portal.tickets import calendar, notices
from portal.tickets.models import (
    CONSULTATION_PARTIES,
    Complexity,
    Consultation,
    FollowUp,
    PhotoStage,
    Satisfaction,
    Ticket,
    TicketStatus,
)
from portal.tickets.services import TicketError, add_event, clean_text, store_photos

S = TicketStatus
MAX_EXTENSION_DAYS = 30


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[TicketStatus, ...]
    target: TicketStatus
    label: object


TRANSITIONS = {t.name: t for t in (
    Transition("accept", (S.SUBMITTED,), S.ACCEPTED, _l("accept")),
    Transition("start", (S.ACCEPTED,), S.IN_PROGRESS, _l("start work on")),
    Transition("resolve", (S.ACCEPTED, S.IN_PROGRESS), S.RESOLVED, _l("resolve")),
    Transition("confirm", (S.RESOLVED,), S.CONFIRMED, _l("confirm")),
    Transition("reopen", (S.RESOLVED,), S.IN_PROGRESS, _l("reopen")),
    Transition("auto_confirm", (S.RESOLVED,), S.CONFIRMED, _l("confirm")),
    Transition("follow_up", (S.CONFIRMED,), S.FOLLOWED_UP, _l("record a follow-up visit for")),
    Transition("close", (S.FOLLOWED_UP,), S.CLOSED, _l("close")),
)}


def allowed(ticket: Ticket, name: str) -> bool:
    return ticket.status in TRANSITIONS[name].sources


def _move(*, tenant, actor, ticket: Ticket, name: str, note: str = "", now: dt.datetime | None = None,
          detail: dict | None = None) -> dt.datetime:
    transition = TRANSITIONS[name]
    if ticket.status not in transition.sources:
        raise TicketError(None, _l("This ticket is %(status)s: it cannot be %(action)s now.",
                                   status=ticket.status.label, action=_past(name)), status=409, code="illegal_transition")
    now = now or utcnow()
    before = ticket.status
    ticket.status = transition.target
    ticket.updated_at = now
    add_event(ticket, name, actor, before, transition.target, note, now)
    record(tenant=tenant, actor=actor, action=f"ticket.{name}", object_type="ticket", object_id=ticket.id,
           summary=f"{before.value} -> {transition.target.value}", before={"status": before.value},
           after={"status": transition.target.value, **(detail or {})}, reason=note)
    return now


def _past(name: str):
    return {"accept": _l("accepted"), "start": _l("started"), "resolve": _l("resolved"), "confirm": _l("confirmed"),
            "reopen": _l("reopened"), "auto_confirm": _l("confirmed"), "follow_up": _l("followed up"),
            "close": _l("closed")}[name]


def _note(value, field: str, required_message=None, limit: int = 1000) -> str:
    return clean_text(field, value, limit, required_message)


def assignable_user_ids(ticket: Ticket) -> set[int]:
    """Who may be assigned: the firm's staff (bureau tenants) or the project team (a firm's own tenant)."""
    from tenants.models import Membership
    from tenants.roles import Role

    rows = db.session.execute(sa.select(Membership.user_id).where(Membership.is_active.is_(True), sa.or_(
        sa.and_(Membership.role == Role.FIRM_STAFF, Membership.firm_id == ticket.firm_id) if ticket.firm_id else sa.false(),
        sa.and_(Membership.role.in_((Role.PROJECT_MANAGER, Role.PROJECT_STAFF)),
                Membership.community_id == ticket.community_id))))
    return {r[0] for r in rows}


def accept(*, tenant, actor, ticket: Ticket, assignee_id: int, note: str = "", now=None) -> Ticket:
    if assignee_id not in assignable_user_ids(ticket):
        raise TicketError("assignee_id", _l("Choose a staff member of the firm serving this community."))
    at = _move(tenant=tenant, actor=actor, ticket=ticket, name="accept", note=_note(note, "note"), now=now,
               detail={"assignee_id": assignee_id})
    ticket.assignee_id = assignee_id
    ticket.accepted_at = at
    ticket.due_at = ticket.resolve_due_at
    db.session.flush()
    notices.announce(tenant, ticket, "accepted", actor=actor, now=at)
    return ticket


def start(*, tenant, actor, ticket: Ticket, note: str = "", now=None) -> Ticket:
    ticket.started_at = _move(tenant=tenant, actor=actor, ticket=ticket, name="start", note=_note(note, "note"), now=now)
    db.session.flush()
    return ticket


def resolve(*, tenant, actor, ticket: Ticket, note: str, photos=(), now=None) -> tuple[Ticket, list[str]]:
    """Mark resolved with what was done (and photos, already accepted); returns the stored photo keys."""
    text = _note(note, "note", _l("Say what was done."), 2000)
    at = _move(tenant=tenant, actor=actor, ticket=ticket, name="resolve", note=text, now=now)
    ticket.resolved_at = at
    ticket.first_resolved_at = ticket.first_resolved_at or at
    ticket.resolution_note = text
    ticket.due_at = None
    db.session.flush()
    keys = store_photos(tenant, ticket, list(photos), PhotoStage.RESOLUTION, actor)
    notices.announce(tenant, ticket, "resolved", actor=actor, now=at)
    return ticket, keys


def confirm(*, tenant, actor, ticket: Ticket, rating, comment: str = "", now=None) -> Ticket:
    if rating is None or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise TicketError("rating", _l("Choose a rating from 1 to 5 stars."))
    comment = _note(comment, "comment", limit=500)
    at = _move(tenant=tenant, actor=actor, ticket=ticket, name="confirm", note=comment, now=now,
               detail={"rating": rating})
    ticket.confirmed_at, ticket.rating, ticket.rating_comment = at, rating, comment
    db.session.flush()
    return ticket


def reopen(*, tenant, actor, ticket: Ticket, reason: str, now=None) -> Ticket:
    """"Not fixed": back to the firm, counted, with a new resolution deadline from now."""
    text = _note(reason, "reason", _l("Say what is still wrong."))
    at = _move(tenant=tenant, actor=actor, ticket=ticket, name="reopen", note=text, now=now)
    ticket.reopen_count += 1
    ticket.resolved_at = None
    category = ticket.category
    ticket.resolve_due_at = calendar.deadline(at, category.resolve_limit, category.resolve_unit,
                                              zone=calendar.zone_of(tenant))
    ticket.due_at = ticket.resolve_due_at
    db.session.flush()
    notices.announce(tenant, ticket, "reopened", actor=actor, now=at)
    return ticket


def auto_confirm(*, tenant, ticket: Ticket, now: dt.datetime) -> Ticket:
    ticket.confirmed_at = _move(tenant=tenant, actor=None, ticket=ticket, name="auto_confirm", now=now)
    ticket.auto_confirmed = True
    db.session.flush()
    return ticket


def follow_up(*, tenant, actor, ticket: Ticket, reached: bool, satisfaction: str | None, notes: str = "",
              now=None) -> FollowUp:
    known = next((s for s in Satisfaction if s.value == satisfaction), None) if satisfaction else None
    if satisfaction and known is None:
        raise TicketError("satisfaction", _l("Choose one of the answers offered."))
    if reached and known is None:
        raise TicketError("satisfaction", _l("Record how satisfied the caller was."))
    notes = _note(notes, "notes")
    at = _move(tenant=tenant, actor=actor, ticket=ticket, name="follow_up", note=notes, now=now,
               detail={"reached": reached, "satisfaction": known.value if known else None})
    visit = FollowUp(ticket_id=ticket.id, visited_at=at, visitor_id=getattr(actor, "id", None), reached=reached,
                     satisfaction=known if reached else None, notes=notes)
    db.session.add(visit)
    ticket.followed_up_at = at
    db.session.flush()
    return visit


def close(*, tenant, actor, ticket: Ticket, note: str = "", now=None) -> Ticket:
    ticket.closed_at = _move(tenant=tenant, actor=actor, ticket=ticket, name="close", note=_note(note, "note"), now=now)
    db.session.flush()
    return ticket


# --- triage and consultation -------------------------------------------------------------------------

def triage(*, tenant, actor, ticket: Ticket, complexity: str, now=None) -> Ticket:
    known = next((c for c in Complexity if c.value == complexity), None)
    if known is None:
        raise TicketError("complexity", _l("Choose simple or complex."))
    if not ticket.status.is_open:
        raise TicketError("complexity", _l("Only an open ticket can be triaged."), status=409)
    before = ticket.complexity.value if ticket.complexity else ""
    ticket.complexity = known
    add_event(ticket, "triage", actor, ticket.status, ticket.status, known.value, now or utcnow())
    record(tenant=tenant, actor=actor, action="ticket.triaged", object_type="ticket", object_id=ticket.id,
           summary=known.value, before={"complexity": before}, after={"complexity": known.value})
    db.session.flush()
    return ticket


def add_consultation(*, tenant, actor, ticket: Ticket, held_on: dt.date, parties: list[str], other_parties: str,
                     outcome: str, tasks: str, tasks_due_on: dt.date | None, now=None) -> Consultation:
    if ticket.complexity != Complexity.COMPLEX:
        raise TicketError(None, _l("Only a ticket marked complex gets a joint consultation record."), status=409)
    parties = [p for p in parties if p]
    if not parties or any(p not in CONSULTATION_PARTIES for p in parties):
        raise TicketError("parties", _l("Choose at least one of the parties offered."))
    if tasks_due_on is not None and tasks_due_on < held_on:
        raise TicketError("tasks_due_on", _l("The tasks cannot be due before the consultation."))
    row = Consultation(ticket_id=ticket.id, held_on=held_on, parties=",".join(parties),
                       other_parties=_note(other_parties, "other_parties", limit=200),
                       outcome=_note(outcome, "outcome", _l("Write down what was agreed."), 2000),
                       tasks=_note(tasks, "tasks", limit=2000), tasks_due_on=tasks_due_on,
                       recorded_by_id=getattr(actor, "id", None), recorded_at=now or utcnow())
    db.session.add(row)
    db.session.flush()
    add_event(ticket, "consult", actor, ticket.status, ticket.status, row.outcome[:200], now or utcnow())
    record(tenant=tenant, actor=actor, action="ticket.consultation_recorded", object_type="ticket",
           object_id=ticket.id, summary=held_on.isoformat(), after={"parties": parties, "held_on": held_on.isoformat()})
    return row


def consultations_of(ticket: Ticket) -> list[Consultation]:
    return list(db.session.scalars(sa.select(Consultation).where(Consultation.ticket_id == ticket.id)
                                   .order_by(Consultation.held_on, Consultation.id)))


def follow_ups_of(ticket: Ticket) -> list[FollowUp]:
    return list(db.session.scalars(sa.select(FollowUp).where(FollowUp.ticket_id == ticket.id).order_by(FollowUp.id)))


# --- supervision: urge, extend, reassign -------------------------------------------------------------

def _open_only(ticket: Ticket) -> None:
    if not ticket.status.is_open:
        raise TicketError(None, _l("This ticket is %(status)s: only an open ticket can be urged, extended or "
                                   "reassigned.", status=ticket.status.label), status=409)


def urge(*, tenant, actor, ticket: Ticket, note: str, now=None) -> Ticket:
    """催办: a recorded reminder to the firm."""
    _open_only(ticket)
    text = _note(note, "note", _l("Write what you ask the firm to do."))
    ticket.urge_count += 1
    add_event(ticket, "urge", actor, ticket.status, ticket.status, text, now or utcnow())
    record(tenant=tenant, actor=actor, action="ticket.urged", object_type="ticket", object_id=ticket.id,
           summary=str(ticket.urge_count), reason=text)
    db.session.flush()
    notices.announce(tenant, ticket, "urged", actor=actor, now=now)
    return ticket


def extend(*, tenant, actor, ticket: Ticket, days: int, reason: str, now=None) -> Ticket:
    """Move the running deadline ``days`` working days later, with a reason (a law's longer limit, parts awaited)."""
    _open_only(ticket)
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise TicketError("days", _l("Extend by 1 to %(n)s working days.", n=MAX_EXTENSION_DAYS))
    text = _note(reason, "reason", _l("Give the reason for the extension."))
    zone = calendar.zone_of(tenant)
    before = ticket.due_at
    if ticket.status == S.SUBMITTED:
        ticket.response_due_at = calendar.working_days_after(ticket.response_due_at, days, zone=zone)
        ticket.due_at = ticket.response_due_at
    else:
        ticket.resolve_due_at = calendar.working_days_after(ticket.resolve_due_at, days, zone=zone)
        ticket.due_at = ticket.resolve_due_at
    ticket.resolve_due_at = max(ticket.resolve_due_at, ticket.response_due_at)
    ticket.extended_days += days
    add_event(ticket, "extend", actor, ticket.status, ticket.status, text, now or utcnow())
    record(tenant=tenant, actor=actor, action="ticket.extended", object_type="ticket", object_id=ticket.id,
           summary=f"+{days}", before={"due_at": before}, after={"due_at": ticket.due_at}, reason=text)
    db.session.flush()
    return ticket


def reassign(*, tenant, actor, ticket: Ticket, assignee_id: int, note: str = "", now=None) -> Ticket:
    _open_only(ticket)
    if ticket.status == S.SUBMITTED:
        raise TicketError(None, _l("The firm has not accepted this ticket yet: urge it instead."), status=409)
    if assignee_id not in assignable_user_ids(ticket):
        raise TicketError("assignee_id", _l("Choose a staff member of the firm serving this community."))
    before = ticket.assignee_id
    ticket.assignee_id = assignee_id
    add_event(ticket, "reassign", actor, ticket.status, ticket.status, _note(note, "note"), now or utcnow())
    record(tenant=tenant, actor=actor, action="ticket.reassigned", object_type="ticket", object_id=ticket.id,
           summary=f"{before} -> {assignee_id}", before={"assignee_id": before}, after={"assignee_id": assignee_id})
    db.session.flush()
    return ticket
