"""Spot-check calls (抽查回访): each half month the bureau calls a random sample of the tickets closed in it
(seed 000: the city office does), and records whether it reached the caller and whether they were satisfied.

The sample is drawn once per half month and stored; the draw is reproducible — the generator is seeded
with the tenant and the half month, and picks from the closed tickets ordered by id — so drawing again
(or on another machine, from the same data) gives the same tickets and changes nothing.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import random

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.db import utcnow
from portal.extensions import db
from portal.i18n import to_local
from portal.tickets.kpis import local_bounds
from portal.tickets.models import SpotCheck, Ticket, TicketStatus
from portal.tickets.services import TicketError, clean_text

SAMPLE_SIZE = 10


def half_month_of(day: dt.date) -> dt.date:
    """The first day of the half month ``day`` falls in: the 1st or the 16th."""
    return day.replace(day=1 if day.day < 16 else 16)


def half_month_end(start: dt.date) -> dt.date:
    """The last day of the half month starting on ``start``."""
    if start.day == 1:
        return start.replace(day=15)
    following = (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return following - dt.timedelta(days=1)


def previous_half_month(start: dt.date) -> dt.date:
    return half_month_of(start - dt.timedelta(days=1))


def parse_half_month(raw: str | None) -> dt.date | None:
    """``2026-11-16`` → that date when it is the 1st or the 16th; None for anything else."""
    try:
        day = dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        return None
    return day if day.day in (1, 16) else None


def current_half_month(now: dt.datetime | None = None) -> dt.date:
    return half_month_of(to_local(now or utcnow()).date())


def candidates(start: dt.date) -> sa.Select:
    """The ids of the tickets closed in the half month, in id order (what the draw picks from)."""
    lower, upper = local_bounds(start, half_month_end(start))
    return (sa.select(Ticket.id).where(Ticket.status == TicketStatus.CLOSED, Ticket.closed_at >= lower,
                                       Ticket.closed_at < upper).order_by(Ticket.id))


def sample_of(start: dt.date) -> list[SpotCheck]:
    return list(db.session.scalars(sa.select(SpotCheck).where(SpotCheck.half_month == start)
                                   .order_by(SpotCheck.position)))


def draw(*, tenant, actor, start: dt.date, size: int = SAMPLE_SIZE, now: dt.datetime | None = None) -> list[SpotCheck]:
    """Draw and store the half month's sample (at most ``size`` closed tickets); an existing sample is kept."""
    if start.day not in (1, 16):
        raise TicketError("half_month", _l("A half month starts on the 1st or the 16th."))
    existing = sample_of(start)
    if existing:
        return existing
    now = now or utcnow()
    if start > current_half_month(now):
        raise TicketError("half_month", _l("This half month has not begun yet."))
    ids = list(db.session.scalars(candidates(start)))
    if not ids:
        raise TicketError("half_month", _l("No ticket was closed in this half month: there is nothing to draw."))
    picked = random.Random(f"{tenant.id}:{start.isoformat()}").sample(ids, min(size, len(ids)))
    rows = [SpotCheck(half_month=start, ticket_id=ticket_id, position=position, drawn_at=now,
                      drawn_by_id=getattr(actor, "id", None)) for position, ticket_id in enumerate(picked, 1)]
    db.session.add_all(rows)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="ticket.spot_check_drawn", object_type="spot_check",
           object_id=start.isoformat(), summary=f"{start:%Y-%m-%d} ({len(rows)}/{len(ids)})",
           after={"tickets": picked})
    return rows


def record_call(*, tenant, actor, check: SpotCheck, reached: bool, satisfied: bool | None, notes: str = "",
                now: dt.datetime | None = None) -> SpotCheck:
    """Record (or correct) the result of the call: reached or not, satisfied or not (only when reached)."""
    notes = clean_text("notes", notes, 1000)
    if reached and satisfied is None:
        raise TicketError("satisfied", _l("Record whether the caller was satisfied."))
    before = {"reached": check.reached, "satisfied": check.satisfied, "notes": check.notes}
    check.reached = reached
    check.satisfied = satisfied if reached else None
    check.notes = notes
    check.called_at = now or utcnow()
    check.caller_id = getattr(actor, "id", None)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="ticket.spot_check_called", object_type="ticket",
           object_id=check.ticket_id, before=before,
           after={"reached": check.reached, "satisfied": check.satisfied, "notes": check.notes})
    return check


@dataclasses.dataclass(frozen=True)
class SpotCheckSummary:
    drawn: int = 0
    called: int = 0
    reached: int = 0
    satisfied: int = 0

    @property
    def call_rate(self) -> float | None:
        return self.called / self.drawn if self.drawn else None

    @property
    def reach_rate(self) -> float | None:
        return self.reached / self.called if self.called else None

    @property
    def satisfaction_rate(self) -> float | None:
        """Satisfied of those reached (the spot-check's own satisfaction rate)."""
        return self.satisfied / self.reached if self.reached else None


def summary(first: dt.date, last: dt.date, visibility=None) -> SpotCheckSummary:
    """Counts of the samples of the half months starting between ``first`` and ``last``, in one query."""
    one = lambda condition: sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)  # noqa: E731
    stmt = (sa.select(sa.func.count(SpotCheck.id), one(SpotCheck.called_at.is_not(None)),
                      one(SpotCheck.reached.is_(True)), one(SpotCheck.satisfied.is_(True)))
            .join(Ticket, Ticket.id == SpotCheck.ticket_id)
            .where(SpotCheck.half_month >= first, SpotCheck.half_month <= last))
    if visibility is not None:
        stmt = stmt.where(visibility)
    drawn, called, reached, satisfied = db.session.execute(stmt).one()
    return SpotCheckSummary(int(drawn), int(called), int(reached), int(satisfied))
