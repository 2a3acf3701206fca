"""The shared API layer (portal/api/framework.py): one error envelope for every error status, enums as
their values, smorest pagination with a database count, ETag / If-None-Match, and a document generated
from the routes with every answer each route can give."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from portal.communities.models import ServiceGrade
from portal.extensions import db
from tenants.roles import Role
from tests.conftest import table_snapshot
from tests.factories import World
from tests.portal.pages import csrf_token_for, in_english

BASE = "/api/v1/t/alpha"


def bearer(world: World) -> dict:
    return {"Authorization": f"Bearer {world.a.token_secret}"}


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/v1/openapi.json").json


def assert_envelope(response, status: int, code: str) -> dict:
    """The one error body: {"error": {"code", "message", "fields"?}} and nothing else."""
    assert response.status_code == status, response.text
    assert response.mimetype == "application/json"
    assert set(response.json) == {"error"}
    error = response.json["error"]
    assert set(error) <= {"code", "message", "fields"} and {"code", "message"} <= set(error)
    assert error["code"] == code and isinstance(error["message"], str) and error["message"]
    return error


def test_every_error_status_answers_in_the_one_envelope(app, world: World, client_as):
    client = app.test_client()
    before = table_snapshot(app)
    assert_envelope(client.get(f"{BASE}/areas"), 401, "unauthorized")
    assert_envelope(client.get(f"{BASE}/my/units", headers=bearer(world)), 403, "forbidden")
    assert_envelope(client.get(f"{BASE}/areas/{world.b.area_id}", headers=bearer(world)), 404, "not_found")
    assert_envelope(client.get(f"{BASE}/areas/99999999999", headers=bearer(world)), 404, "not_found")
    error = assert_envelope(client.post(f"{BASE}/areas", json={"kind": "avenue", "name": ""}, headers=bearer(world)),
                            422, "invalid")
    assert set(error["fields"]) == {"kind", "name"}
    assert_envelope(client.post(f"{BASE}/areas", data="kind=street", content_type="text/plain",
                                headers=bearer(world)), 415, "unsupported_media_type")
    assert_envelope(client.post(f"{BASE}/areas", data="{", content_type="application/json", headers=bearer(world)),
                    400, "bad_request")
    published = world.a.version_id
    error = assert_envelope(client.delete(f"{BASE}/checklists/drafts/{published}", headers=bearer(world)), 409,
                            "read_only")
    assert error["fields"]
    session = client_as(Role.BUREAU_ADMIN, "a")  # a browser session without its CSRF token
    assert_envelope(session.post(f"{BASE}/areas", json={"kind": "street", "name": "x"}), 400, "bad_request")
    assert table_snapshot(app) == before


def test_another_tenants_id_is_not_found_whatever_the_body(app, world: World):
    """The object is looked up before the body is read: junk or not, B's building is simply not there."""
    for body in ({}, {"name": 12, "zz": 1}, {"name": "ok"}):
        response = app.test_client().patch(f"{BASE}/buildings/{world.b.building_id}", json=body, headers=bearer(world))
        assert_envelope(response, 404, "not_found")


def test_messages_follow_the_callers_language_including_the_parsers(app, world: World):
    client = in_english(app.test_client())
    error = client.post(f"{BASE}/areas", json={"kind": "avenue", "name": "x", "zz": 1}, headers=bearer(world)).json
    assert error["error"]["fields"]["zz"] == ["Unknown field."]
    assert error["error"]["fields"]["kind"] == ["Must be one of: street, community_office, branch, region"]
    chinese = app.test_client().post(f"{BASE}/areas", json={"kind": "avenue", "name": "x", "zz": 1},
                                     headers=bearer(world)).json["error"]
    assert chinese["fields"]["zz"] == ["未知字段。"] and chinese["fields"]["kind"][0].startswith("必须是以下之一")
    page = app.test_client().get(f"{BASE}/members?page_size=1000", headers=bearer(world)).json["error"]
    assert page["fields"]["page_size"] == ["数值超出允许范围。"]


def test_enums_are_dumped_as_their_values(app, world: World):
    client = app.test_client()
    areas = client.get(f"{BASE}/areas", headers=bearer(world)).json
    assert {a["kind"] for a in areas} == {"street", "community_office"}
    contract = client.get(f"{BASE}/contracts/{world.a.contract_id}", headers=bearer(world)).json
    grades = {g.value for g in ServiceGrade}
    assert contract["fee_model"] in {"lump_sum", "commission"} and contract["grade"] in grades
    community = client.get(f"{BASE}/communities/{world.a.community_id}", headers=bearer(world)).json
    assert community["service_grade"] in grades
    roles = {m["role"] for m in client.get(f"{BASE}/members?page_size=100", headers=bearer(world)).json}
    assert "bureau_admin" in roles and not any("." in r for r in roles)
    versions = client.get(f"{BASE}/checklists/versions", headers=bearer(world)).json
    assert {v["kind"] for v in versions} == {"A", "B", "C"} and "published" in {v["status"] for v in versions}
    # ... and read back as values too: the enum's Python name is not a value.
    refused = client.post(f"{BASE}/areas", json={"kind": "AreaKind.STREET", "name": "x"}, headers=bearer(world))
    assert refused.status_code == 422 and "kind" in refused.json["error"]["fields"]


