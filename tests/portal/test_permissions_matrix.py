"""The role × action permission matrix, written out as the specification, checked in code and over HTTP."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.permissions import Action, can
from tenants.models import TenantKind
from tenants.roles import Role, roles_for
from tests.conftest import login

A = Action
R = Role
Y, N = True, False

# The specification. Columns: dashboard, audit log, manage members, view members, API tokens,
# view registry, manage registry, import roster, claim codes, edit the three lists, read the three lists, own units,
# the tenant's settings, billing (plan, card, invoices).
COLUMNS = (A.VIEW_DASHBOARD, A.VIEW_AUDIT_LOG, A.MANAGE_MEMBERS, A.VIEW_MEMBERS, A.USE_API_TOKENS, A.VIEW_REGISTRY,
           A.MANAGE_REGISTRY, A.IMPORT_ROSTER, A.MANAGE_CLAIM_CODES, A.EDIT_CHECKLISTS, A.VIEW_CHECKLISTS,
           A.VIEW_OWN_UNITS, A.MANAGE_TENANT_SETTINGS, A.MANAGE_BILLING)
SPEC = {
    R.BUREAU_ADMIN:     (Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, N, Y, Y),
    R.BUREAU_STAFF:     (Y, N, N, Y, Y, Y, Y, Y, Y, N, Y, N, N, N),
    R.AREA_OFFICER:     (Y, N, N, N, Y, Y, N, N, N, N, Y, N, N, N),
    R.FIRM_STAFF:       (Y, N, N, N, Y, Y, N, N, N, N, Y, N, N, N),
    R.COMMITTEE_MEMBER: (Y, N, N, N, Y, Y, N, N, Y, N, Y, N, N, N),
    # Firm tenants only (tenants.roles.ROLES_BY_TENANT_KIND): a project team, scoped to its project.
    R.PROJECT_MANAGER:  (Y, N, N, N, Y, Y, N, Y, Y, N, Y, N, N, N),
    R.PROJECT_STAFF:    (Y, N, N, N, Y, Y, N, N, N, N, Y, N, N, N),
    R.OWNER:            (Y, N, N, N, N, N, N, N, N, N, N, Y, N, N),
}
MATRIX = [(role, action, allowed) for role, row in SPEC.items() for action, allowed in zip(COLUMNS, row)]


def membership(role: Role, active: bool = True):
    return SimpleNamespace(role=role, is_active=active)


def test_the_specification_covers_every_role_and_action():
    """A new role or action fails here until someone decides, in this table, who may do it."""
    assert set(SPEC) == set(Role)
    assert set(roles_for(TenantKind.BUREAU)) | set(roles_for(TenantKind.FIRM)) == set(Role)
    # A feature may keep its actions' columns in its own table of the same shape (listed here).
    from tests.portal.disclosures.test_permissions_matrix import COLUMNS as BOARD_COLUMNS
    from tests.portal.hotline.test_permissions_matrix import COLUMNS as HOTLINE_COLUMNS
    from tests.portal.evaluation.results.test_permissions_matrix import COLUMNS as EVALUATION_RESULT_COLUMNS
    from tests.portal.ledger.test_permissions_matrix import LEDGER_COLUMNS
    from tests.portal.objections.test_permissions_matrix import COLUMNS as OBJECTION_COLUMNS
    from tests.portal.tickets.test_permissions_matrix import COLUMNS as TICKET_COLUMNS
    from tests.portal.evaluation.scoring.test_permissions_matrix import COLUMNS as EVALUATION_SCORING_COLUMNS
    from tests.portal.evaluation.setup.test_permissions_matrix import COLUMNS as EVALUATION_SETUP_COLUMNS

    # The notifications' and the satisfaction list's one action each: their own matrices walk them per role
    # (tests/portal/notifications/, tests/portal/satisfaction/test_permissions_matrix.py).
    single_actions = [Action.VIEW_NOTIFICATIONS, Action.MANAGE_SATISFACTION_LISTS]
    scoring_only = [a for a in EVALUATION_SCORING_COLUMNS if a not in EVALUATION_SETUP_COLUMNS]  # both read results
    every_column = [*COLUMNS, *BOARD_COLUMNS, *TICKET_COLUMNS, *LEDGER_COLUMNS, *OBJECTION_COLUMNS, *HOTLINE_COLUMNS,
                    *EVALUATION_RESULT_COLUMNS, *EVALUATION_SETUP_COLUMNS, *scoring_only, *single_actions]
    assert set(every_column) == set(Action) and len(every_column) == len(Action)


@pytest.mark.parametrize("role, action, allowed", MATRIX, ids=[f"{r.value}-{a.value}" for r, a, _ in MATRIX])
def test_matrix(role, action, allowed):
    assert can([membership(role)], action) is allowed


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_no_or_inactive_membership_allows_nothing(action):
    assert can([], action) is False
    assert can([membership(Role.BUREAU_ADMIN, active=False)], action) is False


def test_several_roles_add_up():
    both = [membership(Role.OWNER), membership(Role.BUREAU_STAFF)]
    assert can(both, Action.VIEW_MEMBERS) and can(both, Action.USE_API_TOKENS)
    assert not can(both, Action.MANAGE_MEMBERS)
    assert not can([membership(Role.OWNER), membership(Role.BUREAU_ADMIN, active=False)], Action.VIEW_AUDIT_LOG)


# --- the same rules at the door -------------------------------------------------------------------

# Pages and API routes, each guarded by one action; (path, action, is_api).
ROUTES = [
    ("/t/alpha/dashboard", A.VIEW_DASHBOARD, False),
    ("/t/alpha/audit/", A.VIEW_AUDIT_LOG, False),
    ("/t/alpha/members/", A.VIEW_MEMBERS, False),
    ("/t/alpha/members/new", A.MANAGE_MEMBERS, False),
    ("/t/alpha/account/tokens/", A.USE_API_TOKENS, False),
    ("/t/alpha/checklists/", A.VIEW_CHECKLISTS, False),
    ("/t/alpha/settings/", A.MANAGE_TENANT_SETTINGS, False),
    ("/t/alpha/billing/", A.MANAGE_BILLING, False),
    ("/api/v1/t/alpha/me", A.VIEW_DASHBOARD, True),
    ("/api/v1/t/alpha/audit-events", A.VIEW_AUDIT_LOG, True),
    ("/api/v1/t/alpha/members", A.VIEW_MEMBERS, True),
    ("/api/v1/t/alpha/tokens", A.USE_API_TOKENS, True),
    ("/api/v1/t/alpha/checklists/versions", A.VIEW_CHECKLISTS, True),
    ("/api/v1/t/alpha/billing", A.MANAGE_BILLING, True),
]


# Every role each kind of tenant offers: the bureau tenant A's and the property firm's own tenant C's
# (where the same codes carry the firm's names: firm administrator, head-office staff, branch manager).
TENANT_ROLES = [("a", role) for role in roles_for(TenantKind.BUREAU)] + [("c", role) for role in roles_for(TenantKind.FIRM)]


@pytest.mark.parametrize("key, role", TENANT_ROLES, ids=[f"{k}-{r.value}" for k, r in TENANT_ROLES])
def test_members_get_200_or_403_as_the_matrix_says(world, client_as, key, role):
    client = client_as(role, key)
    allowed = dict(zip(COLUMNS, SPEC[role]))
    for path, action, is_api in ROUTES:
        path = path.replace("/alpha/", f"/{world[key].slug}/")
        response = client.get(path)
        expected = 200 if allowed[action] else 403
        assert response.status_code == expected, (role.value, path, response.status_code)
        if is_api:
            assert response.is_json
            if expected == 403:
                assert response.json["error"]["code"] == "forbidden"


@pytest.mark.parametrize("who", ["other-tenant-admin", "firm-tenant-admin", "outsider"])
def test_non_members_get_404_everywhere_in_the_tenant(app, world, client_as, who):
    client = app.test_client()
    identifier = {"other-tenant-admin": world.b.logins[Role.BUREAU_ADMIN],
                  "firm-tenant-admin": world.c.logins[Role.BUREAU_ADMIN]}.get(who, world.outsider_login)
    assert login(client, identifier).status_code == 302
    # The tenant's name is public (its front page); its members, tokens and audit log are not.
    private = [f"{role.value}-{world.a.sentinel}" for role in roles_for(TenantKind.BUREAU)] + [f"token{world.a.sentinel}",
                                                                        f"seeded {world.a.sentinel}"]
    admin = client_as(Role.BUREAU_ADMIN, "a")
    shown_to_admin = {text for path, _a, _j in ROUTES for text in private if text in admin.get(path).text}
    assert shown_to_admin == set(private)  # so their absence below means something
    for path, _action, is_api in ROUTES:
        response = client.get(path)
        assert response.status_code == 404, (who, path, response.status_code)
        assert not [text for text in private if text in response.text]
        if is_api:
            assert response.is_json and response.json["error"]["code"] == "not_found"
