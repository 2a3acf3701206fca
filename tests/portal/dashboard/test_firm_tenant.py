"""A property firm's own tenant (world C): its roles, words, dashboard links and scoping.

In a firm tenant the firm *is* the tenant: its administrator is the firm's, its areas are branches and
regions, its communities are projects with project teams, and nothing offers to register other firms.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.communities.models import AreaKind
from portal.extensions import db
from portal.firms.models import Firm
from tenants import tenant_scope
from tenants.models import Membership, Tenant, TenantKind
from tenants.roles import Role, roles_for
from tests.conftest import csrf_token_for
from tests.portal.pages import in_english, page_text
from tests.portal.dashboard.helpers import add_hidden_community
from tests.portal.dashboard.test_role_views import action_links

FIRM_ROLES = roles_for(TenantKind.FIRM)
BASE = "/t/firmco"

# What each role of a firm tenant is called there, and the links its dashboard offers.
NAMES = {
    Role.BUREAU_ADMIN: "Firm administrator", Role.BUREAU_STAFF: "Head-office staff",
    Role.AREA_OFFICER: "Branch/region manager", Role.PROJECT_MANAGER: "Project manager",
    Role.PROJECT_STAFF: "Project staff", Role.OWNER: "Owner",
}
SCOPED = {f"{BASE}/communities/", f"{BASE}/firms/", f"{BASE}/checklists/", f"{BASE}/account/tokens/", f"{BASE}/",
          f"{BASE}/objections/"}
ACTIONS = {
    Role.BUREAU_ADMIN: SCOPED | {f"{BASE}/members/", f"{BASE}/audit/", f"{BASE}/areas/", f"{BASE}/roster/", f"{BASE}/settings/", f"{BASE}/billing/",
                                 f"{BASE}/claim-codes/"},
    Role.BUREAU_STAFF: SCOPED | {f"{BASE}/members/", f"{BASE}/areas/", f"{BASE}/roster/", f"{BASE}/claim-codes/"},
    Role.AREA_OFFICER: SCOPED,
    Role.PROJECT_MANAGER: SCOPED | {f"{BASE}/roster/", f"{BASE}/claim-codes/"},
    Role.PROJECT_STAFF: SCOPED,
    Role.OWNER: {f"{BASE}/my/units", f"{BASE}/objections/", f"{BASE}/evaluation/my-scores", f"{BASE}/"},
}
# The notice boards: the firm's people publish; head office and branch managers also see what is overdue.
ACTIONS[Role.BUREAU_ADMIN] = ACTIONS[Role.BUREAU_ADMIN] | {f"{BASE}/boards/", f"{BASE}/boards/overdue", f"{BASE}/boards/rules"}
ACTIONS[Role.BUREAU_STAFF] = ACTIONS[Role.BUREAU_STAFF] | {f"{BASE}/boards/", f"{BASE}/boards/overdue"}
ACTIONS[Role.AREA_OFFICER] = ACTIONS[Role.AREA_OFFICER] | {f"{BASE}/boards/", f"{BASE}/boards/overdue"}
ACTIONS[Role.PROJECT_MANAGER] = ACTIONS[Role.PROJECT_MANAGER] | {f"{BASE}/boards/"}
ACTIONS[Role.PROJECT_STAFF] = ACTIONS[Role.PROJECT_STAFF] | {f"{BASE}/boards/"}
# Tickets for every role (an owner their own); the revenue ledger for the firm's people.
for _role in ACTIONS:
    ACTIONS[_role] = ACTIONS[_role] | {f"{BASE}/tickets/"} | (set() if _role == Role.OWNER else {f"{BASE}/ledger/"})
# The evaluation: everyone reads the published results and the periods; head office records
# bonus and penalty items. Head office also keeps the public hotline directory and any 12345 work orders.
for _role in ACTIONS:
    ACTIONS[_role] = ACTIONS[_role] | {f"{BASE}/evaluation/results/", f"{BASE}/evaluation/periods/"}
for _role in (Role.BUREAU_ADMIN, Role.BUREAU_STAFF):
    ACTIONS[_role] = ACTIONS[_role] | {f"{BASE}/evaluation/adjustments/", f"{BASE}/hotline/review", f"{BASE}/hotlines/"}
BUREAU_NAMES = ("Bureau administrator", "Bureau staff", "Street/community officer", "Property firm staff",
                "Add a firm", "Street office", "Community office")


@pytest.mark.parametrize("role", FIRM_ROLES, ids=lambda r: r.value)
def test_each_firm_role_has_its_firms_name_and_working_links(world, client_as, role):
    client = in_english(client_as(role, "c"))
    page = client.get(f"{BASE}/dashboard")
    assert page.status_code == 200
    text = page_text(page.text)
    assert NAMES[role] in text
    assert not [word for word in BUREAU_NAMES if word in text]
    assert action_links(page.text) == ACTIONS[role]
    for href in ACTIONS[role]:
        response = client.get(href, follow_redirects=True)
        assert response.status_code == 200 and response.request.path != "/login", (role, href)
        assert not [word for word in BUREAU_NAMES if word in page_text(response.text)], (role, href)


def add_second_branch_project(app, world) -> int:
    """A second branch with a 3-unit project that no bound role of world C can see; returns its id."""
    return add_hidden_community(app, world.c.tenant_id, area_kind=AreaKind.BRANCH, area_name="西城分公司",
                                community_name="西城项目", units=3)


def test_dashboard_counts_projects_by_branch_over_what_the_role_sees(app, world, client_as):
    hidden = add_second_branch_project(app, world)
    admin = page_text(in_english(client_as(Role.BUREAU_ADMIN, "c")).get(f"{BASE}/dashboard").text)
    assert "Projects by branch" in admin and "西城分公司" in admin and f"分公司{world.c.sentinel}" in admin
    manager = in_english(client_as(Role.PROJECT_MANAGER, "c"))
    text = page_text(manager.get(f"{BASE}/dashboard").text)
    assert "西城分公司" not in text
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", manager.get(f"{BASE}/dashboard").text))
    assert figures["Projects"] == "1" and figures["Units"] == "2" and figures["Project team members"] == "2"
    assert manager.get(f"{BASE}/communities/{hidden}").status_code == 404
    assert manager.get(f"{BASE}/communities/{world.c.community_id}").status_code == 200


def test_project_page_shows_its_team_in_the_firms_words(world, client_as):
    page = in_english(client_as(Role.BUREAU_STAFF, "c")).get(f"{BASE}/communities/{world.c.community_id}")
    team = page_text(re.search(r'<section class="card" id="team">(.*?)</section>', page.text, re.S).group(1))
    assert "Project team" in team
    assert f"project_manager-{world.c.sentinel}" in team and "Project manager" in team
    assert f"project_staff-{world.c.sentinel}" in team and "Project staff" in team
    # A bureau's community page has no project team (its firms' staff are not the tenant's teams).
    bureau = client_as(Role.BUREAU_ADMIN, "a").get(f"/t/alpha/communities/{world.a.community_id}")
    assert 'id="team"' not in bureau.text


def count_firms(app, world) -> int:
    with app.app_context(), tenant_scope(db.session.get(Tenant, world.c.tenant_id)):
        return db.session.scalar(sa.select(sa.func.count(Firm.id)))


def test_a_firm_tenant_registers_only_itself(app, world, client_as):
    client = in_english(client_as(Role.BUREAU_ADMIN, "c"))
    listing = client.get(f"{BASE}/firms/")
    assert listing.status_code == 303 and listing.headers["Location"].endswith(f"{BASE}/firms/{world.c.firm_id}")
    form = client.get(f"{BASE}/firms/new")
    assert form.status_code == 303 and form.headers["Location"].endswith(f"{BASE}/firms/{world.c.firm_id}/edit")
    token = csrf_token_for(client)
    refused = client.post(f"{BASE}/firms/new", data={"csrf_token": token, "name": "另一家物业",
                                                      "credit_code": "91370000000000009X"})
    assert refused.status_code == 303 and count_firms(app, world) == 1
    api = client.post(f"/api/v1{BASE}/firms", json={"name": "另一家物业", "credit_code": "91370000000000009X"},
                      headers={"X-CSRFToken": token})
    assert api.status_code == 422 and api.json["error"]["fields"]["name"]
    assert "company profile" in api.json["error"]["fields"]["name"][0]
    assert count_firms(app, world) == 1


def test_the_contract_form_needs_no_firm_choice(world, client_as):
    page = in_english(client_as(Role.BUREAU_ADMIN, "c")).get(f"{BASE}/contracts/new")
    assert page.status_code == 200
    assert f'<input type="hidden" name="firm_id" value="{world.c.firm_id}">' in page.text
    assert '<select id="firm_id"' not in page.text and "Project" in page_text(page.text)


@pytest.mark.parametrize("kind, role, binding, message", [
    ("a", Role.PROJECT_MANAGER, "community_id", "Not a valid choice"),
    ("c", Role.FIRM_STAFF, "firm_id", "Not a valid choice"),
    ("c", Role.COMMITTEE_MEMBER, "community_id", "Not a valid choice"),
])
def test_roles_of_the_other_kind_of_tenant_are_refused(app, world, client_as, kind, role, binding, message):
    client = in_english(client_as(Role.BUREAU_ADMIN, kind))
    slug = world[kind].slug
    target = {"community_id": world[kind].community_id, "firm_id": world[kind].firm_id}[binding]
    token = csrf_token_for(client)
    with app.app_context(), tenant_scope(db.session.get(Tenant, world[kind].tenant_id)):
        before = db.session.scalar(sa.select(sa.func.count(Membership.id)))
    page = client.post(f"/t/{slug}/members/new", data={
        "csrf_token": token, "login": "13912345678", "display_name": "新人", "initial_password": "a long enough pass 2026",
        "role": role.value, binding: target})
    assert page.status_code == 400 and message in page.text
    with app.app_context(), tenant_scope(db.session.get(Tenant, world[kind].tenant_id)):
        assert db.session.scalar(sa.select(sa.func.count(Membership.id))) == before


def test_areas_of_a_firm_tenant_are_branches_and_regions(app, world, client_as):
    client = in_english(client_as(Role.BUREAU_ADMIN, "c"))
    page = client.get(f"{BASE}/areas/")
    options = re.findall(r'<option[^>]*value="(branch|region|street|community_office)"', page.text)
    assert options == ["branch", "region"]
    token = csrf_token_for(client)
    street = client.post(f"{BASE}/areas/", data={"csrf_token": token, "kind": "street", "name": "某街道"})
    assert street.status_code == 400
    region = client.post(f"{BASE}/areas/", data={"csrf_token": token, "kind": "region", "name": "南片区",
                                                 "parent_id": world.c.area_id})
    assert region.status_code == 303
    orphan = client.post(f"{BASE}/areas/", data={"csrf_token": token, "kind": "region", "name": "北片区"})
    assert orphan.status_code == 400 and "A region must belong to a branch" in page_text(orphan.text)
    api = client.post(f"/api/v1{BASE}/areas", json={"kind": "community_office", "name": "x", "parent_id": world.c.area_id},
                      headers={"X-CSRFToken": token})
    assert api.status_code == 422 and "kind" in api.json["error"]["fields"]


def test_the_member_service_itself_refuses_a_role_the_tenant_kind_lacks(app, world):
    """Not only the form's choices: the rule lives where memberships are made."""
    from portal.auth.models import User
    from portal.members.services import MemberError, add_member

    with app.app_context(), tenant_scope(db.session.get(Tenant, world.a.tenant_id)) as tenant:
        actor = db.session.get(User, world.a.users[Role.BUREAU_ADMIN])
        with pytest.raises(MemberError) as refused:
            add_member(tenant=tenant, actor=actor, login="13912345679", display_name="新人", role=Role.PROJECT_STAFF,
                       initial_password="a long enough pass 2026", community_id=world.a.community_id)
        assert refused.value.field == "role"
        db.session.rollback()