def audit_event_count(app, tenant_id: int) -> int:
    import sqlalchemy as sa

    from portal.audit.models import AuditEvent
    from portal.extensions import db
    from tenants import tenant_scope
    from tenants.models import Tenant

    with app.app_context(), tenant_scope(db.session.get(Tenant, tenant_id)):
        count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        db.session.remove()
    return count


def test_lists_are_paginated_with_a_header_and_a_bounded_page_size(app, world: World):
    client = app.test_client()
    response = client.get(f"{BASE}/audit-events?page_size=2", headers=bearer(world))
    assert response.status_code == 200 and isinstance(response.json, list) and len(response.json) == 2
    meta = json.loads(response.headers["X-Pagination"])
    total = audit_event_count(app, world.a.tenant_id)
    assert total > 4  # more than two pages of two
    assert meta["total"] == total and meta["total_pages"] == (total + 1) // 2 and meta["page"] == 1
    assert meta["next_page"] == 2
    second = client.get(f"{BASE}/audit-events?page_size=2&page=2", headers=bearer(world))
    assert {e["id"] for e in second.json}.isdisjoint({e["id"] for e in response.json})
    past_the_end = (total + 1) // 2 + 1
    assert client.get(f"{BASE}/audit-events?page={past_the_end}&page_size=2", headers=bearer(world)).json == []
    for query in ("page_size=101", "page_size=0", "page=0", "page=x", "page=99999999999"):
        refused = client.get(f"{BASE}/audit-events?{query}", headers=bearer(world))
        assert refused.status_code == 422 and query.split("=")[0] in refused.json["error"]["fields"], query
    assert client.get(f"{BASE}/audit-events?page_size=100", headers=bearer(world)).status_code == 200


def test_the_total_is_counted_by_the_database(app, world: World):
    statements = []

    def capture(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        app.test_client().get(f"{BASE}/audit-events?page_size=1", headers=bearer(world))
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    audit = [s for s in statements if "audit_events" in s]
    assert any("count(*)" in s.lower() for s in audit), audit
    assert any("LIMIT" in s.upper() for s in audit if "count(*)" not in s.lower()), audit


def test_published_versions_and_lists_answer_304_to_if_none_match(app, world: World):
    client = app.test_client()
    url = f"{BASE}/checklists/versions/{world.a.version_id}"
    first = client.get(url, headers=bearer(world))
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag
    again = client.get(url, headers={**bearer(world), "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    # A list's tag changes with its content.
    areas = client.get(f"{BASE}/areas", headers=bearer(world))
    created = client.post(f"{BASE}/areas", json={"kind": "street", "name": "新街道"}, headers=bearer(world))
    assert created.status_code == 201
    changed = client.get(f"{BASE}/areas", headers={**bearer(world), "If-None-Match": areas.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != areas.headers["ETag"]


def test_a_token_cannot_create_tokens_but_a_session_can(app, world: World, client_as):
    before = table_snapshot(app)
    refused = app.test_client().post(f"{BASE}/tokens", json={"name": "x"}, headers=bearer(world))
    assert_envelope(refused, 403, "browser_session_required")
    assert table_snapshot(app) == before
    session = client_as(Role.BUREAU_ADMIN, "a")
    created = session.post(f"{BASE}/tokens", json={"name": "x"}, headers={"X-CSRFToken": csrf_token_for(session)})
    assert created.status_code == 201 and created.json["token"].startswith("spp_")


# --- the generated document -----------------------------------------------------------------------


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield path, method, operation


def test_one_error_schema_and_no_catch_all_responses(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["Error"]["properties"]["error"] == {"$ref": "#/components/schemas/ErrorDetail"}
    assert set(schemas["ErrorDetail"]["properties"]) == {"code", "message", "fields"}
    assert schemas["ErrorDetail"]["required"] == ["code", "message"]
    for name, response in spec["components"]["responses"].items():
        if "content" in response:
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, name
    for path, method, operation in operations(spec):
        codes = set(operation["responses"])
        assert "default" not in codes, (method, path)
        if operation.get("security") == []:  # open data: no sign-in, so nothing to refuse but a missing object
            assert "404" in codes and not {"401", "403"} & codes and method == "get", (method, path)
            continue
        assert {"401", "403", "404"} <= codes, (method, path)
        if method != "get":
            assert "400" in codes, (method, path)
        if "requestBody" in operation:
            assert {"413", "415", "422"} <= codes, (method, path)


def test_lists_document_their_paging(spec):
    listed = spec["paths"]["/api/v1/t/{tenant_slug}/communities"]["get"]
    params = {p["name"]: p for p in listed["parameters"] if "name" in p}
    assert params["page_size"]["schema"]["maximum"] == 100 and "page" in params
    assert "X-Pagination" in listed["responses"]["200"]["headers"]
    assert listed["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert "304" in listed["responses"]


def test_enums_are_documented_by_value(spec):
    area = spec["components"]["schemas"]["Area"]["properties"]["kind"]
    assert area["enum"] == ["street", "community_office", "branch", "region"]


def test_only_the_json_document_is_served_no_browsable_page(app):
    """No Swagger/ReDoc page (they load scripts from a CDN); the document is the JSON alone."""
    outside_tenants = {rule.rule for rule in app.url_map.iter_rules()
                       if rule.rule.startswith("/api/") and not rule.rule.startswith("/api/v1/t/")}
    assert outside_tenants == {"/api/v1/openapi.json"}
    document = app.test_client().get("/api/v1/openapi.json")
    assert document.mimetype == "application/json" and "cdn" not in document.text.lower()
