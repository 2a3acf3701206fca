"""What each role sees matches what it may do: dashboard links, "coming soon", figures, landing pages."""
from __future__ import annotations

import re

import pytest

from portal.communities.models import AreaKind
from portal.extensions import db
from tenants.models import Tenant, TenantKind, TenantStatus
from tenants.roles import Role, roles_for
from tests.portal.dashboard.helpers import add_hidden_community
from tests.portal.dashboard.test_dashboard import figures
from tests.portal.pages import in_english, login, page_text

# The links of "What you can do", per role: each one a page the role may open (checked below). Every role
# sees objections: an owner their own, the others those they handle or supervise.
ACTIONS = {
    Role.BUREAU_ADMIN: {"/t/alpha/members/", "/t/alpha/audit/", "/t/alpha/communities/", "/t/alpha/firms/",
                        "/t/alpha/roster/", "/t/alpha/claim-codes/", "/t/alpha/checklists/",
                        "/t/alpha/account/tokens/", "/t/alpha/settings/", "/t/alpha/billing/", "/t/alpha/objections/", "/t/alpha/"},
    Role.BUREAU_STAFF: {"/t/alpha/members/", "/t/alpha/communities/", "/t/alpha/firms/", "/t/alpha/roster/",
                        "/t/alpha/claim-codes/", "/t/alpha/checklists/", "/t/alpha/account/tokens/", "/t/alpha/objections/", "/t/alpha/"},
    Role.AREA_OFFICER: {"/t/alpha/communities/", "/t/alpha/firms/", "/t/alpha/checklists/",
                        "/t/alpha/account/tokens/", "/t/alpha/objections/", "/t/alpha/"},
    Role.FIRM_STAFF: {"/t/alpha/communities/", "/t/alpha/firms/", "/t/alpha/checklists/",
                      "/t/alpha/account/tokens/", "/t/alpha/objections/", "/t/alpha/"},
    Role.COMMITTEE_MEMBER: {"/t/alpha/communities/", "/t/alpha/firms/", "/t/alpha/claim-codes/",
                            "/t/alpha/checklists/", "/t/alpha/account/tokens/", "/t/alpha/objections/", "/t/alpha/"},
    Role.OWNER: {"/t/alpha/my/units", "/t/alpha/objections/", "/t/alpha/evaluation/my-scores", "/t/alpha/"},
}

# The notice boards: firm staff publish, the bureau and street offices read and see what is overdue.
BOARDS = "/t/alpha/boards/"
ACTIONS[Role.BUREAU_ADMIN] = ACTIONS[Role.BUREAU_ADMIN] | {BOARDS, BOARDS + "overdue", BOARDS + "rules"}
ACTIONS[Role.BUREAU_STAFF] = ACTIONS[Role.BUREAU_STAFF] | {BOARDS, BOARDS + "overdue"}
ACTIONS[Role.AREA_OFFICER] = ACTIONS[Role.AREA_OFFICER] | {BOARDS, BOARDS + "overdue"}
ACTIONS[Role.FIRM_STAFF] = ACTIONS[Role.FIRM_STAFF] | {BOARDS}
# Tickets: everyone, each their own part (an owner their own tickets); the revenue ledger: all but owners,
# who read it on the public pages.
for _role in ACTIONS:
    ACTIONS[_role] = ACTIONS[_role] | {"/t/alpha/tickets/"} | (set() if _role == Role.OWNER else {"/t/alpha/ledger/"})

# The evaluation: everyone reads the published results and the periods; the bureau records bonus and penalty
# items. The bureau also files 12345 work orders and keeps the public hotline directory.
for _role in ACTIONS:
    ACTIONS[_role] = ACTIONS[_role] | {"/t/alpha/evaluation/results/", "/t/alpha/evaluation/periods/"}
for _role in (Role.BUREAU_ADMIN, Role.BUREAU_STAFF):
    ACTIONS[_role] = ACTIONS[_role] | {"/t/alpha/evaluation/adjustments/", "/t/alpha/hotline/review", "/t/alpha/hotlines/"}
BUREAU_ROLES = roles_for(TenantKind.BUREAU)  # tenant A is a bureau; the firm tenant C has its own tests


