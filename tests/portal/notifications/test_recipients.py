"""Who hears of each ticket event: the owner, the firm's staff, the community office, the bureau — and nobody
else (staff of another firm, the officer of another street, another owner, anyone in another tenant)."""
from __future__ import annotations

import datetime as dt

from portal.tickets import escalation, workflow
from portal.tickets.models import Urgency
from tenants.roles import Role
from tests.portal.notifications.helpers import last_id, received, strangers
from tests.portal.tickets.helpers import EVE_OF_NATIONAL_DAY, file_as_owner, in_tenant, user

T0 = EVE_OF_NATIONAL_DAY


def test_each_step_of_a_ticket_reaches_exactly_the_people_it_concerns(app_ctx, world):
    a = world.a
    with in_tenant(a) as tenant:
        others = strangers(a)
        owner, firm = user(a, Role.OWNER), user(a, Role.FIRM_STAFF)
        officer = user(a, Role.AREA_OFFICER)
        mark = last_id()
        ticket = file_as_owner(tenant, a, now=T0)
        assert received(mark) == {firm.id: ["ticket.filed"]}

        mark = last_id()
        workflow.accept(tenant=tenant, actor=firm, ticket=ticket, assignee_id=firm.id, now=T0)
        assert received(mark) == {owner.id: ["ticket.accepted"]}

        mark = last_id()
        workflow.resolve(tenant=tenant, actor=firm, ticket=ticket, note="换了灯泡", now=T0 + dt.timedelta(hours=2))
        assert received(mark) == {owner.id: ["ticket.resolved"]}

        mark = last_id()
        workflow.reopen(tenant=tenant, actor=owner, ticket=ticket, reason="还是不亮", now=T0 + dt.timedelta(hours=3))
        assert received(mark) == {firm.id: ["ticket.reopened"]}

        mark = last_id()
        workflow.urge(tenant=tenant, actor=officer, ticket=ticket, note="请今天处理", now=T0 + dt.timedelta(hours=4))
        assert received(mark) == {firm.id: ["ticket.urged"], owner.id: ["ticket.urged_owner"]}
        assert not set(received(0)) & set(others.values())


def test_escalation_tells_the_office_then_the_bureau_once_each(app_ctx, world):
    a = world.a
    with in_tenant(a) as tenant:
        others = strangers(a)
        firm, officer = user(a, Role.FIRM_STAFF), user(a, Role.AREA_OFFICER)
        bureau = {user(a, Role.BUREAU_ADMIN).id, user(a, Role.BUREAU_STAFF).id}
        ticket = file_as_owner(tenant, a, now=T0)
        due = ticket.due_at
        mark = last_id()
        escalation.run(tenant, due + dt.timedelta(minutes=1))
        assert received(mark) == {officer.id: ["ticket.escalated_office"], firm.id: ["ticket.overdue"]}
        mark = last_id()
        escalation.run(tenant, due + dt.timedelta(minutes=1))
        assert received(mark) == {}
        later = due + dt.timedelta(days=10)
        escalation.run(tenant, later)
        got = received(mark)
        assert {k: v for k, v in got.items() if k in bureau} == {b: ["ticket.escalated_bureau"] for b in bureau}
        assert got[firm.id] == ["ticket.escalated_bureau_firm"]
        assert set(got) == bureau | {firm.id}
        mark = last_id()
        escalation.run(tenant, later)
        escalation.run(tenant, later + dt.timedelta(days=5))
        assert received(mark) == {}
        assert not set(received(0)) & set(others.values())


def test_a_notice_already_given_is_not_given_again(app_ctx, world):
    """Even if an event is announced twice (two runs meeting on a row), each person is told once."""
    from portal.tickets import notices

    a = world.a
    with in_tenant(a) as tenant:
        ticket = file_as_owner(tenant, a, now=T0)
        ticket.escalation_level = 1
        mark = last_id()
        assert notices.announce(tenant, ticket, "escalated_1", now=T0) == 2
        assert notices.announce(tenant, ticket, "escalated_1", now=T0) == 0
        assert sum(len(v) for v in received(mark).values()) == 2


def test_the_owner_hears_the_day_before_the_ticket_confirms_itself(app_ctx, world):
    a = world.a
    with in_tenant(a) as tenant:
        owner, firm = user(a, Role.OWNER), user(a, Role.FIRM_STAFF)
        ticket = file_as_owner(tenant, a, now=T0)
        workflow.accept(tenant=tenant, actor=firm, ticket=ticket, assignee_id=firm.id, now=T0)
        workflow.resolve(tenant=tenant, actor=firm, ticket=ticket, note="修好了", now=T0)
        mark = last_id()
        escalation.run(tenant, T0 + dt.timedelta(days=5))
        assert received(mark) == {}
        escalation.run(tenant, T0 + dt.timedelta(days=6, hours=1))
        escalation.run(tenant, T0 + dt.timedelta(days=6, hours=2))
        assert received(mark) == {owner.id: ["ticket.auto_confirm_soon"]}


def test_an_urgent_repair_is_its_own_kind_and_a_firm_tenant_tells_its_project_team(app_ctx, world):
    c = world.c
    with in_tenant(c) as tenant:
        mark = last_id()
        file_as_owner(tenant, c, urgency=Urgency.URGENT, now=T0)
        team = {user(c, Role.PROJECT_MANAGER).id, user(c, Role.PROJECT_STAFF).id}
        assert received(mark) == {p: ["ticket.filed_urgent"] for p in team}

