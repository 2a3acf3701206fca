"""The review list of 12345 work orders (assign a community, or dismiss) and the tenant's hotline directory."""
from __future__ import annotations

import logging
import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.communities.models import Area, Community
from portal.db import utcnow
from portal.domain import DomainError
from portal.extensions import db
from portal.hotline.importing import make_ticket
from portal.hotline.models import Hotline, HotlineOrder, OrderState
from portal.validation import control_char_message, forbidden_char

logger = logging.getLogger(__name__)

_NUMBER_RE = re.compile(r"^[0-9+][0-9 ()（）+-]{1,38}$")


class HotlineError(DomainError):
    pass


def masked_phone(phone: str) -> str:
    """138****8000: enough to recognise a number, not enough to read it out."""
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****" + phone[-2:]


# --- the review list -------------------------------------------------------------------------------

def review_query() -> sa.Select:
    """The work orders waiting for a community, oldest first (their 5 working days run already)."""
    return (sa.select(HotlineOrder).where(HotlineOrder.state == OrderState.REVIEW)
            .order_by(HotlineOrder.received_at, HotlineOrder.id))


def review_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(HotlineOrder.id)).where(
        HotlineOrder.state == OrderState.REVIEW)) or 0


def recent_query() -> sa.Select:
    return sa.select(HotlineOrder).order_by(HotlineOrder.imported_at.desc(), HotlineOrder.id.desc())


def _in_review(order: HotlineOrder) -> None:
    if order.state != OrderState.REVIEW:
        raise HotlineError("community_id", _l("This work order has already been dealt with (%(state)s).",
                                              state=order.state.label), status=409)


def assign(*, tenant, actor, order: HotlineOrder, community: Community):
    """Put a work order of the review list in ``community``: its ticket is filed (source 12345)."""
    _in_review(order)
    ticket = make_ticket(tenant=tenant, actor=actor, order=order, community=community)
    order.reviewed_at, order.reviewed_by_id = utcnow(), getattr(actor, "id", None)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="hotline.order_assigned", object_type="hotline_order",
           object_id=order.id, summary=f"{order.order_number} → {community.name}",
           after={"community_id": community.id, "ticket_id": ticket.id})
    logger.info("12345 order %s assigned to community %s by %s", order.id, community.id, getattr(actor, "id", None))
    return ticket


def dismiss(*, tenant, actor, order: HotlineOrder, reason: str) -> None:
    """Take a work order off the review list without a ticket (not this tenant's, not a property matter); the
    caller's phone is erased."""
    _in_review(order)
    reason = (reason or "").strip()
    if not reason:
        raise HotlineError("reason", _l("Say why the work order is dismissed."))
    if len(reason) > 200:
        raise HotlineError("reason", _l("At most %(n)s characters.", n=200))
    order.state, order.dismiss_reason, order.caller_phone = OrderState.DISMISSED, reason, ""
    order.reviewed_at, order.reviewed_by_id = utcnow(), getattr(actor, "id", None)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="hotline.order_dismissed", object_type="hotline_order",
           object_id=order.id, summary=order.order_number, after={"reason": reason})


# --- the directory -----------------------------------------------------------------------------------

def directory() -> list[Hotline]:
    """The tenant's hotlines: the city-wide ones first, then by area, in the bureau's order."""
    return list(db.session.scalars(sa.select(Hotline).outerjoin(Area, Area.id == Hotline.area_id).order_by(
        Hotline.area_id.is_not(None), Hotline.position, Area.name, Hotline.name, Hotline.id)))


def _clean(values: dict) -> dict:
    clean = {}
    for field, limit, required in (("name", 80, _l("Enter the hotline's name.")),
                                   ("number", 40, _l("Enter the phone number.")), ("hours", 80, None)):
        text = (values.get(field) or "").strip()
        if required and not text:
            raise HotlineError(field, required)
        if len(text) > limit:
            raise HotlineError(field, _l("At most %(n)s characters.", n=limit))
        if (char := forbidden_char(text)) is not None:
            raise HotlineError(field, control_char_message(char))
        clean[field] = text
    if not _NUMBER_RE.match(clean["number"]):
        raise HotlineError("number", _l("A phone number holds digits, spaces, brackets, + and - only (such as "
                                        "0719-8651234 or 12345)."))
    position = values.get("position") or 0
    if not isinstance(position, int) or not 0 <= position <= 999:
        raise HotlineError("position", _l("Enter a whole number from 0 to 999."))
    clean["position"] = position
    clean["area_id"] = values.get("area_id") or None
    return clean


def _describe(h: Hotline) -> dict:
    return {"name": h.name, "number": h.number, "hours": h.hours, "area_id": h.area_id, "position": h.position}


def add_hotline(*, tenant, actor, values: dict) -> Hotline:
    hotline = Hotline(**_clean(values))
    db.session.add(hotline)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="hotline.added", object_type="hotline", object_id=hotline.id,
           summary=f"{hotline.name} {hotline.number}", after=_describe(hotline))
    return hotline


def update_hotline(*, tenant, actor, hotline: Hotline, values: dict) -> Hotline:
    before = _describe(hotline)
    for field, value in _clean(values).items():
        setattr(hotline, field, value)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="hotline.changed", object_type="hotline", object_id=hotline.id,
           summary=f"{hotline.name} {hotline.number}", before=before, after=_describe(hotline))
    return hotline


def remove_hotline(*, tenant, actor, hotline: Hotline) -> None:
    record(tenant=tenant, actor=actor, action="hotline.removed", object_type="hotline", object_id=hotline.id,
           summary=f"{hotline.name} {hotline.number}", before=_describe(hotline))
    db.session.delete(hotline)
    db.session.flush()