def action_links(page: str) -> set[str]:
    section = re.search(r'<ul class="actions">(.*?)</ul>', page, re.S).group(1)
    return set(re.findall(r'href="([^"]+)"', section))


@pytest.mark.parametrize("role", BUREAU_ROLES, ids=lambda r: r.value)
def test_every_link_on_the_dashboard_works_for_that_role(client_as, role):
    client = in_english(client_as(role, "a"))
    page = client.get("/t/alpha/dashboard").text
    assert action_links(page) == ACTIONS[role]
    links = {href for href in re.findall(r'<a [^>]*href="([^"#][^"]*)"', page)}
    assert ACTIONS[role] <= links
    broken = {}
    for href in sorted(links):
        # The language switch and the one-tenant picker redirect by design; where they end must work too.
        response = client.get(href, follow_redirects=True)
        if response.status_code != 200 or response.request.path == "/login":
            broken[href] = (response.status_code, response.request.path)
    assert broken == {}


@pytest.mark.parametrize("role, soon, not_soon", [
    (Role.COMMITTEE_MEMBER, "Coming soon: following your community's notice-board disclosures.", "claim codes"),
    (Role.OWNER, "Coming soon: your community's notice board, scoring your property firm and reporting repairs.",
     "bind your unit"),
])
def test_coming_soon_names_only_what_does_not_exist(client_as, role, soon, not_soon):
    text = page_text(in_english(client_as(role, "a")).get("/t/alpha/dashboard").text)
    assert soon in text
    soon_lines = [line for line in text.splitlines() if "oon:" in line]
    assert not [line for line in soon_lines if not_soon in line.lower()]


def add_street_with_community(app, world) -> int:
    """A second street of tenant A whose community (2 units) none of the bound roles can see."""
    return add_hidden_community(app, world.a.tenant_id, area_kind=AreaKind.STREET, area_name="另一街道",
                                community_name="额外小区", units=2)


@pytest.mark.parametrize("role, expected", [
    (Role.BUREAU_STAFF, {"Streets": "2", "Communities": "2", "Property firms": "1", "Units": "4"}),
    (Role.AREA_OFFICER, {"Streets": "1", "Communities": "1", "Property firms": "1", "Units": "2"}),
    (Role.FIRM_STAFF, {"Streets": "1", "Communities": "1", "Property firms": "1", "Units": "2"}),
    (Role.COMMITTEE_MEMBER, {"Streets": "1", "Communities": "1", "Property firms": "1", "Units": "2"}),
])
def test_dashboard_figures_are_what_the_role_can_see(app, world, client_as, role, expected):
    add_street_with_community(app, world)
    page = in_english(client_as(role, "a")).get("/t/alpha/dashboard").text
    assert figures(page) == expected
    assert ("Counted over what you can see." in page) is (role != Role.BUREAU_STAFF)
    # The communities page the figure stands for lists the same number.
    communities = in_english(client_as(role, "a")).get("/t/alpha/communities/").text
    assert communities.count("额外小区") == (1 if role == Role.BUREAU_STAFF else 0)


def test_platform_administrator_lands_on_the_platform_area(app, world):
    client = in_english(app.test_client())
    response = login(client, world.platform_admin_login)
    assert response.status_code == 302 and response.headers["Location"].endswith("/platform/")
    assert client.get("/platform/").status_code == 200
    start = client.get("/")
    assert start.status_code == 302 and start.headers["Location"].endswith("/platform/")


def test_other_users_still_land_on_their_tenants(app, world):
    response = login(in_english(app.test_client()), world.a.logins[Role.BUREAU_ADMIN])
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/tenants")


def test_a_member_of_a_suspended_tenant_is_told_so(app, world):
    with app.app_context():
        db.session.get(Tenant, world.a.tenant_id).status = TenantStatus.SUSPENDED
        db.session.commit()
    client = in_english(app.test_client())
    login(client, world.a.logins[Role.FIRM_STAFF])
    picker = client.get("/account/tenants")
    assert picker.status_code == 200
    text = page_text(picker.text)
    assert "alpha bureau" in text and "This tenant is suspended" in text
    assert "does not belong to any tenant" not in text
    assert 'href="/t/alpha/dashboard"' not in picker.text
    dashboard = client.get("/t/alpha/dashboard")
    assert dashboard.status_code == 403 and "This tenant is suspended" in dashboard.text
