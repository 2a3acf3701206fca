"""Deadlines: a section past its due date is flagged on the board, recorded as a dated fact, listed for the
bureau and the street office, and resolved when published."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from freezegun import freeze_time

from portal.disclosures import deadlines, services
from portal.disclosures.models import BoardSection, DueFrequency, OverdueFact
from portal.extensions import db
from tenants.roles import Role
from tests.conftest import csrf_token_for
from tests.portal.disclosures.helpers import in_tenant, publish_all, tenant_of

Q3 = {"rows": [{"quarter": "2026Q3", "income_fen": 100, "spending_fen": 50, "balance_fen": 50}]}


def _board_without_q3(world_tenant):
    tenant = tenant_of(world_tenant)
    board = publish_all(tenant)  # its public revenue covers 2026Q3 …
    services.publish(tenant=tenant, actor=None, board=board, section=BoardSection.PUBLIC_REVENUE, data={"rows": [
        {"quarter": "2026Q2", "income_fen": 100, "spending_fen": 50, "balance_fen": 50}]},
        correction=True, reason="第三季度尚未结账", now=dt.datetime(2026, 10, 2, tzinfo=dt.timezone.utc))
    return board  # … until this correction leaves only 2026Q2


def test_public_revenue_is_flagged_once_the_clock_passes_the_due_date(app, world):
    with app.app_context(), in_tenant(world.a):
        board = _board_without_q3(world.a)
        contract = board.contract
        with freeze_time("2026-10-15 12:00:00"):  # Q3 ended 09-30; 15 days of grace: due 10-15
            assert BoardSection.PUBLIC_REVENUE not in deadlines.overdue_sections(contract, board)
        with freeze_time("2026-10-16 12:00:00"):
            missed = deadlines.overdue_sections(contract, board)
            assert missed[BoardSection.PUBLIC_REVENUE] == dt.date(2026, 10, 15)
            assert set(missed) == {BoardSection.PUBLIC_REVENUE}
            community_id = board.community_id
            db.session.commit()
            page = app.test_client().get(f"/t/alpha/board/{community_id}/")
            assert page.status_code == 200
            assert "逾期" in page.text or "Overdue" in page.text


def test_overdue_facts_are_dated_listed_and_resolved(app, world, client_as):
    with app.app_context(), in_tenant(world.a):
        tenant = tenant_of(world.a)
        board = _board_without_q3(world.a)
        with freeze_time("2026-10-20 01:00:00"):
            added, resolved = deadlines.detect(tenant=tenant)
        fact = db.session.scalar(sa.select(OverdueFact).where(OverdueFact.board_id == board.id))
        assert (fact.section, fact.due_date, fact.resolved_at) == (BoardSection.PUBLIC_REVENUE, dt.date(2026, 10, 15), None)
        assert fact.detected_at == dt.datetime(2026, 10, 20, 1, 0, tzinfo=dt.timezone.utc)
        with freeze_time("2026-10-20 01:00:00"):
            assert deadlines.detect(tenant=tenant) == (0, 0)  # the same fact is not recorded twice
        db.session.commit()
        fact_id, community_name = fact.id, board.contract.community.name
    for role in (Role.BUREAU_ADMIN, Role.AREA_OFFICER):
        page = client_as(role).get("/t/alpha/boards/overdue")
        assert page.status_code == 200 and community_name in page.text, role
    with app.app_context(), in_tenant(world.a):
        board = services.board_of_contract(board.contract_id)
        services.publish(tenant=tenant_of(world.a), actor=None, board=board, section=BoardSection.PUBLIC_REVENUE,
                         data={"rows": Q3["rows"] + [{"quarter": "2026Q2", "income_fen": 100, "spending_fen": 50,
                                                      "balance_fen": 50}]},
                         now=dt.datetime(2026, 10, 21, tzinfo=dt.timezone.utc))
        fact = db.session.scalar(sa.select(OverdueFact).where(OverdueFact.id == fact_id))
        assert fact.resolved_at == dt.datetime(2026, 10, 21, tzinfo=dt.timezone.utc)
        db.session.commit()
    assert community_name not in client_as(Role.BUREAU_ADMIN).get("/t/alpha/boards/overdue").text


def test_street_officer_sees_only_her_area(app, world, client_as):
    from portal.communities.models import Area, AreaKind

    with app.app_context(), in_tenant(world.a):
        other_street = Area(kind=AreaKind.STREET, name="别的街道")
        db.session.add(other_street)
        db.session.flush()
        board = _board_without_q3(world.a)
        board.contract.community.area_id = other_street.id
        with freeze_time("2026-10-20 01:00:00"):
            deadlines.detect(tenant=tenant_of(world.a))
        db.session.commit()
        name = board.contract.community.name
    assert name in client_as(Role.BUREAU_STAFF).get("/t/alpha/boards/overdue").text
    assert name not in client_as(Role.AREA_OFFICER).get("/t/alpha/boards/overdue").text


def test_rules_per_tenant_edited_by_the_bureau_admin(app, world, client_as):
    admin = client_as(Role.BUREAU_ADMIN)
    page = admin.get("/t/alpha/boards/rules")
    data = {"csrf_token": csrf_token_for(admin, "/t/alpha/boards/rules")}
    for section, rule in deadlines.DEFAULT_RULES.items():
        data[f"freq_{section.value}"], data[f"days_{section.value}"] = rule.frequency.value, str(rule.days)
    data["days_public_revenue"] = "30"
    assert admin.post("/t/alpha/boards/rules", data=data).status_code == 303
    with app.app_context(), in_tenant(world.a):
        assert deadlines.rule_for(BoardSection.PUBLIC_REVENUE).days == 30
    with app.app_context(), in_tenant(world.b):
        assert deadlines.rule_for(BoardSection.PUBLIC_REVENUE).days == 15  # another tenant keeps its own
    bad = dict(data, days_fees="-3")
    response = admin.post("/t/alpha/boards/rules", data=bad)
    assert response.status_code == 400 and page.status_code == 200


def test_yearly_and_current_rules(app_ctx, world):
    from portal.firms.models import Contract

    contract = Contract(start_date=dt.date(2024, 1, 1))
    yearly = deadlines.Rule(BoardSection.FINANCE, DueFrequency.YEARLY, 90)
    assert deadlines.due_date_missed(yearly, contract, [], dt.date(2026, 3, 31)) == dt.date(2025, 3, 31)
    assert deadlines.due_date_missed(yearly, contract, [], dt.date(2026, 4, 1)) == dt.date(2026, 3, 31)
    current = deadlines.Rule(BoardSection.PARKING, DueFrequency.CURRENT, 30)
    assert deadlines.due_date_missed(current, contract, [], dt.date(2024, 1, 31)) is None
    assert deadlines.due_date_missed(current, contract, [], dt.date(2024, 2, 1)) == dt.date(2024, 1, 31)
