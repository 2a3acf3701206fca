"""Tenant B's bureau administrator against tenant A's community, on every roster route: 404, nothing written."""
from __future__ import annotations

import io

import pytest

from tenants.roles import Role
from tests.conftest import csrf_token_for, table_snapshot
from tests.factories import World
from tests.portal.roster.helpers import building_name, csv_bytes, stage_upload, units_of
from tests.routewalk import changed_tables, db_state

ROUTES = [
    ("GET", "/t/{slug}/roster/{cid}/units"),
    ("GET", "/t/{slug}/roster/{cid}/import"),
    ("POST", "/t/{slug}/roster/{cid}/import"),
    ("POST", "/t/{slug}/roster/{cid}/import/confirm"),
    ("GET", "/t/{slug}/roster/{cid}/export.csv"),
    ("GET", "/t/{slug}/roster/{cid}/export.xlsx"),
    ("GET", "/api/v1/t/{slug}/roster/{cid}/units"),
    ("POST", "/api/v1/t/{slug}/roster/{cid}/import"),
]


@pytest.mark.parametrize("method, template", ROUTES)
@pytest.mark.parametrize("slug_of", ["b", "a"])
def test_b_admin_cannot_reach_a_community(app, world: World, client_as, method, template, slug_of):
    other = client_as(Role.BUREAU_ADMIN, "b")
    token = csrf_token_for(other)
    upload_token = stage_upload(app, world.a)  # a real kept upload of A's administrator
    url = template.format(slug=world[slug_of].slug, cid=world.a.community_id)
    before = table_snapshot(app)
    state = db_state(app)
    data = None
    if method == "POST":
        rows = [[building_name(world.a), "6", "601", 6, "60"]]
        data = {"csrf_token": token, "file": (io.BytesIO(csv_bytes(rows)), "r.csv"), "upload": upload_token}
    response = other.open(url, method=method, data=data, headers={"X-CSRFToken": token},
                          content_type="multipart/form-data" if method == "POST" else None)
    assert response.status_code == 404, response.get_data(as_text=True)[:300]
    body = response.get_data(as_text=True).replace(f"alpha县住建局{world.a.sentinel}", "")  # A's public name
    assert world.a.sentinel not in body
    assert table_snapshot(app) == before and changed_tables(state, db_state(app)) == []
    assert ("6", "601") not in units_of(app, world.a.community_id)


def test_b_index_lists_only_b_communities(client_as, world: World):
    page = client_as(Role.BUREAU_ADMIN, "b").get("/t/beta/roster/")
    assert page.status_code == 200 and world.b.sentinel in page.text and world.a.sentinel not in page.text


def test_a_committee_member_sees_only_their_community(app, world: World, client_as):
    """Roles that see part of a tenant: a community outside their view is a 404 like a foreign one."""
    from portal.communities.models import Community
    from portal.extensions import db as _db
    from tenants import tenant_scope
    from tenants.models import Tenant

    with app.app_context():
        tenant = _db.session.get(Tenant, world.a.tenant_id)
        with tenant_scope(tenant):
            other = Community(name="另一个小区")
            _db.session.add(other)
            _db.session.commit()
            other_id = other.id
        _db.session.remove()
    member = client_as(Role.COMMITTEE_MEMBER, "a")
    assert member.get(f"/t/alpha/roster/{world.a.community_id}/units").status_code == 200
    assert member.get(f"/t/alpha/roster/{other_id}/units").status_code == 404
    assert "另一个小区" not in member.get("/t/alpha/roster/").text
