"""Tickets: who sees which, the categories, filing (by an owner or by staff for a caller) with photos, lists.

The workflow (transitions, supervision, follow-up visits) is in portal.tickets.workflow; overdue tickets
are escalated by portal.tickets.escalation.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from flask_babel import lazy_gettext as _l

from portal import storage
from portal.audit.services import record
from portal.communities.models import Area, Community, Unit
from portal.communities.services import area_and_children
from portal.db import utcnow
from portal.domain import DomainError
from portal.extensions import db
from portal.listing import searched
from portal.tickets import calendar, defaults
from portal.tickets.models import (
    OPEN_STATUSES,
    LimitUnit,
    PhotoStage,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketPhoto,
    TicketSource,
    TicketStatus,
    TicketType,
    Urgency,
)
from tenants.roles import Role

logger = logging.getLogger(__name__)

PHOTO_FOLDER = "tickets"
DESCRIPTION_MAX = 2000
_SEE_ALL = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})
_COMMUNITY_BOUND = frozenset({Role.COMMITTEE_MEMBER, Role.PROJECT_MANAGER, Role.PROJECT_STAFF})
# Roles that handle tickets for the firm: a firm's staff in a bureau's tenant, project teams in a firm's own.
HANDLER_ROLES = frozenset({Role.FIRM_STAFF, Role.PROJECT_MANAGER, Role.PROJECT_STAFF})


class TicketError(DomainError):
    pass


# --- who sees what ---------------------------------------------------------------------------------

def visibility(memberships: Iterable) -> sa.ColumnElement[bool] | None:
    """The condition on Ticket rows these memberships may see; None: every ticket of the tenant.

    Bureau (a firm tenant's head office): all; an officer (branch manager): the communities of their area;
    firm staff: the tickets of their firm; a committee member or project team: their community (project);
    an owner: their own tickets.
    """
    memberships = [m for m in memberships if m.is_active]
    if any(m.role in _SEE_ALL for m in memberships):
        return None
    parts = []
    for m in memberships:
        if m.role == Role.AREA_OFFICER and m.area_id:
            parts.append(Ticket.community_id.in_(
                sa.select(Community.id).where(Community.area_id.in_(area_and_children(m.area_id)))))
        elif m.role in _COMMUNITY_BOUND and m.community_id:
            parts.append(Ticket.community_id == m.community_id)
        elif m.role == Role.FIRM_STAFF and m.firm_id:
            parts.append(Ticket.firm_id == m.firm_id)
        elif m.role == Role.OWNER:
            parts.append(Ticket.owner_id == m.user_id)
    return sa.or_(*parts) if parts else sa.false()


def visible_tickets(memberships: Iterable) -> sa.Select:
    stmt = sa.select(Ticket)
    condition = visibility(memberships)
    return stmt if condition is None else stmt.where(condition)


def can_see(memberships: Iterable, ticket: Ticket) -> bool:
    condition = visibility(memberships)
    if condition is None:
        return True
    return db.session.scalar(sa.select(sa.literal(True)).where(Ticket.id == ticket.id, condition)) is not None


def _roles(memberships) -> frozenset[Role]:
    return frozenset(m.role for m in memberships if m.is_active)


def is_handler(memberships) -> bool:
    """Acts for the firm (accepts, assigns, works on and resolves tickets)."""
    return bool(_roles(memberships) & HANDLER_ROLES)


def is_supervisor(memberships) -> bool:
    """The community office or the bureau (a firm tenant: branch managers and head office)."""
    return bool(_roles(memberships) & {Role.AREA_OFFICER, Role.BUREAU_ADMIN, Role.BUREAU_STAFF})


# --- categories ------------------------------------------------------------------------------------

def seed_categories(tenant=None) -> int:
    """Add the default categories the tenant does not have yet (by code); returns how many were added."""
    have = set(db.session.scalars(sa.select(TicketCategory.code)))
    added = 0
    for position, (code, kind, name_zh, name_en, (resp, resp_unit, res, res_unit)) in enumerate(
            defaults.DEFAULT_CATEGORIES):
        if code in have:
            continue
        db.session.add(TicketCategory(code=code, ticket_type=kind, name_zh=name_zh, name_en=name_en, position=position,
                                      response_limit=resp, response_unit=resp_unit, resolve_limit=res,
                                      resolve_unit=res_unit))
        added += 1
    db.session.flush()
    return added


def categories(active_only: bool = True) -> list[TicketCategory]:
    stmt = sa.select(TicketCategory).order_by(TicketCategory.position, TicketCategory.id)
    if active_only:
        stmt = stmt.where(TicketCategory.is_active.is_(True))
    return list(db.session.scalars(stmt))


def update_category(*, tenant, actor, category: TicketCategory, values: dict) -> TicketCategory:
    """Change a category's names, limits or whether new tickets may choose it."""
    before = describe_category(category)
    for field in ("response_limit", "resolve_limit"):
        value = values.get(field)
        if value is None or not 1 <= int(value) <= 366:
            raise TicketError(field, _l("Enter a limit from 1 to 366."))
    for field in ("name_zh", "name_en"):
        if not (values.get(field) or "").strip():
            raise TicketError(field, _l("Enter the category's name."))
    for field, value in values.items():
        setattr(category, field, value.strip() if field in ("name_zh", "name_en") else value)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="ticket_category.updated", object_type="ticket_category",
           object_id=category.id, summary=category.name_zh, before=before, after=describe_category(category))
    return category


