"""The role × action matrix of the monthly satisfaction list, written out as the specification: the bureau
(administrator and staff) drafts, edits and publishes; everyone else only reads the public pages."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.permissions import Action, can
from tenants.roles import Role

R = Role
SPEC = {
    R.BUREAU_ADMIN: True,
    R.BUREAU_STAFF: True,
    R.AREA_OFFICER: False,
    R.FIRM_STAFF: False,
    R.COMMITTEE_MEMBER: False,
    R.PROJECT_MANAGER: False,
    R.PROJECT_STAFF: False,
    R.OWNER: False,
}


def test_the_specification_covers_every_role():
    assert set(SPEC) == set(Role)


@pytest.mark.parametrize("role, allowed", SPEC.items(), ids=[r.value for r in SPEC])
def test_matrix(role, allowed):
    assert can([SimpleNamespace(role=role, is_active=True)], Action.MANAGE_SATISFACTION_LISTS) is allowed


def test_no_or_inactive_membership_allows_nothing():
    assert can([], Action.MANAGE_SATISFACTION_LISTS) is False
    assert can([SimpleNamespace(role=Role.BUREAU_ADMIN, is_active=False)], Action.MANAGE_SATISFACTION_LISTS) is False
