"""The objections' columns of the role × action matrix, in the style of tests/portal/test_permissions_matrix.py:
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

# Columns: file (and accept/escalate one's own), see (narrowed per objection: services.visible_condition),
# answer (narrowed to the board's editors), decide (narrowed to the street office of the area), the answer limit.
COLUMNS = (A.FILE_OBJECTIONS, A.VIEW_OBJECTIONS, A.ANSWER_OBJECTIONS, A.DECIDE_OBJECTIONS, A.MANAGE_OBJECTION_RULES)
SPEC = {
    R.BUREAU_ADMIN:     (N, Y, Y, Y, Y),
    R.BUREAU_STAFF:     (N, Y, Y, Y, N),
    R.AREA_OFFICER:     (N, Y, Y, Y, N),
    R.FIRM_STAFF:       (N, Y, Y, N, N),
    R.COMMITTEE_MEMBER: (N, Y, N, N, N),
    R.PROJECT_MANAGER:  (N, Y, Y, N, N),
    R.PROJECT_STAFF:    (N, Y, Y, N, N),
    R.OWNER:            (Y, Y, N, N, N),
}
MATRIX = [(role, action, allowed) for role, row in SPEC.items() for action, allowed in zip(COLUMNS, row)]


def test_the_specification_covers_every_role():
    assert set(SPEC) == set(Role)


@pytest.mark.parametrize("role, action, allowed", MATRIX, ids=[f"{r.value}-{a.value}" for r, a, _ in MATRIX])
def test_matrix(role, action, allowed):
    assert can([membership(role)], action) is allowed


ROUTES = [
    ("/t/alpha/objections/", A.VIEW_OBJECTIONS),
    ("/t/alpha/objections/settings", A.MANAGE_OBJECTION_RULES),
    ("/t/alpha/boards/{board}/versions/{seq}/object", A.FILE_OBJECTIONS),
]
TENANT_ROLES = [("a", role) for role in roles_for(TenantKind.BUREAU)] + [("c", role) for role in roles_for(TenantKind.FIRM)]


@pytest.mark.parametrize("key, role", TENANT_ROLES, ids=[f"{k}-{r.value}" for k, r in TENANT_ROLES])
def test_members_get_200_or_403_as_the_matrix_says(world, client_as, key, role):
    client = client_as(role, key)
    allowed = dict(zip(COLUMNS, SPEC[role]))
    for path, action in ROUTES:
        path = path.replace("/alpha/", f"/{world[key].slug}/").format(board=world[key].board_id, seq=world[key].board_seq)
        response = client.get(path)
        assert response.status_code == (200 if allowed[action] else 403), (role.value, path, response.status_code)