def describe_category(c: TicketCategory) -> dict:
    return {"code": c.code, "name_zh": c.name_zh, "name_en": c.name_en, "active": c.is_active,
            "response": [c.response_limit, c.response_unit.value], "resolve": [c.resolve_limit, c.resolve_unit.value]}


# --- filing ----------------------------------------------------------------------------------------

def owner_units(user_id: int) -> list[Unit]:
    from portal.owners.models import UnitBinding

    return list(db.session.scalars(sa.select(Unit).join(UnitBinding, UnitBinding.unit_id == Unit.id).where(
        UnitBinding.user_id == user_id, UnitBinding.revoked_at.is_(None)).order_by(Unit.community_id, Unit.id)))


def current_firm_id(community_id: int, day: dt.date) -> int | None:
    from portal.firms.services import current_contracts

    contract = current_contracts([community_id], on=day).get(community_id)
    return contract.firm_id if contract else None


def deadlines(category: TicketCategory, urgency: Urgency, filed_at: dt.datetime, zone,
              source: TicketSource = TicketSource.ONLINE) -> tuple[dt.datetime, dt.datetime]:
    """(response due, resolution due) of a ticket of ``category`` filed at ``filed_at``.

    A 12345 work order is finished within 5 working days of the hotline's acceptance (domain rules §6.2)
    whatever the category allows, so its limits never run past that.
    """
    days = calendar.overrides()
    response = calendar.deadline(filed_at, category.response_limit, category.response_unit, zone=zone, days=days)
    resolve = calendar.deadline(filed_at, category.resolve_limit, category.resolve_unit, zone=zone, days=days)
    if source == TicketSource.CITY_HOTLINE:
        limit = calendar.deadline(filed_at, defaults.CITY_HOTLINE_WORKING_DAYS, LimitUnit.WORKING_DAYS, zone=zone,
                                  days=days)
        response, resolve = min(response, limit), min(resolve, limit)
    if urgency == Urgency.URGENT:
        response = min(response, filed_at + dt.timedelta(hours=defaults.URGENT_RESPONSE_HOURS))
        resolve = min(resolve, filed_at + dt.timedelta(hours=defaults.URGENT_RESOLVE_HOURS))
    return response, max(resolve, response)


def clean_text(field: str, value, limit: int, required_message=None) -> str:
    """``value`` trimmed; a TicketError on ``field`` when it is required and empty, or longer than ``limit``."""
    text = (value or "").strip()
    if required_message and not text:
        raise TicketError(field, required_message)
    if len(text) > limit:
        raise TicketError(field, _l("At most %(n)s characters.", n=limit))
    return text


def accept_photos(files: Iterable, label) -> list[storage.AcceptedFile]:
    """Check every photo before anything is stored: one bad photo and none is kept (and no ticket made)."""
    files = [f for f in files if f is not None and getattr(f, "filename", "x")]
    if len(files) > defaults.MAX_PHOTOS:
        raise TicketError("photos", _l("At most %(n)s photos.", n=defaults.MAX_PHOTOS))
    accepted = []
    for f in files:
        try:
            accepted.append(storage.accept(getattr(f, "stream", f), kinds=storage.IMAGE_KINDS, label=str(label)))
        except storage.UploadRejected as error:
            raise TicketError("photos", str(error)) from error
    return accepted


def store_photos(tenant, ticket: Ticket, accepted: list[storage.AcceptedFile], stage: PhotoStage, actor) -> list[str]:
    """Write the accepted photos and their rows; returns the keys (the caller deletes them on rollback)."""
    keys = []
    for photo in accepted:
        key = storage.store(tenant.id, PHOTO_FOLDER, photo)
        keys.append(key)
        db.session.add(TicketPhoto(ticket_id=ticket.id, stage=stage, storage_key=key, content_type=photo.content_type,
                                   size=photo.size, uploaded_by_id=getattr(actor, "id", None)))
    db.session.flush()
    return keys


