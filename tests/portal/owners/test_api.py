"""The owners JSON API: code status per building, issue/revoke/reissue, the owner's units."""
from __future__ import annotations

import json

from tenants.roles import Role
from tests.conftest import table_snapshot
from tests.portal import bulk
from tests.portal.owners.helpers import active_codes, audit_actions, make_other_community
from tests.portal.pages import csrf_token_for


def bearer(world, key="a"):
    return {"Authorization": f"Bearer {world[key].token_secret}"}


def test_status_per_building_and_units(app, world):
    client = app.test_client()
    w = world.a
    body = client.get(f"/api/v1/t/alpha/claim-codes/communities/{w.community_id}", headers=bearer(world)).json
    assert body["community_name"] == f"小区{w.sentinel}"
    assert body["buildings"] == [{"building_id": w.building_id, "building_name": f"1号楼{w.sentinel}", "units": 2,
                                  "active_codes": 1, "bound_units": 1}]
    building = client.get(f"/api/v1/t/alpha/claim-codes/buildings/{w.building_id}", headers=bearer(world)).json
    assert building == {"building_id": w.building_id, "building_name": f"1号楼{w.sentinel}",
                        "community_id": w.community_id, "units": 2, "active_codes": 1, "bound_units": 1}
    answer = client.get(f"/api/v1/t/alpha/claim-codes/buildings/{w.building_id}/units", headers=bearer(world))
    assert json.loads(answer.headers["X-Pagination"])["total"] == 2
    by_room = {u["room"]: u for u in answer.json}
    assert by_room["101"]["active_code"] is None and by_room["101"]["bound_accounts"] == 1
    assert by_room["102"]["active_code"]["code"] == w.claim_code and by_room["102"]["active_code"]["status"] == "active"
    for status, rooms in (("unused", ["102"]), ("no_code", ["101"]), ("bound", ["101"]), ("unbound", ["102"])):
        answer = client.get(f"/api/v1/t/alpha/claim-codes/buildings/{w.building_id}/units?state={status}",
                            headers=bearer(world))
        assert [u["room"] for u in answer.json] == rooms, status
    answer = client.get(f"/api/v1/t/alpha/claim-codes/buildings/{w.building_id}/units?q=10&state=nope",
                        headers=bearer(world))
    assert answer.status_code == 422 and "state" in answer.json["error"]["fields"]


def test_units_of_a_building_page_by_page(app, world):
    """More units than a page: the API answers page_size of them, the total, and the link to the next page."""
    w = world.a
    bulk.in_tenant(app, w, lambda: bulk.building_units(w, 130, "P"))
    client = app.test_client()
    url = f"/api/v1/t/alpha/claim-codes/buildings/{w.building_id}/units"
    first = client.get(url, headers=bearer(world))
    assert first.status_code == 200 and len(first.json) == 50  # the API's default page size
    paging = json.loads(first.headers["X-Pagination"])
    assert paging["total"] == 132 and paging["total_pages"] == 3 and paging["next_page"] == 2
    last = client.get(url + "?page=3&page_size=50", headers=bearer(world))
    assert len(last.json) == 32
    rooms = [u["room"] for page in (1, 2, 3) for u in client.get(f"{url}?page={page}", headers=bearer(world)).json]
    assert len(set(rooms)) == 132
    assert client.get(url + "?page_size=101", headers=bearer(world)).status_code == 422
    assert client.get(url + "?page=-1", headers=bearer(world)).status_code == 422
    searched = client.get(url + "?q=p1&entrance=1", headers=bearer(world))
    assert sorted(u["room"] for u in searched.json) == [f"P1{i:02d}" for i in range(30)]
    assert client.get(url + "?entrance=9", headers=bearer(world)).json == []


