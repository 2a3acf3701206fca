"""Who sees what, and tenant isolation of every checklist route (pages and API)."""
from __future__ import annotations

import pytest

from portal.checklists.models import ListKind
from tenants.models import TenantKind
from tenants.roles import Role, roles_for
from tests.conftest import csrf_token_for
from tests.factories import World
from tests.portal.checklists.helpers import english_client
from tests.portal.pages import page_text
from tests.routewalk import changed_tables, db_state
from tests.tenants.test_isolation_walk import public_names, visible_sentinel

# Committee members read all three lists: list B is their own rights and duties.
READERS = (Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.AREA_OFFICER, Role.FIRM_STAFF, Role.COMMITTEE_MEMBER)

BUREAU_ROLES = roles_for(TenantKind.BUREAU)  # tenant A is a bureau; the firm tenant C has its own tests


def edit_urls(w) -> list[tuple[str, str]]:
    base = f"/t/{w.slug}/checklists"
    return [("GET", f"{base}/drafts/{w.draft_id}"), ("POST", f"{base}/drafts/new"),
            ("POST", f"{base}/drafts/{w.draft_id}/publish"), ("POST", f"{base}/drafts/{w.draft_id}/discard"),
            ("GET", f"{base}/drafts/{w.draft_id}/sections/new"), ("POST", f"{base}/drafts/{w.draft_id}/sections/new"),
            ("GET", f"{base}/sections/{w.section_id}/edit"), ("POST", f"{base}/sections/{w.section_id}/edit"),
            ("POST", f"{base}/sections/{w.section_id}/delete"), ("POST", f"{base}/sections/{w.section_id}/move"),
            ("GET", f"{base}/sections/{w.section_id}/items/new"), ("POST", f"{base}/sections/{w.section_id}/items/new"),
            ("GET", f"{base}/items/{w.item_id}/edit"), ("POST", f"{base}/items/{w.item_id}/edit"),
            ("POST", f"{base}/items/{w.item_id}/delete"), ("POST", f"{base}/items/{w.item_id}/move")]


@pytest.mark.parametrize("role", BUREAU_ROLES)
def test_index_and_version_pages_by_role(world: World, client_as, role):
    client = english_client(client_as, role)
    index = client.get("/t/alpha/checklists/")
    version = client.get(f"/t/alpha/checklists/versions/{world.a.checklist_versions[ListKind.A]}")
    if role in READERS:
        assert index.status_code == 200 and version.status_code == 200
        text = page_text(index.text)
        assert "List A" in text and "List B" in text and "List C" in text
        assert ("New draft" in text) == (role == Role.BUREAU_ADMIN)
        assert ("Version 2 is being drafted" in text) == (role in (Role.BUREAU_ADMIN, Role.BUREAU_STAFF))
    else:  # owners read lists A and B on their community page
        assert index.status_code == 403 and version.status_code == 403


@pytest.mark.parametrize("role, status", [(Role.BUREAU_ADMIN, 200), (Role.BUREAU_STAFF, 200),
                                          (Role.AREA_OFFICER, 404), (Role.FIRM_STAFF, 404)])
def test_drafts_are_seen_by_the_bureau_only(world: World, client_as, role, status):
    client = client_as(role)
    assert client.get(f"/t/alpha/checklists/versions/{world.a.draft_id}").status_code == status
    bearer_free = client.get(f"/api/v1/t/alpha/checklists/versions/{world.a.draft_id}")
    assert bearer_free.status_code == status
    listed = client.get("/api/v1/t/alpha/checklists/versions?kind=A").json
    assert ([v["status"] for v in listed] == ["draft", "published"]) == (status == 200)


@pytest.mark.parametrize("role", [r for r in BUREAU_ROLES if r != Role.BUREAU_ADMIN])
def test_only_the_bureau_administrator_edits(app, world: World, client_as, role):
    client = client_as(role)
    token = csrf_token_for(client)
    before = db_state(app)
    for method, url in edit_urls(world.a):
        response = client.open(url, method=method, data={"csrf_token": token, "direction": "up", "kind": "C",
                                                          "note": "x", "code": "Z9", "title_zh": "z", "weight": "1",
                                                          "text_zh": "z"} if method == "POST" else None)
        assert response.status_code == 403, (role, method, url, response.status_code)
    assert changed_tables(before, db_state(app)) == []


@pytest.mark.parametrize("slug_of", ["a", "b"])
def test_tenant_b_administrator_gets_404_for_tenant_a_lists(app, world: World, client_as, slug_of):
    """B's administrator, with A's ids under A's slug (not a member) or B's slug (not B's objects): 404."""
    client = client_as(Role.BUREAU_ADMIN, "b")
    token = csrf_token_for(client)
    a, slug = world.a, world[slug_of].slug
    urls = [("GET", f"/t/{slug}/checklists/versions/{a.version_id}"),
            ("GET", f"/t/{slug}/checklists/versions/{a.draft_id}")]
    urls += [(m, u.replace(f"/t/{a.slug}/", f"/t/{slug}/")) for m, u in edit_urls(a) if "/drafts/new" not in u]
    api = f"/api/v1/t/{slug}/checklists"
    urls += [("GET", f"{api}/versions/{a.version_id}"), ("POST", f"{api}/drafts/{a.draft_id}/sections"),
             ("PATCH", f"{api}/sections/{a.section_id}"), ("DELETE", f"{api}/sections/{a.section_id}"),
             ("POST", f"{api}/sections/{a.section_id}/move"), ("POST", f"{api}/sections/{a.section_id}/items"),
             ("PATCH", f"{api}/items/{a.item_id}"), ("DELETE", f"{api}/items/{a.item_id}"),
             ("POST", f"{api}/items/{a.item_id}/move"), ("POST", f"{api}/drafts/{a.draft_id}/publish"),
             ("DELETE", f"{api}/drafts/{a.draft_id}")]
    names = public_names(app, a.tenant_id)  # A's own name is public (header of A's pages)
    before = db_state(app)
    for method, url in urls:
        if url.startswith("/api/"):
            response = client.open(url, method=method, json={"direction": "up", "note": "x", "text_zh": "z"},
                                   headers={"X-CSRFToken": token})
        else:
            response = client.open(url, method=method, data={"csrf_token": token, "direction": "up", "note": "x",
                                                              "code": "Z9", "title_zh": "z", "weight": "1",
                                                              "text_zh": "z"} if method == "POST" else None)
        assert response.status_code == 404, (method, url, response.status_code)
        assert not visible_sentinel(response.get_data(as_text=True), a.sentinel, names), (method, url)
    assert changed_tables(before, db_state(app)) == []
    # B's own lists work for B, and never show A's.
    page = client.get(f"/t/beta/checklists/versions/{world.b.draft_id}")
    assert page.status_code == 200 and world.b.sentinel in page.text and a.sentinel not in page.text
    listed = client.get("/api/v1/t/beta/checklists/versions").json
    assert {v["id"] for v in listed}.isdisjoint({a.version_id, a.draft_id, *a.checklist_versions.values()})
