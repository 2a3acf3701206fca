"""Deadlines on the tenant's working-day calendar; escalation to the community office and the bureau, run twice."""
from __future__ import annotations

import datetime as dt

import pytest
import redis
import sqlalchemy as sa

from portal.extensions import db
from portal.tickets import calendar, escalation, tasks, workflow
from portal.tickets.models import Ticket, TicketEvent, TicketStatus, Urgency
from tenants.roles import Role
from tests.portal.tickets.helpers import EVE_OF_NATIONAL_DAY, UTC, file_as_owner, in_tenant, user

SHANGHAI = calendar.zone_of(None)


def local(ticket_time: dt.datetime) -> dt.datetime:
    return ticket_time.astimezone(SHANGHAI)


def test_national_day_deadlines_skip_the_week_and_count_the_make_up_saturday(app_ctx, world):
    with in_tenant(world.a) as tenant:
        ticket = file_as_owner(tenant, world.a)  # routine repair: 1 working day to answer, 3 to fix
        assert local(ticket.response_due_at) == dt.datetime(2026, 10, 8, 16, 0, tzinfo=SHANGHAI)
        assert local(ticket.resolve_due_at) == dt.datetime(2026, 10, 10, 16, 0, tzinfo=SHANGHAI)  # make-up Saturday
        assert ticket.due_at == ticket.response_due_at


def test_an_emergency_counts_hours_round_the_clock_through_the_holiday(app_ctx, world):
    with in_tenant(world.a) as tenant:
        ticket = file_as_owner(tenant, world.a, code="repair_emergency")
        assert ticket.response_due_at == EVE_OF_NATIONAL_DAY + dt.timedelta(hours=1)
        assert ticket.resolve_due_at == EVE_OF_NATIONAL_DAY + dt.timedelta(hours=24)


def test_urgent_never_waits_longer_than_two_hours(app_ctx, world):
    with in_tenant(world.a) as tenant:
        ticket = file_as_owner(tenant, world.a, urgency=Urgency.URGENT)
        assert ticket.response_due_at == EVE_OF_NATIONAL_DAY + dt.timedelta(hours=2)
        assert ticket.resolve_due_at == EVE_OF_NATIONAL_DAY + dt.timedelta(hours=24)


def test_spring_festival_2026_and_its_make_up_weekends(app_ctx, world):
    # Off 15–23 February 2026; Saturday 14 February and Saturday 28 February are make-up working days.
    with in_tenant(world.a) as tenant:
        friday = dt.datetime(2026, 2, 13, 2, 0, tzinfo=UTC)  # 10:00 local
        ticket = file_as_owner(tenant, world.a, now=friday)
        assert local(ticket.response_due_at).date() == dt.date(2026, 2, 14)  # the make-up Saturday
        assert local(ticket.resolve_due_at).date() == dt.date(2026, 2, 25)   # 14, 24, 25


def test_the_tenants_own_calendar_wins(app_ctx, world):
    with in_tenant(world.a) as tenant:
        admin = user(world.a, Role.BUREAU_ADMIN)
        calendar.set_day(tenant=tenant, actor=admin, day=dt.date(2026, 10, 8), is_working=False, name="县庆")
        ticket = file_as_owner(tenant, world.a)
        assert local(ticket.response_due_at).date() == dt.date(2026, 10, 9)
        row = calendar.set_day(tenant=tenant, actor=admin, day=dt.date(2026, 10, 8), is_working=False, name="县庆日")
        assert calendar.overrides()[dt.date(2026, 10, 8)] is False and row.name == "县庆日"
        calendar.remove_day(tenant=tenant, actor=admin, row=row)
        assert dt.date(2026, 10, 8) not in calendar.overrides()
        calendar.set_day(tenant=tenant, actor=admin, day=dt.date(2026, 10, 8), is_working=False, name="县庆")
    with in_tenant(world.b):
        assert dt.date(2026, 10, 8) not in calendar.overrides()  # another tenant's days are its own


def test_next_years_schedule_entered_before_the_package_has_it(app_ctx, world):
    from portal.workdays import is_known_year

    assert not is_known_year(2027)
    with in_tenant(world.a) as tenant:
        admin = user(world.a, Role.BUREAU_ADMIN)
        for day in range(11, 18):  # a Spring Festival week 2027, as the State Council will publish it
            calendar.set_day(tenant=tenant, actor=admin, day=dt.date(2027, 2, day), is_working=False, name="春节")
        calendar.set_day(tenant=tenant, actor=admin, day=dt.date(2027, 2, 20), is_working=True, name="春节调休")
        wednesday = dt.datetime(2027, 2, 10, 2, 0, tzinfo=UTC)
        ticket = file_as_owner(tenant, world.a, now=wednesday)
        assert local(ticket.response_due_at).date() == dt.date(2027, 2, 18)
        assert local(ticket.resolve_due_at).date() == dt.date(2027, 2, 20)  # 18, 19 and the make-up Saturday


