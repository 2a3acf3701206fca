"""The tickets API (list, detail, filing, transitions with 409 for an illegal step) and the escalation command."""
from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.tickets.models import Ticket
from tenants.roles import Role
from tests.conftest import csrf_token_for
from tests.portal.tickets.helpers import in_tenant


def _post(client, url, body):
    return client.post(url, json=body, headers={"X-CSRFToken": csrf_token_for(client)})


def test_list_detail_file_and_step_through_the_api(app, world, client_as):
    owner, staff, officer = client_as(Role.OWNER), client_as(Role.FIRM_STAFF), client_as(Role.AREA_OFFICER)
    listed = staff.get("/api/v1/t/alpha/tickets?status=submitted")
    assert listed.status_code == 200 and [t["id"] for t in listed.json] == [world.a.ticket_id]
    assert "X-Pagination" in listed.headers
    assert staff.get("/api/v1/t/alpha/tickets?status=nonsense").status_code == 422
    created = _post(owner, "/api/v1/t/alpha/tickets", {
        "community_id": world.a.community_id, "unit_id": world.a.unit_id, "category_id": world.a.ticket_category_id,
        "description": "门禁坏了", "urgency": "urgent"})
    assert created.status_code == 201, created.text
    ticket_id = created.json["id"]
    assert created.json["status"] == "submitted" and created.json["urgency"] == "urgent"
    # Someone else's unit, an unknown category: named, nothing filed.
    bad = _post(owner, "/api/v1/t/alpha/tickets", {"community_id": world.a.community_id, "unit_id": world.a.unit2_id,
                                                   "category_id": world.a.ticket_category_id, "description": "x"})
    assert bad.status_code == 422 and "unit_id" in bad.text
    url = f"/api/v1/t/alpha/tickets/{ticket_id}/transitions"
    assert _post(owner, url, {"action": "accept", "assignee_id": world.a.users[Role.FIRM_STAFF]}).status_code == 403
    assert _post(staff, url, {"action": "accept"}).status_code == 422  # the assignee is required
    assert _post(staff, url, {"action": "accept", "assignee_id": world.a.users[Role.FIRM_STAFF]}).status_code == 200
    illegal = _post(staff, url, {"action": "accept", "assignee_id": world.a.users[Role.FIRM_STAFF]})
    assert illegal.status_code == 409 and illegal.json["error"]["code"] == "illegal_transition"
    assert _post(officer, url, {"action": "extend", "days": 2, "reason": "等配件"}).status_code == 200
    assert _post(staff, url, {"action": "resolve", "note": "已修好"}).json["status"] == "resolved"
    assert _post(owner, url, {"action": "confirm", "rating": 5}).json["rating"] == 5
    detail = owner.get(f"/api/v1/t/alpha/tickets/{ticket_id}").json
    assert [e["kind"] for e in detail["events"]] == ["file", "accept", "extend", "resolve", "confirm"]
    # Another tenant's staff: not found, whatever the action.
    other = client_as(Role.BUREAU_ADMIN, "b")
    assert other.get(f"/api/v1/t/alpha/tickets/{ticket_id}").status_code == 404
    assert other.get(f"/api/v1/t/beta/tickets/{ticket_id}").status_code == 404


def test_the_escalation_command_twice(app, world):
    runner = app.test_cli_runner()
    moment = "2026-11-20T09:00:00+08:00"  # weeks after the world's ticket was due
    first = runner.invoke(args=["tickets", "escalate", "--tenant", "alpha", "--now", moment])
    assert first.exit_code == 0 and "alpha: 1 to the community office, 1 to the bureau" in first.output, first.output
    second = runner.invoke(args=["tickets", "escalate", "--tenant", "alpha", "--now", moment])
    assert "alpha: 0 to the community office, 0 to the bureau, 0 auto-confirmed" in second.output
    with app.app_context(), in_tenant(world.a):
        assert db.session.scalar(sa.select(Ticket.escalation_level).where(Ticket.id == world.a.ticket_id)) == 2
    naive = runner.invoke(args=["tickets", "escalate", "--now", "2026-11-20T09:00:00"])
    assert naive.exit_code != 0 and "time zone" in naive.output
    queued = runner.invoke(args=["tickets", "escalate", "--queue"])
    assert queued.exit_code != 0 and "PORTAL_REDIS_URL" in queued.output
