"""Ticket KPIs on a small hand-made set: every number below is worked out by hand in the comments.

The same test runs on SQLite and (with PORTAL_TEST_DATABASE_URL) on PostgreSQL, so both give the same figures.

March 2025 (local dates), `now` = 10 April 2025. Every ticket is filed at 10:00 local (02:00 UTC) with a
response deadline 24 h and a resolution deadline 72 h later, category "repair_routine".

    T1  accepted +2 h, resolved +10 h, closed, rating 5, follow-up reached "satisfied"       firm F
    T2  accepted +30 h (late), resolved +100 h (late), confirmed, rating 2                  firm F
    T3  accepted +1 h, resolved +20 h, reopened once, back in progress                     firm F
    T4  filed 30 March, never accepted (deadline 2 April has passed)                        no firm
    T5  accepted +3 h, resolved +40 h, followed up: rating 5 but the visit heard "unsatisfied"  no firm
    T6  praise, accepted                                                                    (not counted)
    T7  filed 1 March 01:00 local (28 Feb 17:00 UTC), accepted +1 h, resolved +4 h, resolved  no firm
    T8  filed 1 April 00:30 local (31 March 16:30 UTC)                                      (April: not counted)
    P1, P2  filed March 2024 (the year before)
"""
from __future__ import annotations

import datetime as dt

import pytest

from portal.extensions import db
from portal.tickets import kpis
from portal.tickets.models import FollowUp, Satisfaction, Ticket, TicketStatus, TicketType
from tests.portal.tickets.helpers import category, in_tenant

UTC = dt.timezone.utc
H = dt.timedelta(hours=1)
MARCH = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
NOW = dt.datetime(2025, 4, 10, 2, 0, tzinfo=UTC)


def _ticket(tw, cat, filed, *, accepted=None, resolved=None, status=TicketStatus.SUBMITTED, rating=None,
            reopen=0, firm=False, ticket_type=TicketType.REPAIR):
    ticket = Ticket(community_id=tw.community_id, firm_id=tw.firm_id if firm else None, ticket_type=ticket_type,
                    category_id=cat.id, description="kpi", status=status, filed_at=filed,
                    accepted_at=filed + accepted * H if accepted is not None else None,
                    first_resolved_at=filed + resolved * H if resolved is not None else None,
                    resolved_at=filed + resolved * H if resolved is not None else None,
                    rating=rating, reopen_count=reopen, response_due_at=filed + 24 * H,
                    resolve_due_at=filed + 72 * H)
    db.session.add(ticket)
    db.session.flush()
    return ticket


def _follow_up(ticket, satisfaction):
    db.session.add(FollowUp(ticket_id=ticket.id, visited_at=ticket.resolved_at + 48 * H, reached=True,
                            satisfaction=satisfaction))


@pytest.fixture
def march(app_ctx, world):
    with in_tenant(world.a) as tenant:
        cat = category("repair_routine")
        day = dt.datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
        t1 = _ticket(world.a, cat, day, accepted=2, resolved=10, status=TicketStatus.CLOSED, rating=5, firm=True)
        _follow_up(t1, Satisfaction.SATISFIED)
        _ticket(world.a, cat, day, accepted=30, resolved=100, status=TicketStatus.CONFIRMED, rating=2, firm=True)
        _ticket(world.a, cat, day, accepted=1, resolved=20, status=TicketStatus.IN_PROGRESS, reopen=1, firm=True)
        _ticket(world.a, cat, dt.datetime(2025, 3, 30, 2, 0, tzinfo=UTC))
        t5 = _ticket(world.a, cat, day, accepted=3, resolved=40, status=TicketStatus.FOLLOWED_UP, rating=5)
        _follow_up(t5, Satisfaction.UNSATISFIED)
        _ticket(world.a, cat, day, accepted=1, status=TicketStatus.ACCEPTED, ticket_type=TicketType.PRAISE)
        _ticket(world.a, cat, dt.datetime(2025, 2, 28, 17, 0, tzinfo=UTC), accepted=1, resolved=4,
                status=TicketStatus.RESOLVED)
        _ticket(world.a, cat, dt.datetime(2025, 3, 31, 16, 30, tzinfo=UTC))
        _ticket(world.a, cat, dt.datetime(2024, 3, 10, 2, 0, tzinfo=UTC))
        _ticket(world.a, cat, dt.datetime(2024, 3, 20, 2, 0, tzinfo=UTC))
        db.session.flush()
        yield tenant, cat


