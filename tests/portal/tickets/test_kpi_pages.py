"""The ticket dashboard, its export and JSON API, and the spot-check calls: who sees which figures.

A second street (Y) with its own community and firm sits beside the world's street (X): the officer of X and
the firm of X must not count Y's tickets; another tenant's member gets a 404.
"""
from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.communities.models import Area, AreaKind, Community
from portal.demo.services import demo_credit_code
from portal.extensions import db
from portal.firms.models import Firm
from portal.tickets import spot_checks
from portal.tickets.models import SpotCheck, Ticket, TicketStatus, TicketType
from tenants.roles import Role
from tests.conftest import csrf_token_for
from tests.portal.tickets.helpers import category, in_tenant

UTC = dt.timezone.utc
H = dt.timedelta(hours=1)


@pytest.fixture
def two_streets(app, world):
    """March 2025: 3 tickets in street X (the world's community, its firm), 2 in street Y (another firm);
    four of them closed in the first half of March."""
    with app.app_context(), in_tenant(world.a):
        cat = category("repair_routine")
        street_y = Area(kind=AreaKind.STREET, name="街道乙")
        firm_y = Firm(name="乙物业", credit_code=demo_credit_code("kpi-firm-y"))
        db.session.add_all([street_y, firm_y])
        db.session.flush()
        community_y = Community(name="乙小区", area_id=street_y.id)
        db.session.add(community_y)
        db.session.flush()
        filed = dt.datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
        for community_id, firm_id, count in ((world.a.community_id, world.a.firm_id, 3), (community_y.id, firm_y.id, 2)):
            for i in range(count):
                db.session.add(Ticket(
                    community_id=community_id, firm_id=firm_id, ticket_type=TicketType.REPAIR, category_id=cat.id,
                    description="kpi", status=TicketStatus.CLOSED, filed_at=filed, accepted_at=filed + H,
                    first_resolved_at=filed + 5 * H, resolved_at=filed + 5 * H, closed_at=filed + 48 * H,
                    rating=5 if i else 2, response_due_at=filed + 24 * H, resolve_due_at=filed + 72 * H))
        db.session.commit()
        ids = {"community_y": community_y.id, "firm_y": firm_y.id, "street_y": street_y.id}
    return ids


def test_the_bureau_sees_the_whole_tenant_with_charts_and_tables(app, world, two_streets, client_as):
    page = client_as(Role.BUREAU_STAFF).get("/t/alpha/tickets/kpis?month=2025-03")
    assert page.status_code == 200, page.text
    assert page.text.count("<svg") == 2 and "<title id=\"trend-title\">" in page.text
    assert "乙小区" in page.text and "小区" in page.text
    assert ">5</span>" in page.text  # five tickets in the figure cards


def test_a_street_officer_sees_only_her_street(app, world, two_streets, client_as):
    officer = client_as(Role.AREA_OFFICER)
    page = officer.get("/t/alpha/tickets/kpis?month=2025-03")
    assert page.status_code == 200
    assert "乙小区" not in page.text and ">3</span>" in page.text
    # choosing the other street's area is not offered: refused with a message, nothing shown
    refused = officer.get(f"/t/alpha/tickets/kpis?month=2025-03&area_id={two_streets['street_y']}")
    assert refused.status_code == 400 and "乙小区" not in refused.text
    rows = officer.get("/api/v1/t/alpha/tickets/kpis?month=2025-03&group_by=tenant").get_json()
    assert [r["tickets"] for r in rows] == [3]


def test_a_firm_sees_its_projects_not_another_firms(app, world, two_streets, client_as):
    firm = client_as(Role.FIRM_STAFF)
    page = firm.get("/t/alpha/tickets/kpis?month=2025-03&group_by=firm")
    assert page.status_code == 200 and "乙物业" not in page.text
    rows = firm.get(f"/api/v1/t/alpha/tickets/kpis?month=2025-03&group_by=tenant&firm_id={two_streets['firm_y']}").get_json()
    assert rows == []


def test_owners_and_other_tenants_get_nothing(app, world, two_streets, client_as):
    assert client_as(Role.OWNER).get("/t/alpha/tickets/kpis").status_code == 403
    assert client_as(Role.BUREAU_STAFF, "b").get("/t/alpha/tickets/kpis").status_code == 404
    assert client_as(Role.BUREAU_STAFF, "b").get("/t/alpha/tickets/spot-checks").status_code == 404