# Which photos may be added after filing (the API's upload; the web form takes them with the step itself): the
# problem's while the ticket waits to be accepted, by whoever filed it; the repair's while the firm works on it
# or has just resolved it, by the firm.
PHOTO_STAGE_STATUSES = {PhotoStage.REPORT: (TicketStatus.SUBMITTED,),
                        PhotoStage.RESOLUTION: (TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED)}


def may_add_photo(memberships, actor, ticket: Ticket, stage: PhotoStage) -> bool:
    """Whether ``actor`` may add a photo of ``stage`` to ``ticket`` at all (the status is checked by add_photo)."""
    if stage == PhotoStage.REPORT:
        return getattr(actor, "id", None) in (ticket.owner_id, ticket.filed_by_id)
    return is_handler(memberships)


def add_photo(*, tenant, actor, ticket: Ticket, stage: PhotoStage, photo: storage.AcceptedFile) -> TicketPhoto:
    """Add one accepted photo of ``stage``: 409 when the ticket's status does not take one, 422 past the limit."""
    if ticket.status not in PHOTO_STAGE_STATUSES[stage]:
        raise TicketError("stage", _l("A photo of this kind cannot be added while the ticket is %(status)s.",
                                      status=ticket.status.label), status=409, code="illegal_stage")
    have = db.session.scalar(sa.select(sa.func.count(TicketPhoto.id)).where(
        TicketPhoto.ticket_id == ticket.id, TicketPhoto.stage == stage)) or 0
    if have >= defaults.MAX_PHOTOS:
        raise TicketError("file", _l("At most %(n)s photos.", n=defaults.MAX_PHOTOS))
    store_photos(tenant, ticket, [photo], stage, actor)
    row = db.session.scalar(sa.select(TicketPhoto).where(TicketPhoto.ticket_id == ticket.id)
                            .order_by(TicketPhoto.id.desc()).limit(1))
    record(tenant=tenant, actor=actor, action="ticket.photo_added", object_type="ticket", object_id=ticket.id,
           summary=f"{stage.value} {row.id}", after={"stage": stage.value, "photo_id": row.id, "size": row.size})
    return row


def file_ticket(*, tenant, actor, community: Community, category: TicketCategory, description: str,
                location: str = "", urgency: Urgency = Urgency.NORMAL, source: TicketSource = TicketSource.ONLINE,
                unit: Unit | None = None, owner_id: int | None = None, caller_name: str = "", caller_phone: str = "",
                photos: list[storage.AcceptedFile] = (), now: dt.datetime | None = None) -> tuple[Ticket, list[str]]:
    """File a ticket; returns it and the keys of its stored photos (already accepted by ``accept_photos``)."""
    now = now or utcnow()
    if not category.is_active:
        raise TicketError("category_id", _l("This category is no longer offered; choose another."))
    if unit is not None and unit.community_id != community.id:
        raise TicketError("unit_id", _l("Choose a unit of this community."))
    description = clean_text("description", description, DESCRIPTION_MAX, _l("Describe the problem."))
    location = clean_text("location", location, 120)
    caller_name = clean_text("caller_name", caller_name, 80)
    caller_phone = clean_text("caller_phone", caller_phone, 32)
    # A 12345 work order may come without a number: the hotline centre calls its caller back itself.
    if source not in (TicketSource.ONLINE, TicketSource.CITY_HOTLINE) and not (caller_name or caller_phone or owner_id):
        raise TicketError("caller_name", _l("Enter the caller's name or phone number."))
    if len(photos) > defaults.MAX_PHOTOS:
        raise TicketError("photos", _l("At most %(n)s photos.", n=defaults.MAX_PHOTOS))
    zone = calendar.zone_of(tenant)
    response_due, resolve_due = deadlines(category, urgency, now, zone, source)
    ticket = Ticket(community_id=community.id, unit_id=unit.id if unit else None,
                    firm_id=current_firm_id(community.id, now.astimezone(zone).date()),
                    ticket_type=category.ticket_type, category_id=category.id, urgency=urgency,
                    description=description, location=location, source=source,
                    filed_by_id=getattr(actor, "id", None), owner_id=owner_id, caller_name=caller_name,
                    caller_phone=caller_phone, status=TicketStatus.SUBMITTED, filed_at=now,
                    response_due_at=response_due, resolve_due_at=resolve_due, due_at=response_due, updated_at=now)
    db.session.add(ticket)
    db.session.flush()
    keys = store_photos(tenant, ticket, list(photos), PhotoStage.REPORT, actor)
    add_event(ticket, "file", actor, "", TicketStatus.SUBMITTED, "", now)
    record(tenant=tenant, actor=actor, action="ticket.filed", object_type="ticket", object_id=ticket.id,
           summary=f"{ticket.ticket_type.value} {category.code} {source.value}",
           after={"community_id": community.id, "category": category.code, "urgency": urgency.value,
                  "source": source.value, "photos": len(keys)})
    logger.info("ticket %s filed by %s", ticket.id, getattr(actor, "id", None))
    from portal.tickets import notices  # notices read this module's visibility rule

    notices.announce(tenant, ticket, "filed", actor=actor, now=now)
    return ticket, keys


