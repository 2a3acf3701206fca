"""The notice boards' columns of the role × action matrix, in the style of tests/portal/test_permissions_matrix.py:
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

# Columns: edit and publish a board (then narrowed per board: portal.disclosures.services.may_edit_board),
# the overdue list, the due rules.
COLUMNS = (A.EDIT_NOTICE_BOARDS, A.VIEW_OVERDUE_DISCLOSURES, A.MANAGE_DISCLOSURE_RULES)
SPEC = {
    R.BUREAU_ADMIN:     (Y, Y, Y),
    R.BUREAU_STAFF:     (Y, Y, N),
    R.AREA_OFFICER:     (Y, Y, N),
    R.FIRM_STAFF:       (Y, N, N),
    R.COMMITTEE_MEMBER: (N, N, N),
    R.PROJECT_MANAGER:  (Y, N, N),
    R.PROJECT_STAFF:    (Y, N, N),
    R.OWNER:            (N, N, N),
}
MATRIX = [(role, action, allowed) for role, row in SPEC.items() for action, allowed in zip(COLUMNS, row)]


def test_the_specification_covers_every_role():
    assert set(SPEC) == set(Role)


@pytest.mark.parametrize("role, action, allowed", MATRIX, ids=[f"{r.value}-{a.value}" for r, a, _ in MATRIX])
def test_matrix(role, action, allowed):
    assert can([membership(role)], action) is allowed


ROUTES = [
    ("/t/alpha/boards/", A.EDIT_NOTICE_BOARDS, False),
    ("/t/alpha/contracts/{contract}/board", A.EDIT_NOTICE_BOARDS, False),
    ("/t/alpha/boards/overdue", A.VIEW_OVERDUE_DISCLOSURES, False),
    ("/t/alpha/boards/rules", A.MANAGE_DISCLOSURE_RULES, False),
]
TENANT_ROLES = [("a", role) for role in roles_for(TenantKind.BUREAU)] + [("c", role) for role in roles_for(TenantKind.FIRM)]


@pytest.mark.parametrize("key, role", TENANT_ROLES, ids=[f"{k}-{r.value}" for k, r in TENANT_ROLES])
def test_members_get_200_or_403_as_the_matrix_says(world, client_as, key, role):
    client = client_as(role, key)
    allowed = dict(zip(COLUMNS, SPEC[role]))
    for path, action, _is_api in ROUTES:
        path = path.replace("/alpha/", f"/{world[key].slug}/").format(contract=world[key].contract_id)
        response = client.get(path)
        assert response.status_code == (200 if allowed[action] else 403), (role.value, path, response.status_code)
