"""Overdue tickets climb to the community office, then to the bureau (督办); unanswered resolutions confirm themselves.

One function does the work for one tenant at one moment (``run``), and ``run_all`` for every active tenant;
the CLI command (cron) and the RQ job both call ``run_all``. Each step looks only at the state it changes
(level 0 → 1, 1 → 2, resolved → confirmed), so running it twice at the same moment changes nothing the
second time, and two runs at once meet on the same rows (the second finds nothing left to do).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa

from portal.audit.services import record
from portal.extensions import db
from portal.tickets import calendar, defaults, notices, workflow
from portal.tickets.models import OPEN_STATUSES, Ticket, TicketStatus
from portal.tickets.services import add_event

logger = logging.getLogger(__name__)
BATCH = 500
REMIND_DAYS_BEFORE_AUTO_CONFIRM = 1


@dataclass
class Outcome:
    to_office: int = 0
    to_bureau: int = 0
    auto_confirmed: int = 0

    def __iadd__(self, other: "Outcome") -> "Outcome":
        self.to_office += other.to_office
        self.to_bureau += other.to_bureau
        self.auto_confirmed += other.auto_confirmed
        return self

    @property
    def changed(self) -> int:
        return self.to_office + self.to_bureau + self.auto_confirmed


def _escalate(tenant, ticket: Ticket, level: int, now: dt.datetime) -> None:
    before = ticket.escalation_level
    ticket.escalation_level = level
    ticket.escalated_at = now
    add_event(ticket, "escalate", None, ticket.status, ticket.status, f"level {before} -> {level}", now)
    record(tenant=tenant, actor=None, action="ticket.escalated", object_type="ticket", object_id=ticket.id,
           summary=f"{before} -> {level}", before={"escalation_level": before}, after={"escalation_level": level})
    notices.announce(tenant, ticket, f"escalated_{level}", now=now)


def run(tenant, now: dt.datetime) -> Outcome:
    """Escalate and auto-confirm in the current tenant (``tenant_scope(tenant)``) as of ``now``; flushes."""
    outcome = Outcome()
    zone = calendar.zone_of(tenant)
    days = calendar.overrides()
    overdue = sa.select(Ticket).where(Ticket.status.in_(OPEN_STATUSES), Ticket.due_at < now)
    for ticket in db.session.scalars(overdue.where(Ticket.escalation_level == 0).order_by(Ticket.id)):
        _escalate(tenant, ticket, 1, now)
        outcome.to_office += 1
    # The bureau takes over what stays overdue BUREAU_AFTER_WORKING_DAYS working days past its deadline.
    for ticket in db.session.scalars(overdue.where(Ticket.escalation_level == 1).order_by(Ticket.id)):
        if calendar.working_days_after(ticket.due_at, defaults.BUREAU_AFTER_WORKING_DAYS, zone=zone, own=days) < now:
            _escalate(tenant, ticket, 2, now)
            outcome.to_bureau += 1
    cutoff = now - dt.timedelta(days=defaults.AUTO_CONFIRM_DAYS)
    _remind_owners(tenant, cutoff, now, zone)
    for ticket in db.session.scalars(sa.select(Ticket).where(Ticket.status == TicketStatus.RESOLVED,
                                                             Ticket.resolved_at < cutoff).order_by(Ticket.id)):
        workflow.auto_confirm(tenant=tenant, ticket=ticket, now=now)
        outcome.auto_confirmed += 1
    db.session.flush()
    if outcome.changed:
        logger.info("tickets %s: %s to the office, %s to the bureau, %s auto-confirmed", tenant.slug,
                    outcome.to_office, outcome.to_bureau, outcome.auto_confirmed)
    return outcome


def _remind_owners(tenant, cutoff: dt.datetime, now: dt.datetime, zone) -> None:
    """Tell owners the day before their resolved ticket confirms itself (once per resolution: the notice's
    key carries the resolution time)."""
    soon = cutoff + dt.timedelta(days=REMIND_DAYS_BEFORE_AUTO_CONFIRM)
    waiting = sa.select(Ticket).where(Ticket.status == TicketStatus.RESOLVED, Ticket.owner_id.is_not(None),
                                      Ticket.resolved_at >= cutoff, Ticket.resolved_at < soon).order_by(Ticket.id)
    for ticket in db.session.scalars(waiting):
        day = (ticket.resolved_at + dt.timedelta(days=defaults.AUTO_CONFIRM_DAYS)).astimezone(zone).date()
        notices.announce(tenant, ticket, "auto_confirm_soon", now=now, params={"day": day.isoformat()})


def run_all(now: dt.datetime, slug: str | None = None) -> dict[str, Outcome]:
    """``run`` in every active tenant (or the one named), each committed on its own."""
    from tenants import tenant_scope
    from tenants.models import Tenant

    stmt = sa.select(Tenant).order_by(Tenant.id)
    if slug:
        stmt = stmt.where(Tenant.slug == slug)
    results = {}
    for tenant in list(db.session.scalars(stmt)):
        if not tenant.is_writable:
            continue
        with tenant_scope(tenant):
            results[tenant.slug] = run(tenant, now)
            db.session.commit()
    return results