def add_event(ticket: Ticket, kind: str, actor, from_status, to_status, note: str, at: dt.datetime) -> TicketEvent:
    event = TicketEvent(ticket_id=ticket.id, kind=kind, actor_id=getattr(actor, "id", None),
                        actor_label=(getattr(actor, "display_name", "") or "")[:120],
                        from_status=getattr(from_status, "value", from_status) or "",
                        to_status=getattr(to_status, "value", to_status) or "", note=(note or "")[:1000], at=at)
    db.session.add(event)
    return event


def discard_photos(tenant, keys: Iterable[str]) -> None:
    """Remove files stored for a change that was rolled back."""
    for key in keys:
        storage.delete(tenant.id, key)


# --- reading -----------------------------------------------------------------------------------------

def events_of(ticket: Ticket) -> list[TicketEvent]:
    return list(db.session.scalars(sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                   .order_by(TicketEvent.at, TicketEvent.id)))


def photos_of(ticket: Ticket) -> list[TicketPhoto]:
    return list(db.session.scalars(sa.select(TicketPhoto).where(TicketPhoto.ticket_id == ticket.id)
                                   .order_by(TicketPhoto.id)))


def filtered_tickets(memberships: Iterable, *, q: str | None = None, status: str | None = None,
                     ticket_type: str | None = None, community_id: int | None = None, area_id: int | None = None,
                     overdue: bool = False, escalated: int | None = None, now: dt.datetime | None = None) -> sa.Select:
    """The tickets ``memberships`` may see, narrowed by the list's filters, newest first."""
    stmt = searched(visible_tickets(memberships), q, Ticket.description, Ticket.location)
    if status:
        known = next((s for s in TicketStatus if s.value == status), None)
        stmt = stmt.where(Ticket.status == known if known else sa.false())
    if ticket_type:
        known_type = next((t for t in TicketType if t.value == ticket_type), None)
        stmt = stmt.where(Ticket.ticket_type == known_type if known_type else sa.false())
    if community_id:
        stmt = stmt.where(Ticket.community_id == community_id)
    if area_id:
        stmt = stmt.where(Ticket.community_id.in_(
            sa.select(Community.id).where(Community.area_id.in_(area_and_children(area_id)))))
    if overdue:
        stmt = stmt.where(Ticket.due_at < (now or utcnow()))
    if escalated:
        stmt = stmt.where(Ticket.escalation_level >= escalated)
    # The page's 20 rows fetch their community and category afterwards: joined into the filter they would be
    # carried through the sort of every matching ticket.
    return stmt.options(selectinload(Ticket.community), selectinload(Ticket.category)).order_by(
        Ticket.filed_at.desc(), Ticket.id.desc())


def public_summary(now: dt.datetime) -> list[dict]:
    """Per community: tickets filed, open, resolved and overdue now; no person, no text, no photo."""
    open_ = sa.func.sum(sa.case((Ticket.status.in_(OPEN_STATUSES), 1), else_=0))
    overdue = sa.func.sum(sa.case((Ticket.due_at < now, 1), else_=0))
    done = sa.func.sum(sa.case((Ticket.resolved_at.is_not(None), 1), else_=0))
    rows = db.session.execute(
        sa.select(Community.id, Community.name, Area.name, sa.func.count(Ticket.id), open_, done, overdue)
        .join(Community, Community.id == Ticket.community_id)
        .outerjoin(Area, Area.id == Community.area_id)
        .group_by(Community.id, Community.name, Area.name).order_by(Community.name))
    return [{"community_id": r[0], "community": r[1], "area": r[2] or "", "filed": r[3], "open": r[4] or 0,
             "resolved": r[5] or 0, "overdue": r[6] or 0} for r in rows]


def public_overdue(now: dt.datetime, limit: int = 200) -> list[dict]:
    """The overdue tickets per community: reference, category, filing date, deadline, level; no personal data."""
    rows = db.session.scalars(sa.select(Ticket).where(Ticket.due_at < now).order_by(Ticket.due_at).limit(limit))
    return [{"reference": t.reference, "community": t.community.name, "category": t.category.name,
             "filed_at": t.filed_at, "due_at": t.due_at, "escalation_level": t.escalation_level} for t in rows]


def limit_text(limit: int, unit: LimitUnit):
    return _l("%(n)s hours", n=limit) if unit == LimitUnit.HOURS else _l("%(n)s working days", n=limit)
