"""The results part's columns of the role × action matrix (style of tests/portal/test_permissions_matrix.py):
the specification, checked in code and over HTTP for every role of a bureau's tenant and of a firm's."""
from __future__ import annotations

import pytest

from portal.permissions import Action, can
from tenants.models import TenantKind
from tenants.roles import Role, roles_for
from tests.portal.test_permissions_matrix import membership

A = Action
R = Role
Y, N = True, False

# Columns: file an appeal (narrowed: the project's firm or committee), decide one (narrowed: not the scorer),
# work a rectification plan (narrowed: the firm's side), re-inspect it, see appeals/plans/teams (narrowed to the
# communities one sees; owners read only the public results).
COLUMNS = (A.FILE_APPEALS, A.DECIDE_APPEALS, A.WORK_RECTIFICATION, A.VERIFY_RECTIFICATION, A.VIEW_EVALUATION_CASES)
SPEC = {
    R.BUREAU_ADMIN:     (N, Y, N, Y, Y),
    R.BUREAU_STAFF:     (N, Y, N, Y, Y),
    R.AREA_OFFICER:     (N, N, N, N, Y),
    R.FIRM_STAFF:       (Y, N, Y, N, Y),
    R.COMMITTEE_MEMBER: (Y, N, N, N, Y),
    R.PROJECT_MANAGER:  (Y, N, Y, N, Y),
    R.PROJECT_STAFF:    (N, N, Y, N, Y),
    R.OWNER:            (N, N, N, N, N),
}
MATRIX = [(role, action, allowed) for role, row in SPEC.items() for action, allowed in zip(COLUMNS, row)]


def test_the_specification_covers_every_role():
    assert set(SPEC) == set(Role)


@pytest.mark.parametrize("role, action, allowed", MATRIX, ids=[f"{r.value}-{a.value}" for r, a, _ in MATRIX])
def test_matrix(role, action, allowed):
    assert can([membership(role)], action) is allowed


ROUTES = [
    ("/t/alpha/evaluation/appeals/", A.VIEW_EVALUATION_CASES),
    ("/t/alpha/evaluation/appeals/{appeal}", A.VIEW_EVALUATION_CASES),
    ("/t/alpha/evaluation/rectification/{plan}", A.VIEW_EVALUATION_CASES),
    ("/t/alpha/evaluation/results/{period}/teams", A.VIEW_EVALUATION_CASES),
    ("/t/alpha/evaluation/results/{period}/projects/{community}/appeal", A.FILE_APPEALS),
]
TENANT_ROLES = [("a", role) for role in roles_for(TenantKind.BUREAU)] + [("c", role) for role in roles_for(TenantKind.FIRM)]


@pytest.mark.parametrize("key, role", TENANT_ROLES, ids=[f"{k}-{r.value}" for k, r in TENANT_ROLES])
def test_members_get_200_or_403_as_the_matrix_says(world, client_as, key, role):
    client = client_as(role, key)
    allowed = dict(zip(COLUMNS, SPEC[role]))
    w = world[key]
    for path, action in ROUTES:
        path = path.replace("/alpha/", f"/{w.slug}/").format(appeal=w.eval_appeal_id, plan=w.eval_plan_id,
                                                            period=w.eval_result_period_id, community=w.community_id)
        response = client.get(path)
        assert response.status_code == (200 if allowed[action] else 403), (role.value, path, response.status_code)


@pytest.mark.parametrize("path", ["/t/alpha/evaluation/results/", "/t/alpha/evaluation/results/{period}/",
                                  "/t/alpha/evaluation/results/{period}/projects/{community}",
                                  "/t/alpha/evaluation/results/{period}/firms/{firm}"])
def test_public_pages_need_no_sign_in(world, client, path):
    url = path.format(period=world.a.eval_result_period_id, community=world.a.community_id, firm=world.a.firm_id)
    assert client.get(url).status_code == 200
