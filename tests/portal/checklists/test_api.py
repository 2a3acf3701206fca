"""The checklist JSON API: the same rules as the editor, field-named 422s, 409 for states, documented."""
from __future__ import annotations

import pytest

from portal.checklists.models import ListKind
from tests.factories import World
from tests.portal.checklists.helpers import versions_of
from tests.routewalk import changed_tables, db_state

BASE = "/api/v1/t/alpha/checklists"


@pytest.fixture
def api(app, world: World):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {world.a.token_secret}"
    client.set_cookie("portal_lang", "en")  # messages asserted in English
    return client


def test_full_flow_through_the_api(app, world: World, api):
    listed = api.get(f"{BASE}/versions?kind=C").json
    assert [(v["number"], v["status"], v["total_weight"]) for v in listed] == [(1, "published", "100")]
    created = api.post(f"{BASE}/versions", json={"kind": "C", "note": "api"})
    assert created.status_code == 201, created.text
    draft = created.json
    assert draft["number"] == 2 and draft["status"] == "draft" and len(draft["sections"]) == 5
    again = api.post(f"{BASE}/versions", json={"kind": "C"})
    assert again.status_code == 409 and again.json["error"]["code"] == "draft_exists"

    c1 = draft["sections"][0]
    changed = api.patch(f"{BASE}/sections/{c1['id']}", json={"weight": 30})
    assert changed.status_code == 200 and changed.json["weight"] == "30"
    refused = api.post(f"{BASE}/drafts/{draft['id']}/publish", json={"note": "x"})
    assert refused.status_code == 422 and refused.json["error"]["code"] == "publish_refused"
    assert "Weights sum to 95, must be 100." in refused.json["error"]["fields"]["draft"]

    section = api.post(f"{BASE}/drafts/{draft['id']}/sections", json={"code": "C6", "title_zh": "满意度", "weight": "5"})
    assert section.status_code == 201
    item = api.post(f"{BASE}/sections/{section.json['id']}/items", json={"code": "C6.1", "text_zh": "测评", "to_verify": True})
    assert item.status_code == 201 and item.json["to_verify"] is True
    moved = api.post(f"{BASE}/sections/{section.json['id']}/move", json={"direction": "up"})
    assert [s["code"] for s in moved.json["sections"]][-2:] == ["C6", "C5"]
    assert api.patch(f"{BASE}/items/{item.json['id']}", json={"text_en": "Survey"}).json["text_en"] == "Survey"

    published = api.post(f"{BASE}/drafts/{draft['id']}/publish", json={"note": "api revision"})
    assert published.status_code == 200 and published.json["status"] == "published"
    assert [v[2] for v in versions_of(app, world.a.tenant_id, ListKind.C)] == ["superseded", "published"]
    got = api.get(f"{BASE}/versions/{draft['id']}").json
    assert got["total_weight"] == "100" and got["sections"][4]["items"][0]["code"] == "C6.1"


@pytest.mark.parametrize("body, field, fragment", [
    ({"weight": 120}, "weight", "between 0 and 100"),
    ({"weight": -5}, "weight", "between 0 and 100"),
    ({"weight": 33.333}, "weight", "two decimals"),
    ({"weight": "33.333"}, "weight", "two decimals"),
    ({"weight": "text"}, "weight", "not a number"),
    ({"weight": True}, "weight", "Not a valid number."),
    ({"weight": [1]}, "weight", "Not a valid number."),
    ({"code": "S1"}, "code", "already used"),
    ({"code": "has space"}, "code", "Code:"),
    ({"title_zh": "  "}, "title_zh", "Must not be blank."),
    ({"title_zh": "x" * 121}, "title_zh", "Length"),
    ({"position": 3}, "position", "Unknown field."),
    ({"tenant_id": 2}, "tenant_id", "Unknown field."),
])
def test_section_patch_refuses_bad_input_naming_the_field(app, world: World, api, body, field, fragment):
    before = db_state(app)
    response = api.patch(f"{BASE}/sections/{world.a.section_id}", json=body)
    assert response.status_code == 422, response.text
    messages = " ".join(response.json["error"]["fields"][field])
    assert fragment in messages, messages
    assert changed_tables(before, db_state(app)) == []


