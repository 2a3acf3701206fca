"""The registry's JSON API: the same rules and messages as the forms, masking, visibility, tenant isolation."""
from __future__ import annotations

import pytest
from freezegun import freeze_time

from portal.firms.credit_code import check_character
from tenants.roles import Role
from tests.conftest import csrf_token_for, table_snapshot
from tests.portal.communities.helpers import audit_events

API = "/api/v1/t/alpha"


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}", "Accept-Language": "en"}


@pytest.fixture
def api(app, world):
    """Tenant A's bureau administrator, by bearer token."""
    client = app.test_client()
    client.set_cookie("portal_lang", "en")
    headers = bearer(world.a.token_secret)

    def call(method, path, json=None, **kwargs):
        return client.open(f"{API}{path}", method=method, json=json, headers=headers, **kwargs)

    return call


def as_role(app, client_as, role):
    """A signed-in browser session of tenant A with its CSRF token: API calls as that role."""
    client = client_as(role, "a")
    client.set_cookie("portal_lang", "en")
    token = csrf_token_for(client)

    def call(method, path, json=None):
        return client.open(f"{API}{path}", method=method, json=json, headers={"X-CSRFToken": token})

    return call


def test_areas_crud(app, world, api):
    listed = api("GET", "/areas")
    assert listed.status_code == 200 and {a["id"] for a in listed.json} == {world.a.area_id, world.a.office_id}
    created = api("POST", "/areas", {"kind": "community_office", "name": "新社区", "parent_id": world.a.area_id})
    assert created.status_code == 201 and created.json["parent_id"] == world.a.area_id
    orphan = api("POST", "/areas", {"kind": "community_office", "name": "孤儿"})
    assert orphan.status_code == 422 and "must belong to a street" in orphan.json["error"]["fields"]["parent_id"][0]
    renamed = api("PATCH", f"/areas/{created.json['id']}", {"name": "改名社区"})
    assert renamed.status_code == 200 and renamed.json["name"] == "改名社区"
    assert api("GET", f"/areas/{created.json['id']}").json["name"] == "改名社区"
    assert audit_events(app, world, "area.renamed")


def test_community_create_get_update_and_same_messages_as_the_form(app, world, api):
    body = {"name": "API小区", "area_id": world.a.office_id, "service_grade": "grade1", "declared_units": 50,
            "revenue_bank": "银行", "revenue_account_name": "专户", "revenue_account_number": "6222-0200-0000-9999"}
    created = api("POST", "/communities", body)
    assert created.status_code == 201, created.json
    assert created.json["revenue_account_number"] == "6222020000009999"  # the bureau sees it in full
    assert created.json["unit_count"] == 0 and created.json["current_firm_id"] is None
    community_id = created.json["id"]
    before = table_snapshot(app)
    for change, field, message in [
        ({"name": "API小区"}, "name", None), ({"area_id": world.b.office_id}, "area_id", "No such area"),
        ({"service_grade": "grade9"}, "service_grade", None), ({"declared_units": -1}, "declared_units", None),
        ({"revenue_account_number": "12ab"}, "revenue_account_number", "6 to 32 digits"),
    ]:
        response = api("POST", "/communities", {**body, "name": "另一小区", **change})
        assert response.status_code == 422, (change, response.json)
        messages = response.json["error"]["fields"][field]
        assert messages and (message is None or message in messages[0]), (change, messages)
    assert table_snapshot(app) == before
    updated = api("PATCH", f"/communities/{community_id}", {"service_grade": "grade3"})
    assert updated.status_code == 200 and updated.json["service_grade"] == "grade3" and updated.json["name"] == "API小区"
    got = api("GET", f"/communities/{world.a.community_id}").json
    assert got["unit_count"] == 2 and got["current_firm_id"] == world.a.firm_id
    assert got["current_contract_id"] == world.a.contract_id


