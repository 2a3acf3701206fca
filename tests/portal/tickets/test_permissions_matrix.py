"""The role × action matrix of the tickets feature, written out as the specification (object scoping —
which tickets — is tested in test_visibility.py)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.permissions import Action, can
from tenants.roles import Role

A = Action
R = Role
Y, N = True, False

# Columns: view tickets, file own, file for a caller, handle (firm), triage, supervise, rate own, settings,
# the dashboard (KPIs, each within their view), spot-check calls (the bureau).
COLUMNS = (A.VIEW_TICKETS, A.FILE_OWN_TICKET, A.FILE_TICKET_FOR_CALLER, A.HANDLE_TICKETS, A.TRIAGE_TICKETS,
           A.SUPERVISE_TICKETS, A.RATE_OWN_TICKET, A.MANAGE_TICKET_SETTINGS, A.VIEW_TICKET_KPIS,
           A.SPOT_CHECK_TICKETS)
SPEC = {
    R.BUREAU_ADMIN:     (Y, N, Y, N, Y, Y, N, Y, Y, Y),
    R.BUREAU_STAFF:     (Y, N, Y, N, Y, Y, N, N, Y, Y),
    R.AREA_OFFICER:     (Y, N, Y, N, Y, Y, N, N, Y, N),
    R.FIRM_STAFF:       (Y, N, Y, Y, Y, N, N, N, Y, N),
    R.COMMITTEE_MEMBER: (Y, N, N, N, N, N, N, N, N, N),
    R.PROJECT_MANAGER:  (Y, N, Y, Y, Y, N, N, N, Y, N),
    R.PROJECT_STAFF:    (Y, N, Y, Y, Y, N, N, N, Y, N),
    R.OWNER:            (Y, Y, N, N, N, N, Y, N, N, N),
}
MATRIX = [(role, action, allowed) for role, row in SPEC.items() for action, allowed in zip(COLUMNS, row)]


def test_the_specification_covers_every_role():
    assert set(SPEC) == set(Role)
    assert len(set(COLUMNS)) == len(COLUMNS)


@pytest.mark.parametrize("role, action, allowed", MATRIX, ids=[f"{r.value}-{a.value}" for r, a, _ in MATRIX])
def test_matrix(role, action, allowed):
    assert can([SimpleNamespace(role=role, is_active=True)], action) is allowed


@pytest.mark.parametrize("action", COLUMNS, ids=lambda a: a.value)
def test_no_or_inactive_membership_allows_nothing(action):
    assert can([], action) is False
    assert can([SimpleNamespace(role=Role.BUREAU_ADMIN, is_active=False)], action) is False