@pytest.mark.parametrize("body, field", [
    ({"code": "S2.1"}, "code"), ({"text_zh": ""}, "text_zh"), ({"text_zh": "ab\x00cd"}, "text_zh"),
    ({"grade1": "x" * 61}, "grade1"), ({"to_verify": "maybe"}, "to_verify"),
])
def test_item_patch_refuses_bad_input(app, world: World, api, body, field):
    before = db_state(app)
    response = api.patch(f"{BASE}/items/{world.a.item_id}", json=body)
    assert response.status_code == 422 and field in response.json["error"]["fields"], response.text
    assert changed_tables(before, db_state(app)) == []


def test_bad_requests_on_creation_and_queries(app, world: World, api):
    before = db_state(app)
    assert api.post(f"{BASE}/versions", json={"kind": "D"}).status_code == 422
    assert api.post(f"{BASE}/versions", data="kind=A").status_code == 415
    assert api.post(f"{BASE}/versions", data="{", content_type="application/json").status_code == 400
    assert api.get(f"{BASE}/versions?kind=Z").status_code == 422
    assert api.post(f"{BASE}/sections/{world.a.section_id}/move", json={"direction": "sideways"}).status_code == 422
    assert api.post(f"{BASE}/drafts/{world.a.draft_id}/publish", json={}).status_code == 422
    assert api.get(f"{BASE}/versions/2147483648").status_code == 404
    assert changed_tables(before, db_state(app)) == []


def test_discard_through_the_api(app, world: World, api):
    assert api.delete(f"{BASE}/drafts/{world.a.draft_id}").status_code == 204
    assert api.get(f"{BASE}/versions/{world.a.draft_id}").status_code == 404
    assert api.delete(f"{BASE}/drafts/{world.a.checklist_versions[ListKind.A]}").status_code == 409


def test_openapi_documents_every_checklist_operation(app):
    spec = app.test_client().get("/api/v1/openapi.json").json
    paths = {p: set(ops) - {"parameters"} for p, ops in spec["paths"].items() if "/checklists/" in p}
    assert paths == {
        "/api/v1/t/{tenant_slug}/checklists/versions": {"get", "post"},
        "/api/v1/t/{tenant_slug}/checklists/versions/{version_id}": {"get"},
        "/api/v1/t/{tenant_slug}/checklists/drafts/{draft_id}/sections": {"post"},
        "/api/v1/t/{tenant_slug}/checklists/sections/{section_id}": {"patch", "delete"},
        "/api/v1/t/{tenant_slug}/checklists/sections/{section_id}/move": {"post"},
        "/api/v1/t/{tenant_slug}/checklists/sections/{section_id}/items": {"post"},
        "/api/v1/t/{tenant_slug}/checklists/items/{item_id}": {"patch", "delete"},
        "/api/v1/t/{tenant_slug}/checklists/items/{item_id}/move": {"post"},
        "/api/v1/t/{tenant_slug}/checklists/drafts/{draft_id}/publish": {"post"},
        "/api/v1/t/{tenant_slug}/checklists/drafts/{draft_id}": {"delete"},
    }
    publish = spec["paths"]["/api/v1/t/{tenant_slug}/checklists/drafts/{draft_id}/publish"]["post"]
    common = spec["paths"]["/api/v1/t/{tenant_slug}/checklists/drafts/{draft_id}/publish"]["parameters"]
    assert {p["name"] for p in common + publish.get("parameters", [])} == {"tenant_slug", "draft_id"}
    assert publish["responses"]["409"] == {"$ref": "#/components/responses/CONFLICT"}
    conflict = spec["components"]["responses"]["CONFLICT"]["content"]["application/json"]["schema"]
    assert conflict == {"$ref": "#/components/schemas/Error"}