@pytest.mark.parametrize("role", [Role.AREA_OFFICER, Role.FIRM_STAFF, Role.COMMITTEE_MEMBER])
def test_the_account_number_is_masked_for_non_managers(app, world, client_as, role):
    call = as_role(app, client_as, role)
    got = call("GET", f"/communities/{world.a.community_id}")
    assert got.status_code == 200 and got.json["revenue_account_number"] == "6222***********4567"
    listed = call("GET", "/communities").json
    assert [c["revenue_account_number"] for c in listed] == ["6222***********4567"]
    assert "6222020000001234567" not in str(listed)
    refused = call("PATCH", f"/communities/{world.a.community_id}", {"name": "x"})
    assert refused.status_code == 403


def test_an_officer_sees_only_their_area_through_the_api(app, world, api, client_as):
    street = api("POST", "/areas", {"kind": "street", "name": "远方街道"}).json
    far = api("POST", "/communities", {"name": "远方小区", "area_id": street["id"], "service_grade": "grade2"}).json
    officer = as_role(app, client_as, Role.AREA_OFFICER)
    assert [c["id"] for c in officer("GET", "/communities").json] == [world.a.community_id]
    assert officer("GET", f"/communities/{far['id']}").status_code == 404
    assert officer("GET", f"/communities/{far['id']}/buildings").status_code == 404
    assert officer("GET", f"/areas/{street['id']}").status_code == 404
    assert street["id"] not in {a["id"] for a in officer("GET", "/areas").json}
    assert {c["id"] for c in api("GET", f"/communities?area_id={street['id']}").json} == {far["id"]}
    bad = api("GET", "/communities?area_id=abc")
    assert bad.status_code == 422 and "area_id" in bad.json["error"]["fields"]


def test_buildings_and_committee(app, world, api):
    building = api("POST", f"/communities/{world.a.community_id}/buildings", {"name": "3号楼"})
    assert building.status_code == 201 and building.json["unit_count"] == 0
    clash = api("POST", f"/communities/{world.a.community_id}/buildings", {"name": "3号楼"})
    assert clash.status_code == 422 and "already has a building" in clash.json["error"]["fields"]["name"][0]
    assert api("PATCH", f"/buildings/{building.json['id']}", {"name": "3号楼东"}).json["name"] == "3号楼东"
    listed = api("GET", f"/communities/{world.a.community_id}/buildings").json
    assert {b["name"]: b["unit_count"] for b in listed} == {f"1号楼{world.a.sentinel}": 2, "3号楼东": 0}
    assert api("GET", f"/buildings/{world.a.building_id}").json["unit_count"] == 2

    committee = api("GET", f"/communities/{world.a.community_id}/committee").json
    assert committee["filing_late"] is False and committee["members"][0]["position"] == "director"
    before = table_snapshot(app)
    too_long = api("PUT", f"/communities/{world.a.community_id}/committee",
                   {"term_start": "2024-01-01", "term_end": "2030-01-02", "members": []})
    assert too_long.status_code == 422 and "at most 5 years" in too_long.json["error"]["fields"]["term_end"][0]
    bad_member = api("PUT", f"/communities/{world.a.community_id}/committee",
                     {"term_start": "2024-01-01", "term_end": "2026-01-01",
                      "members": [{"name": "甲", "position": "director", "phone": "call me"}]})
    assert bad_member.status_code == 422 and "members.0.phone" in bad_member.json["error"]["fields"]
    wrong_position = api("PUT", f"/communities/{world.a.community_id}/committee",
                         {"term_start": "2024-01-01", "term_end": "2026-01-01",
                          "members": [{"name": "甲", "position": "boss"}]})
    assert wrong_position.status_code == 422
    two_directors = api("PUT", f"/communities/{world.a.community_id}/committee",
                        {"term_start": "2024-01-01", "term_end": "2026-01-01",
                         "members": [{"name": "甲", "position": "director"}, {"name": "乙", "position": "director"}]})
    assert two_directors.status_code == 422
    assert "one director at most" in two_directors.json["error"]["fields"]["members.1.position"][0]
    assert table_snapshot(app) == before
    replaced = api("PUT", f"/communities/{world.a.community_id}/committee",
                   {"term_start": "2024-01-01", "term_end": "2029-01-01", "filing_date": "2024-03-01",
                    "filing_ref": "备2024-1", "members": [{"name": "甲", "position": "member"},
                                                          {"name": "乙", "position": "director", "phone": "13800000000"}]})
    assert replaced.status_code == 200
    assert replaced.json["filing_late"] is True
    assert [m["name"] for m in replaced.json["members"]] == ["乙", "甲"]  # the director first
    assert audit_events(app, world, "committee.members_replaced")