def _events(kind: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(TicketEvent).where(TicketEvent.kind == kind))


def test_escalation_office_then_bureau_and_running_twice_changes_nothing(app_ctx, world):
    with in_tenant(world.a) as tenant:
        ticket = file_as_owner(tenant, world.a)
        due = ticket.due_at
        assert escalation.run(tenant, due - dt.timedelta(minutes=1)).changed == 0
        first = escalation.run(tenant, due + dt.timedelta(minutes=1))
        assert (first.to_office, first.to_bureau) == (1, 0) and ticket.escalation_level == 1
        assert escalation.run(tenant, due + dt.timedelta(minutes=1)).changed == 0
        # Two working days past the deadline (9 and the make-up 10 October): the bureau's (督办).
        later = dt.datetime(2026, 10, 10, 9, 0, tzinfo=UTC)
        assert escalation.run(tenant, later).to_bureau == 1 and ticket.escalation_level == 2
        assert escalation.run(tenant, later).changed == 0
        assert escalation.run(tenant, later + dt.timedelta(days=20)).changed == 0
        assert _events("escalate") == 2


def test_resolved_tickets_confirm_themselves_after_seven_days_once(app_ctx, world):
    with in_tenant(world.a) as tenant:
        ticket = file_as_owner(tenant, world.a)
        staff = user(world.a, Role.FIRM_STAFF)
        workflow.accept(tenant=tenant, actor=staff, ticket=ticket, assignee_id=staff.id, now=EVE_OF_NATIONAL_DAY)
        workflow.resolve(tenant=tenant, actor=staff, ticket=ticket, note="修好了", now=EVE_OF_NATIONAL_DAY)
        assert escalation.run(tenant, EVE_OF_NATIONAL_DAY + dt.timedelta(days=6)).auto_confirmed == 0
        week = EVE_OF_NATIONAL_DAY + dt.timedelta(days=7, minutes=1)
        assert escalation.run(tenant, week).auto_confirmed == 1
        assert ticket.status == TicketStatus.CONFIRMED and ticket.auto_confirmed and ticket.rating is None
        assert escalation.run(tenant, week).changed == 0


def test_the_rq_job_function_runs_the_same_escalation(app_ctx, world):
    with in_tenant(world.a) as tenant:
        ticket = file_as_owner(tenant, world.a)
        moment = (ticket.due_at + dt.timedelta(minutes=1)).isoformat()
        ticket_id = ticket.id
        db.session.commit()
    result = tasks.escalate_job(moment, "alpha")
    assert result == {"alpha": {"to_office": 1, "to_bureau": 0, "auto_confirmed": 0}}
    assert tasks.escalate_job(moment, "alpha") == {"alpha": {"to_office": 0, "to_bureau": 0, "auto_confirmed": 0}}
    with in_tenant(world.a):
        assert db.session.scalar(sa.select(Ticket.escalation_level).where(Ticket.id == ticket_id)) == 1


def _redis():
    try:
        connection = redis.Redis(host="127.0.0.1", port=6379, db=15, socket_connect_timeout=0.5)
        connection.ping()
        return connection
    except redis.exceptions.RedisError:
        return None


def test_enqueued_on_rq_and_run_by_a_burst_worker(app, world):
    """Through a real queue on Redis (skipped where no Redis listens on 127.0.0.1:6379)."""
    from rq import Queue, SimpleWorker

    connection = _redis()
    if connection is None:
        pytest.skip("no Redis at 127.0.0.1:6379")
    with app.app_context():
        with in_tenant(world.a) as tenant:
            ticket = file_as_owner(tenant, world.a)
            moment = (ticket.due_at + dt.timedelta(minutes=1)).isoformat()
            db.session.commit()
        queue = Queue("tickets-test", connection=connection)
        queue.empty()
        job = queue.enqueue(tasks.escalate_job, moment, "alpha")
        SimpleWorker([queue], connection=connection).work(burst=True)
        job.refresh()
        assert job.get_status() == "finished", job.latest_result().exc_string if job.latest_result() else ""
        assert job.return_value() == {"alpha": {"to_office": 1, "to_bureau": 0, "auto_confirmed": 0}}
        queue.empty()