def test_bad_filters_are_named_not_a_500(app, world, client_as):
    bureau = client_as(Role.BUREAU_STAFF)
    for query in ("month=2025-13", "month=x", "area_id=abc", "group_by=owner", "firm_id=999999"):
        page = bureau.get(f"/t/alpha/tickets/kpis?{query}")
        assert page.status_code == 400, query
    assert bureau.get("/api/v1/t/alpha/tickets/kpis?month=2025-13").status_code == 422


def test_the_excel_export_has_the_table_and_the_total(app, world, two_streets, client_as):
    response = client_as(Role.BUREAU_STAFF).get("/t/alpha/tickets/kpis/export.xlsx?month=2025-03&group_by=firm")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.values)
    assert len(rows) == 1 + 2 + 1  # header, two firms, the total
    assert rows[-1][1] == 5
    assert {r[0] for r in rows[1:-1]} == {"乙物业", db_firm_name(app, world)}


def db_firm_name(app, world):
    with app.app_context(), in_tenant(world.a):
        return db.session.get(Firm, world.a.firm_id).name


def test_spot_checks_drawn_reproducibly_once_and_called(app, world, two_streets, client_as):
    bureau = client_as(Role.BUREAU_STAFF)
    page = bureau.get("/t/alpha/tickets/spot-checks?half=2025-03-01")
    assert page.status_code == 200 and "5" in page.text
    token = csrf_token_for(bureau, "/t/alpha/tickets/spot-checks?half=2025-03-01")
    drawn = bureau.post("/t/alpha/tickets/spot-checks/draw?half=2025-03-01", data={"csrf_token": token})
    assert drawn.status_code == 303
    with app.app_context(), in_tenant(world.a):
        first = [c.ticket_id for c in spot_checks.sample_of(dt.date(2025, 3, 1))]
        assert len(first) == 5  # all five closed tickets (fewer than the sample size)
    again = bureau.post("/t/alpha/tickets/spot-checks/draw?half=2025-03-01", data={"csrf_token": token})
    assert again.status_code == 303
    with app.app_context(), in_tenant(world.a):
        assert [c.ticket_id for c in spot_checks.sample_of(dt.date(2025, 3, 1))] == first
        check_id = db.session.scalar(sa.select(SpotCheck.id).where(SpotCheck.ticket_id == first[0]))
    url = f"/t/alpha/tickets/spot-checks/{check_id}"
    missing = bureau.post(url, data={"csrf_token": token, "reached": "yes"})
    assert missing.status_code == 400  # reached, but not said whether satisfied
    saved = bureau.post(url, data={"csrf_token": token, "reached": "yes", "satisfied": "yes", "notes": "业主很满意"})
    assert saved.status_code == 303
    with app.app_context(), in_tenant(world.a):
        check = db.session.get(SpotCheck, check_id)
        assert check.reached and check.satisfied and check.notes == "业主很满意"
        summary = spot_checks.summary(dt.date(2025, 3, 1), dt.date(2025, 3, 1))
        assert (summary.drawn, summary.called, summary.reached, summary.satisfied) == (5, 1, 1, 1)
    assert client_as(Role.AREA_OFFICER).get(url).status_code == 403
    assert client_as(Role.BUREAU_STAFF, "b").get(url.replace("alpha", world.b.slug)).status_code == 404


def test_the_draw_is_the_same_from_the_same_data(app, world, two_streets):
    with app.app_context(), in_tenant(world.a) as tenant:
        ids = list(db.session.scalars(spot_checks.candidates(dt.date(2025, 3, 1))))
        import random

        expected = random.Random(f"{tenant.id}:2025-03-01").sample(ids, 3)
        rows = spot_checks.draw(tenant=tenant, actor=None, start=dt.date(2025, 3, 1), size=3,
                                now=dt.datetime(2025, 3, 20, tzinfo=UTC))
        assert [r.ticket_id for r in rows] == expected
        with pytest.raises(spot_checks.TicketError):
            spot_checks.draw(tenant=tenant, actor=None, start=dt.date(2025, 3, 16),
                             now=dt.datetime(2025, 3, 20, tzinfo=UTC))  # nothing closed then
        db.session.rollback()