def test_issue_revoke_reissue(app, world):
    client = app.test_client()
    w = world.a
    other = make_other_community(app, w.tenant_id, units=2)
    response = client.post(f"/api/v1/t/alpha/claim-codes/buildings/{other.building_id}/issue", json={},
                           headers=bearer(world))
    assert response.status_code == 201 and len(response.json["issued"]) == 2
    code_id = response.json["issued"][0]["id"]

    before = table_snapshot(app)
    response = client.post(f"/api/v1/t/alpha/claim-codes/{code_id}/revoke", json={}, headers=bearer(world))
    assert response.status_code == 422 and "reason" in response.json["error"]["fields"]
    response = client.post(f"/api/v1/t/alpha/claim-codes/{code_id}/revoke", json={"reason": "  "}, headers=bearer(world))
    assert response.status_code == 422 and "reason" in response.json["error"]["fields"]
    assert table_snapshot(app) == before

    response = client.post(f"/api/v1/t/alpha/claim-codes/{code_id}/reissue", json={"reason": "lost"}, headers=bearer(world))
    assert response.status_code == 201
    assert response.json["revoked"]["status"] == "revoked" and response.json["revoked"]["code"] is None
    new = response.json["issued"]
    assert new["status"] == "active" and active_codes(app, w.tenant_id, new["unit_id"]) == [new["code"]]
    response = client.post(f"/api/v1/t/alpha/claim-codes/{code_id}/revoke", json={"reason": "again"}, headers=bearer(world))
    assert response.status_code == 409
    response = client.post(f"/api/v1/t/alpha/claim-codes/{new['id']}/revoke", json={"reason": "again"}, headers=bearer(world))
    assert response.status_code == 200 and response.json["status"] == "revoked"
    actions = [a[0] for a in audit_actions(app, w.tenant_id, "claim_code.")]
    assert actions == ["claim_code.issued", "claim_code.issued", "claim_code.revoked", "claim_code.reissued",
                       "claim_code.revoked"]


def test_unknown_fields_are_refused(app, world):
    response = app.test_client().post(f"/api/v1/t/alpha/claim-codes/buildings/{world.a.building_id}/issue",
                                      json={"include_bound": True, "tenant_id": world.b.tenant_id}, headers=bearer(world))
    assert response.status_code == 422 and "tenant_id" in response.json["error"]["fields"]


def test_cross_tenant_ids_are_not_found(app, world):
    client = app.test_client()
    before = table_snapshot(app)
    a = world.a
    for method, url in [("GET", f"/api/v1/t/beta/claim-codes/communities/{a.community_id}"),
                        ("GET", f"/api/v1/t/beta/claim-codes/buildings/{a.building_id}"),
                        ("POST", f"/api/v1/t/beta/claim-codes/buildings/{a.building_id}/issue"),
                        ("POST", f"/api/v1/t/beta/claim-codes/{a.claim_code_id}/revoke"),
                        ("POST", f"/api/v1/t/beta/claim-codes/{a.claim_code_id}/reissue")]:
        response = client.open(url, method=method, json={"reason": "x"} if method == "POST" else None,
                               headers=bearer(world, "b"))
        assert response.status_code == 404 and a.sentinel not in response.text, url
    # B's token with A's slug: not a member of A.
    assert client.get(f"/api/v1/t/alpha/claim-codes/buildings/{a.building_id}", headers=bearer(world, "b")).status_code in (401, 404)
    assert table_snapshot(app) == before


def test_my_units_for_owners_only(world, client_as):
    owner = client_as(Role.OWNER, "a")
    body = owner.get("/api/v1/t/alpha/my/units").json
    assert [(u["room"], u["floor_area"], u["community_name"], u["other_accounts"]) for u in body] == [
        ("101", "88.50", f"小区{world.a.sentinel}", 0)]
    admin = client_as(Role.BUREAU_ADMIN, "a")
    assert admin.get("/api/v1/t/alpha/my/units").status_code == 403
    member = client_as(Role.COMMITTEE_MEMBER, "a")
    other_token = csrf_token_for(member, "/t/alpha/claim-codes/")
    assert member.get(f"/api/v1/t/alpha/claim-codes/communities/{world.a.community_id}",
                      headers={"X-CSRFToken": other_token}).status_code == 200