def test_firms_managers_and_contracts(app, world, api):
    first = "91370500MA3C00003"
    firm = api("POST", "/firms", {"name": "API物业", "credit_code": (first + check_character(first)).lower()})
    assert firm.status_code == 201 and firm.json["credit_code"] == first + check_character(first)
    wrong = "0" if check_character(first) != "0" else "1"
    bad = api("POST", "/firms", {"name": "坏物业", "credit_code": first + wrong})
    assert bad.status_code == 422 and "check character" in bad.json["error"]["fields"]["credit_code"][0]
    short = api("POST", "/firms", {"name": "坏物业", "credit_code": first})
    assert "Wrong format" in short.json["error"]["fields"]["credit_code"][0]
    assert api("PATCH", f"/firms/{firm.json['id']}", {"contact_name": "赵"}).json["contact_name"] == "赵"
    manager = api("POST", f"/firms/{firm.json['id']}/managers", {"name": "钱经理", "phone": "13800000001"})
    assert manager.status_code == 201
    assert api("PATCH", f"/managers/{manager.json['id']}", {"phone": ""}).json["phone"] == ""
    assert [m["name"] for m in api("GET", f"/firms/{firm.json['id']}/managers").json] == ["钱经理"]

    contract = {"firm_id": firm.json["id"], "community_id": world.a.community_id, "start_date": "2026-01-01",
                "fee_model": "commission", "manager_id": manager.json["id"]}
    clash = api("POST", "/contracts", contract)
    assert clash.status_code == 422
    assert f"contract no. {world.a.contract_id}" in clash.json["error"]["fields"]["start_date"][0]
    wrong_manager = api("POST", "/contracts", {**contract, "start_date": "2020-01-01", "end_date": "2020-02-01",
                                               "manager_id": world.a.manager_id})
    assert "must work for the contracted firm" in wrong_manager.json["error"]["fields"]["manager_id"][0]
    too_far = api("POST", f"/contracts/{world.a.contract_id}/end", {"end_date": "2999-12-31", "reason": "解聘"})
    assert too_far.status_code == 422 and "at most 30 years" in too_far.json["error"]["fields"]["end_date"][0]
    ended = api("POST", f"/contracts/{world.a.contract_id}/end", {"end_date": "2025-12-31", "reason": "解聘"})
    assert ended.status_code == 200 and ended.json["end_reason"] == "解聘"
    created = api("POST", "/contracts", contract)
    assert created.status_code == 201 and created.json["grade"] == "grade2"  # defaults to the community's grade
    history = api("GET", f"/contracts?community_id={world.a.community_id}").json
    assert [c["firm_id"] for c in history] == [firm.json["id"], world.a.firm_id]
    patched = api("PATCH", f"/contracts/{created.json['id']}", {"fee_model": "lump_sum"})
    assert patched.status_code == 200 and patched.json["fee_model"] == "lump_sum"
    assert api("GET", f"/contracts/{created.json['id']}").json["manager_id"] == manager.json["id"]
    # "In force" means in force today (Shanghai): ask on fixed days, never on the real date.
    with freeze_time("2025-12-31 04:00:00"):  # 12:00 in Shanghai, the last day of the ended contract
        assert [c["id"] for c in api("GET", "/contracts?in_force=true").json] == [world.a.contract_id]
    with freeze_time("2026-06-15 04:00:00"):
        assert [c["id"] for c in api("GET", "/contracts?in_force=true").json] == [created.json["id"]]
        assert world.a.contract_id in [c["id"] for c in api("GET", "/contracts?in_force=false").json]


