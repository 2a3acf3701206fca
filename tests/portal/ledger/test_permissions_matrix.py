"""The ledger's role × action matrix, written out as the specification (the object-level half, which
community, is tested in test_access.py)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.permissions import Action, can
from tenants.roles import Role

A = Action
R = Role
Y, N = True, False

# Columns: read full ledgers (vouchers, overview), record entries, sign off statements, categories and rule.
LEDGER_COLUMNS = (A.VIEW_LEDGER, A.RECORD_LEDGER, A.SIGN_OFF_LEDGER, A.MANAGE_LEDGER)
SPEC = {
    R.BUREAU_ADMIN:     (Y, Y, N, Y),
    R.BUREAU_STAFF:     (Y, Y, N, N),
    R.AREA_OFFICER:     (Y, N, Y, N),
    R.FIRM_STAFF:       (Y, Y, N, N),
    R.COMMITTEE_MEMBER: (Y, N, Y, N),
    R.PROJECT_MANAGER:  (Y, Y, N, N),
    R.PROJECT_STAFF:    (Y, Y, N, N),
    # Owners read the public ledger page, which needs no sign-in; vouchers are not theirs to fetch.
    R.OWNER:            (N, N, N, N),
}
MATRIX = [(role, action, allowed) for role, row in SPEC.items() for action, allowed in zip(LEDGER_COLUMNS, row)]


def membership(role: Role):
    return SimpleNamespace(role=role, is_active=True)


def test_the_specification_covers_every_role():
    assert set(SPEC) == set(Role)


@pytest.mark.parametrize("role, action, allowed", MATRIX, ids=[f"{r.value}-{a.value}" for r, a, _ in MATRIX])
def test_matrix(role, action, allowed):
    assert can([membership(role)], action) is allowed
