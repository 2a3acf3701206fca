"""Who may import 12345 work orders and keep the hotline directory: the role × action matrix as the
specification, then over HTTP for every route (officer of a street, firm X and Y, owner, another tenant)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.permissions import Action, can
from tenants.roles import Role
from tests.conftest import csrf_token_for

A = Action
R = Role
Y, N = True, False

# Columns: import 12345 work orders (and review them), keep the hotline directory.
COLUMNS = (A.IMPORT_HOTLINE_ORDERS, A.MANAGE_HOTLINES)
SPEC = {
    R.BUREAU_ADMIN:     (Y, Y),
    R.BUREAU_STAFF:     (Y, Y),
    R.AREA_OFFICER:     (N, N),
    R.FIRM_STAFF:       (N, N),
    R.COMMITTEE_MEMBER: (N, N),
    R.PROJECT_MANAGER:  (N, N),
    R.PROJECT_STAFF:    (N, N),
    R.OWNER:            (N, N),
}
MATRIX = [(role, action, allowed) for role, row in SPEC.items() for action, allowed in zip(COLUMNS, row)]


def test_the_specification_covers_every_role():
    assert set(SPEC) == set(Role)


@pytest.mark.parametrize("role, action, allowed", MATRIX, ids=[f"{r.value}-{a.value}" for r, a, _ in MATRIX])
def test_matrix(role, action, allowed):
    assert can([SimpleNamespace(role=role, is_active=True)], action) is allowed


def pages(w) -> list[tuple[str, str]]:
    return [("GET", "/hotline/import"), ("GET", "/hotline/import/template.csv"), ("GET", "/hotline/review"),
            ("GET", f"/hotline/orders/{w.hotline_order_id}"), ("POST", f"/hotline/orders/{w.hotline_order_id}/dismiss"),
            ("POST", f"/hotline/orders/{w.hotline_order_id}/assign"), ("GET", "/hotlines/"),
            ("GET", "/hotlines/new"), ("GET", f"/hotlines/{w.hotline_id}/edit"),
            ("POST", f"/hotlines/{w.hotline_id}/delete")]


@pytest.mark.parametrize("role", [Role.AREA_OFFICER, Role.FIRM_STAFF, Role.COMMITTEE_MEMBER, Role.OWNER])
def test_the_street_officer_the_firm_and_the_owner_are_refused(app, world, client_as, role):
    client = client_as(role, "a")
    token = csrf_token_for(client)
    for method, path in pages(world.a):
        url = f"/t/alpha{path}"
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token, "reason": "x"})
        assert response.status_code == 403, (role, method, path, response.status_code)


def test_another_tenants_bureau_finds_nothing(app, world, client_as):
    """Tenant B's administrator may import in B, but A's work order and hotline are not found, under either slug."""
    client = client_as(Role.BUREAU_ADMIN, "b")
    token = csrf_token_for(client)
    for method, path in pages(world.a):
        if "orders/" not in path and "hotlines/" + str(world.a.hotline_id) not in path:
            continue
        for slug in ("beta", "alpha"):
            url = f"/t/{slug}{path}"
            response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token, "reason": "x"})
            assert response.status_code in (403, 404), (slug, method, path, response.status_code)
            if slug == "beta":
                assert response.status_code == 404


def test_the_public_directory_is_open_and_shows_no_person(app, world, client):
    page = client.get("/t/alpha/public/hotlines")
    assert page.status_code == 200 and "0719-8650000" in page.text and "13912345678" not in page.text
    assert client.get("/t/beta/public/hotlines").status_code == 200
    assert "0719-8650000" in client.get("/t/beta/public/hotlines").text  # B's own street hotline (same number)