def test_firm_staff_see_their_contracts_but_not_other_firms(app, world, api, client_as):
    first = "91370500MA3C00004"
    other = api("POST", "/firms", {"name": "别家物业", "credit_code": first + check_character(first)}).json
    staff = as_role(app, client_as, Role.FIRM_STAFF)
    assert [f["id"] for f in staff("GET", "/firms").json] == [world.a.firm_id]
    assert staff("GET", f"/firms/{other['id']}").status_code == 404
    assert staff("GET", f"/firms/{other['id']}/managers").status_code == 404
    assert [c["id"] for c in staff("GET", "/contracts").json] == [world.a.contract_id]
    assert staff("POST", "/contracts", {"firm_id": world.a.firm_id, "community_id": world.a.community_id,
                                        "start_date": "2020-01-01", "fee_model": "lump_sum"}).status_code == 403


def test_tenant_b_token_cannot_reach_tenant_a_objects(app, world):
    client = app.test_client()
    b = bearer(world.b.token_secret)
    a = world.a
    before = table_snapshot(app)
    for method, path, body in [
        ("GET", f"/api/v1/t/beta/communities/{a.community_id}", None),
        ("PATCH", f"/api/v1/t/beta/communities/{a.community_id}", {"name": "x"}),
        ("GET", f"/api/v1/t/beta/communities/{a.community_id}/buildings", None),
        ("POST", f"/api/v1/t/beta/communities/{a.community_id}/buildings", {"name": "x"}),
        ("GET", f"/api/v1/t/beta/buildings/{a.building_id}", None),
        ("PATCH", f"/api/v1/t/beta/buildings/{a.building_id}", {"name": "x"}),
        ("GET", f"/api/v1/t/beta/communities/{a.community_id}/committee", None),
        ("PUT", f"/api/v1/t/beta/communities/{a.community_id}/committee",
         {"term_start": "2024-01-01", "term_end": "2025-01-01"}),
        ("GET", f"/api/v1/t/beta/areas/{a.area_id}", None),
        ("PATCH", f"/api/v1/t/beta/areas/{a.area_id}", {"name": "x"}),
        ("GET", f"/api/v1/t/beta/firms/{a.firm_id}", None),
        ("PATCH", f"/api/v1/t/beta/firms/{a.firm_id}", {"name": "x"}),
        ("GET", f"/api/v1/t/beta/firms/{a.firm_id}/managers", None),
        ("POST", f"/api/v1/t/beta/firms/{a.firm_id}/managers", {"name": "x"}),
        ("GET", f"/api/v1/t/beta/managers/{a.manager_id}", None),
        ("PATCH", f"/api/v1/t/beta/managers/{a.manager_id}", {"name": "x"}),
        ("GET", f"/api/v1/t/beta/contracts/{a.contract_id}", None),
        ("PATCH", f"/api/v1/t/beta/contracts/{a.contract_id}", {"fee_model": "commission"}),
        ("POST", f"/api/v1/t/beta/contracts/{a.contract_id}/end", {"end_date": "2025-06-30", "reason": "x"}),
        ("GET", f"/api/v1/t/alpha/communities/{a.community_id}", None),  # B's token on A's slug
        ("GET", "/api/v1/t/alpha/communities", None),
    ]:
        response = client.open(path, method=method, json=body, headers=b)
        assert response.status_code in (401, 404), (method, path, response.status_code)
        assert a.sentinel not in response.get_data(as_text=True)
    # A's ids in B's contract body are unknown there.
    response = client.post("/api/v1/t/beta/contracts", json={"firm_id": a.firm_id, "community_id": a.community_id,
                                                             "start_date": "2020-01-01", "fee_model": "lump_sum"},
                           headers=b)
    assert response.status_code == 422 and "firm_id" in response.json["error"]["fields"]
    response = client.post("/api/v1/t/beta/contracts", json={"firm_id": world.b.firm_id, "community_id": a.community_id,
                                                             "start_date": "2020-01-01", "fee_model": "lump_sum"},
                           headers=b)
    assert response.status_code == 422 and "community_id" in response.json["error"]["fields"]
    assert table_snapshot(app) == before
