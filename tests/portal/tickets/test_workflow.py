"""The ticket's state machine: every legal step, every illegal one refused with a message, each step recorded."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.tickets import services, workflow
from portal.tickets.models import Complexity, TicketEvent, TicketStatus
from portal.tickets.services import TicketError
from tenants.roles import Role
from tests.portal.tickets.helpers import EVE_OF_NATIONAL_DAY, file_as_owner, in_tenant, user

S = TicketStatus
LATER = EVE_OF_NATIONAL_DAY + dt.timedelta(days=12)


def _walk_to(tenant, tw, ticket, status):
    """Move ``ticket`` forward through the normal path up to ``status``."""
    staff = user(tw, Role.FIRM_STAFF)
    bureau = user(tw, Role.BUREAU_STAFF)
    owner = user(tw, Role.OWNER)
    steps = [
        (S.ACCEPTED, lambda: workflow.accept(tenant=tenant, actor=staff, ticket=ticket, assignee_id=staff.id, now=LATER)),
        (S.IN_PROGRESS, lambda: workflow.start(tenant=tenant, actor=staff, ticket=ticket, now=LATER)),
        (S.RESOLVED, lambda: workflow.resolve(tenant=tenant, actor=staff, ticket=ticket, note="换了灯泡", now=LATER)),
        (S.CONFIRMED, lambda: workflow.confirm(tenant=tenant, actor=owner, ticket=ticket, rating=5, now=LATER)),
        (S.FOLLOWED_UP, lambda: workflow.follow_up(tenant=tenant, actor=bureau, ticket=ticket, reached=True,
                                                   satisfaction="satisfied", now=LATER)),
        (S.CLOSED, lambda: workflow.close(tenant=tenant, actor=bureau, ticket=ticket, now=LATER)),
    ]
    for target, step in steps:
        if ticket.status == status:
            return
        step()
        assert ticket.status == target


def test_the_whole_path_with_timestamps_events_and_audit(app_ctx, world):
    with in_tenant(world.a) as tenant:
        ticket = file_as_owner(tenant, world.a)
        _walk_to(tenant, world.a, ticket, S.CLOSED)
        assert ticket.accepted_at and ticket.started_at and ticket.resolved_at and ticket.confirmed_at
        assert ticket.followed_up_at and ticket.closed_at and ticket.rating == 5 and ticket.due_at is None
        kinds = [e.kind for e in services.events_of(ticket)]
        assert kinds == ["file", "accept", "start", "resolve", "confirm", "follow_up", "close"]
        steps = [(e.from_status, e.to_status) for e in services.events_of(ticket)][1:]
        assert steps == [("submitted", "accepted"), ("accepted", "in_progress"), ("in_progress", "resolved"),
                         ("resolved", "confirmed"), ("confirmed", "followed_up"), ("followed_up", "closed")]
        audited = set(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == str(ticket.id))))
        assert {"ticket.filed", "ticket.accept", "ticket.start", "ticket.resolve", "ticket.confirm",
                "ticket.follow_up", "ticket.close"} <= audited


ILLEGAL = [  # (status reached, transition tried)
    (S.SUBMITTED, "start"), (S.SUBMITTED, "resolve"), (S.SUBMITTED, "confirm"), (S.SUBMITTED, "close"),
    (S.ACCEPTED, "accept"), (S.ACCEPTED, "confirm"), (S.IN_PROGRESS, "reopen"), (S.RESOLVED, "start"),
    (S.RESOLVED, "follow_up"), (S.CONFIRMED, "reopen"), (S.CONFIRMED, "close"), (S.FOLLOWED_UP, "confirm"),
    (S.CLOSED, "reopen"), (S.CLOSED, "accept"), (S.CLOSED, "follow_up"),
]


@pytest.mark.parametrize(("status", "name"), ILLEGAL)
def test_illegal_transitions_are_refused_with_a_clear_message(app_ctx, world, status, name):
    with in_tenant(world.a) as tenant:
        ticket = file_as_owner(tenant, world.a)
        _walk_to(tenant, world.a, ticket, status)
        events = len(services.events_of(ticket))
        staff, owner = user(world.a, Role.FIRM_STAFF), user(world.a, Role.OWNER)
        call = {
            "accept": lambda: workflow.accept(tenant=tenant, actor=staff, ticket=ticket, assignee_id=staff.id),
            "start": lambda: workflow.start(tenant=tenant, actor=staff, ticket=ticket),
            "resolve": lambda: workflow.resolve(tenant=tenant, actor=staff, ticket=ticket, note="done"),
            "confirm": lambda: workflow.confirm(tenant=tenant, actor=owner, ticket=ticket, rating=4),
            "reopen": lambda: workflow.reopen(tenant=tenant, actor=owner, ticket=ticket, reason="还是坏的"),
            "follow_up": lambda: workflow.follow_up(tenant=tenant, actor=staff, ticket=ticket, reached=False,
                                                    satisfaction=None),
            "close": lambda: workflow.close(tenant=tenant, actor=staff, ticket=ticket),
        }[name]
        with pytest.raises(TicketError) as caught:
            call()
        assert caught.value.status == 409 and caught.value.code == "illegal_transition"
        assert "cannot be" in str(caught.value.message)
        assert ticket.status == status and len(services.events_of(ticket)) == events


def test_reopen_is_counted_and_gives_a_new_deadline(app_ctx, world):
    with in_tenant(world.a) as tenant:
        ticket = file_as_owner(tenant, world.a)
        _walk_to(tenant, world.a, ticket, S.RESOLVED)
        first_resolved = ticket.first_resolved_at
        workflow.reopen(tenant=tenant, actor=user(world.a, Role.OWNER), ticket=ticket, reason="灯还是不亮", now=LATER)
        assert ticket.status == S.IN_PROGRESS and ticket.reopen_count == 1 and ticket.resolved_at is None
        assert ticket.due_at == ticket.resolve_due_at and ticket.due_at > LATER
        assert ticket.first_resolved_at == first_resolved
        with pytest.raises(TicketError) as caught:
            workflow.reopen(tenant=tenant, actor=user(world.a, Role.OWNER), ticket=ticket, reason="x")
        assert caught.value.status == 409


@pytest.mark.parametrize("rating", [0, 6, None, "5"])
def test_a_rating_is_one_to_five(app_ctx, world, rating):
    with in_tenant(world.a) as tenant:
        ticket = file_as_owner(tenant, world.a)
        _walk_to(tenant, world.a, ticket, S.RESOLVED)
        with pytest.raises(TicketError) as caught:
            workflow.confirm(tenant=tenant, actor=user(world.a, Role.OWNER), ticket=ticket, rating=rating)
        assert caught.value.field == "rating" and ticket.status == S.RESOLVED


def test_only_the_firms_staff_can_be_assigned(app_ctx, world):
    with in_tenant(world.a) as tenant:
        ticket = file_as_owner(tenant, world.a)
        with pytest.raises(TicketError) as caught:
            workflow.accept(tenant=tenant, actor=user(world.a, Role.FIRM_STAFF), ticket=ticket,
                            assignee_id=world.a.users[Role.OWNER])
        assert caught.value.field == "assignee_id" and ticket.status == S.SUBMITTED


def test_a_consultation_needs_a_complex_ticket_and_known_parties(app_ctx, world):
    with in_tenant(world.a) as tenant:
        ticket = file_as_owner(tenant, world.a, code="complaint_structures")
        officer = user(world.a, Role.AREA_OFFICER)
        args = dict(tenant=tenant, actor=officer, ticket=ticket, held_on=dt.date(2026, 10, 9), other_parties="",
                    outcome="限期拆除", tasks="物业：三日内通知业主", tasks_due_on=dt.date(2026, 10, 14))
        with pytest.raises(TicketError):
            workflow.add_consultation(parties=["police"], **args)
        workflow.triage(tenant=tenant, actor=officer, ticket=ticket, complexity=Complexity.COMPLEX.value)
        with pytest.raises(TicketError) as caught:
            workflow.add_consultation(parties=["mayor"], **args)
        assert caught.value.field == "parties"
        row = workflow.add_consultation(parties=["residents_committee", "firm", "police"], **args)
        assert row.party_codes == ["residents_committee", "firm", "police"]
        assert [c.id for c in workflow.consultations_of(ticket)] == [row.id]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TicketEvent)
                                 .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "triage")) == 1


def test_supervision_urge_extend_reassign(app_ctx, world):
    with in_tenant(world.a) as tenant:
        ticket = file_as_owner(tenant, world.a)
        officer = user(world.a, Role.AREA_OFFICER)
        with pytest.raises(TicketError) as caught:
            workflow.reassign(tenant=tenant, actor=officer, ticket=ticket, assignee_id=world.a.users[Role.FIRM_STAFF])
        assert caught.value.status == 409
        workflow.urge(tenant=tenant, actor=officer, ticket=ticket, note="请尽快处理")
        due = ticket.due_at
        workflow.extend(tenant=tenant, actor=officer, ticket=ticket, days=2, reason="等配件")
        assert ticket.due_at > due and ticket.extended_days == 2 and ticket.urge_count == 1
        with pytest.raises(TicketError) as caught:
            workflow.extend(tenant=tenant, actor=officer, ticket=ticket, days=0, reason="x")
        assert caught.value.field == "days"
        with pytest.raises(TicketError) as caught:
            workflow.extend(tenant=tenant, actor=officer, ticket=ticket, days=1, reason=" ")
        assert caught.value.field == "reason"


def test_a_follow_up_that_reached_the_caller_records_satisfaction(app_ctx, world):
    with in_tenant(world.a) as tenant:
        ticket = file_as_owner(tenant, world.a)
        _walk_to(tenant, world.a, ticket, S.CONFIRMED)
        officer = user(world.a, Role.AREA_OFFICER)
        with pytest.raises(TicketError) as caught:
            workflow.follow_up(tenant=tenant, actor=officer, ticket=ticket, reached=True, satisfaction=None)
        assert caught.value.field == "satisfaction"
        visit = workflow.follow_up(tenant=tenant, actor=officer, ticket=ticket, reached=False, satisfaction=None,
                                   notes="电话无人接听")
        assert visit.reached is False and visit.satisfaction is None and ticket.status == S.FOLLOWED_UP