def test_every_kpi_of_the_month_by_hand(march, world):
    rows = kpis.kpi_rows(*MARCH, group_by="community", now=NOW)
    assert list(rows) == [world.a.community_id]
    row = rows[world.a.community_id]
    assert row.tickets == 6                                   # T1 T2 T3 T4 T5 T7
    assert row.responded == 4                                 # T1 T3 T5 T7 (T2 late, T4 never)
    assert row.response_rate == pytest.approx(4 / 6)
    assert row.resolved == 4                                  # T1 T2 T5 T7 (T3 reopened, T4 open)
    assert row.resolution_rate == pytest.approx(4 / 6)
    assert (row.satisfied, row.judged) == (1, 3)              # T1 yes; T2 rating 2; T5 the visit wins
    assert row.satisfaction_rate == pytest.approx(1 / 3)
    assert (row.on_time, row.due) == (4, 6)                   # T2 late; T4 past its deadline, unresolved
    assert (row.reopened, row.ever_resolved) == (1, 5)        # T3 of T1 T2 T3 T5 T7
    assert row.reopen_rate == pytest.approx(0.2)
    assert row.follow_up_coverage == pytest.approx(0.5)       # T1 T5 of T1 T2 T5 T7
    assert row.median_hours == pytest.approx(20)              # 4 10 [20] 40 100
    assert row.p90_hours == pytest.approx(100)                # rank ceil(0.9·5) = 5
    assert row.score == pytest.approx(40 * 4 / 6 + 30 * 4 / 6 + 30 / 3, abs=0.01)  # 56.67


def test_grouped_by_firm_area_street_and_tenant(march, world):
    by_firm = kpis.kpi_rows(*MARCH, group_by="firm", now=NOW)
    assert {k: r.tickets for k, r in by_firm.items()} == {world.a.firm_id: 3, None: 3}
    assert by_firm[world.a.firm_id].median_hours == pytest.approx(20)   # 10 [20] 100
    assert by_firm[None].p90_hours == pytest.approx(40)                 # 4 40 → rank 2
    assert kpis.kpi_rows(*MARCH, group_by="tenant", now=NOW)["all"].tickets == 6
    assert sum(r.tickets for r in kpis.kpi_rows(*MARCH, group_by="area", now=NOW).values()) == 6
    assert sum(r.tickets for r in kpis.kpi_rows(*MARCH, group_by="street", now=NOW).values()) == 6
    assert kpis.kpi_rows(*MARCH, group_by="tenant", now=NOW, firm_id=world.a.firm_id)["all"].tickets == 3
    assert kpis.kpi_rows(*MARCH, group_by="tenant", now=NOW, area_id=world.a.area_id)["all"].tickets == 6


def test_year_on_year_per_category(march):
    _tenant, cat = march
    change = kpis.year_on_year(*MARCH)[cat.id]
    assert (change.current, change.previous) == (6, 2)
    assert change.change == pytest.approx(2.0)
    assert kpis.YearOnYear(1, 459, 500).change == pytest.approx(-0.082)   # seed 001's −8.2 %


def test_month_trend_and_empty_months(march):
    trend = kpis.month_trend(kpis.last_months(dt.date(2025, 4, 15), 3), now=NOW)
    assert [(m.isoformat(), r.tickets) for m, r in trend] == [("2025-02-01", 0), ("2025-03-01", 6),
                                                               ("2025-04-01", 1)]
    assert trend[0][1].response_rate is None and trend[0][1].score is None


def test_ticket_component_for_the_evaluation(march, world):
    components = kpis.ticket_component(world.a.tenant_id, *MARCH, now=NOW)
    component = components[world.a.community_id]
    assert component.tickets == 6
    assert component.score == pytest.approx(56.67, abs=0.01)
    assert kpis.ticket_component(world.b.tenant_id, *MARCH, now=NOW) == {}


def test_score_without_any_verdict_reweights():
    assert kpis.ticket_score(1.0, 0.5, None) == pytest.approx((40 + 15) * 100 / 70, abs=0.01)
    assert kpis.ticket_score(None, None, None) is None
