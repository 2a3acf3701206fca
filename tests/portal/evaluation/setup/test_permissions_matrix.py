"""The evaluation setup's columns of the role × action matrix, in the style of tests/portal/test_permissions_matrix.py:
the specification, checked in code and over HTTP (pages and API) for every role of a bureau's tenant and a firm's;
and another tenant's objects are not found."""
from __future__ import annotations

import pytest

from portal.permissions import Action, can
from tenants.models import TenantKind
from tenants.roles import Role, roles_for
from tests.conftest import csrf_token_for
from tests.portal.test_permissions_matrix import membership

A = Action
R = Role
Y, N = True, False

# Columns: see periods and the methodology; manage schemes and periods; record bonus, penalty and veto.
COLUMNS = (A.VIEW_EVALUATION, A.MANAGE_EVALUATION, A.RECORD_ADJUSTMENTS)
SPEC = {
    R.BUREAU_ADMIN:     (Y, Y, Y),
    R.BUREAU_STAFF:     (Y, N, Y),
    R.AREA_OFFICER:     (Y, N, N),
    R.FIRM_STAFF:       (Y, N, N),
    R.COMMITTEE_MEMBER: (Y, N, N),
    R.PROJECT_MANAGER:  (Y, N, N),
    R.PROJECT_STAFF:    (Y, N, N),
    R.OWNER:            (Y, N, N),
}
MATRIX = [(role, action, allowed) for role, row in SPEC.items() for action, allowed in zip(COLUMNS, row)]


def test_the_specification_covers_every_role():
    assert set(SPEC) == set(Role)


@pytest.mark.parametrize("role, action, allowed", MATRIX, ids=[f"{r.value}-{a.value}" for r, a, _ in MATRIX])
def test_matrix(role, action, allowed):
    assert can([membership(role)], action) is allowed


PAGES = [
    ("/t/{slug}/evaluation/periods/", A.VIEW_EVALUATION),
    ("/t/{slug}/evaluation/periods/{period}", A.VIEW_EVALUATION),
    ("/t/{slug}/evaluation/periods/new", A.MANAGE_EVALUATION),
    ("/t/{slug}/evaluation/schemes/", A.MANAGE_EVALUATION),
    ("/t/{slug}/evaluation/schemes/new", A.MANAGE_EVALUATION),
    ("/t/{slug}/evaluation/schemes/{scheme}", A.MANAGE_EVALUATION),
    ("/t/{slug}/evaluation/schemes/{scheme}/edit", A.MANAGE_EVALUATION),
    ("/t/{slug}/evaluation/adjustments/", A.RECORD_ADJUSTMENTS),
    ("/t/{slug}/evaluation/adjustments/new", A.RECORD_ADJUSTMENTS),
    ("/t/{slug}/evaluation/adjustments/{adjustment}", A.RECORD_ADJUSTMENTS),
    ("/t/{slug}/evaluation/adjustments/{adjustment}/evidence/{evidence}", A.RECORD_ADJUSTMENTS),
    ("/api/v1/t/{slug}/evaluation/periods", A.VIEW_EVALUATION),
    ("/api/v1/t/{slug}/evaluation/periods/{period}", A.VIEW_EVALUATION),
    ("/api/v1/t/{slug}/evaluation/schemes", A.MANAGE_EVALUATION),
    ("/api/v1/t/{slug}/evaluation/schemes/{scheme}", A.MANAGE_EVALUATION),
    ("/api/v1/t/{slug}/evaluation/adjustments", A.RECORD_ADJUSTMENTS),
    ("/api/v1/t/{slug}/evaluation/adjustments/{adjustment}", A.RECORD_ADJUSTMENTS),
]
# State-changing routes: a member without the right gets 403 before anything is read or changed.
POSTS = [
    ("/t/{slug}/evaluation/periods/{period}/advance", A.MANAGE_EVALUATION),
    ("/t/{slug}/evaluation/periods/{period}/disclosure-penalties", A.RECORD_ADJUSTMENTS),
    ("/t/{slug}/evaluation/schemes/{scheme}/publish", A.MANAGE_EVALUATION),
    ("/t/{slug}/evaluation/adjustments/{adjustment}/revoke", A.RECORD_ADJUSTMENTS),
    ("/t/{slug}/evaluation/adjustments/{adjustment}/evidence", A.RECORD_ADJUSTMENTS),
]
TENANT_ROLES = [("a", role) for role in roles_for(TenantKind.BUREAU)] + [("c", role) for role in roles_for(TenantKind.FIRM)]


def _fill(path: str, w) -> str:
    return path.format(slug=w.slug, period=w.eval_setup_period_id, scheme=w.eval_scheme_id,
                       adjustment=w.eval_adjustment_id, evidence=w.eval_adjustment_evidence_id)


@pytest.mark.parametrize("key, role", TENANT_ROLES, ids=[f"{k}-{r.value}" for k, r in TENANT_ROLES])
def test_members_get_200_or_403_as_the_matrix_says(world, client_as, key, role):
    client = client_as(role, key)
    allowed = dict(zip(COLUMNS, SPEC[role]))
    for path, action in PAGES:
        response = client.get(_fill(path, world[key]))
        assert response.status_code == (200 if allowed[action] else 403), (role.value, path, response.status_code)
    token = csrf_token_for(client)
    for path, action in POSTS:
        if allowed[action]:
            continue
        response = client.post(_fill(path, world[key]), data={"csrf_token": token})
        assert response.status_code == 403, (role.value, path, response.status_code)


def test_another_tenants_objects_are_not_found(world, client_as):
    client = client_as(Role.BUREAU_ADMIN, "a")
    token = csrf_token_for(client)
    for path, _ in PAGES:
        if "{" not in path.replace("{slug}", ""):
            continue
        url = _fill(path, world.b).replace(f"/{world.b.slug}/", f"/{world.a.slug}/")
        assert client.get(url).status_code == 404, url
    for path, _ in POSTS:
        url = _fill(path, world.b).replace(f"/{world.b.slug}/", f"/{world.a.slug}/")
        assert client.post(url, data={"csrf_token": token, "to": "open", "reason": "x",
                                      "revoke_reason": "x"}).status_code == 404, url


def test_the_methodology_is_public_and_a_stranger_sees_no_management_page(world, app):
    anonymous = app.test_client()
    assert anonymous.get(f"/t/{world.a.slug}/evaluation/methodology").status_code == 200
    assert anonymous.get(f"/t/{world.a.slug}/evaluation/schemes/").status_code in (302, 401)
