"""An owner's units and community page: masked account, firm, committee, lists A and B; nothing else."""
from __future__ import annotations

import pytest

from tenants.roles import Role
from tests.portal.owners.helpers import make_other_community
from tests.portal.pages import in_english, page_text


@pytest.fixture
def owner(client_as):
    return in_english(client_as(Role.OWNER, "a"))


def test_my_units_lists_the_bound_unit_with_its_details(world, owner):
    page = owner.get("/t/alpha/my/units").text
    w = world.a
    assert f"小区{w.sentinel}" in page and f"1号楼{w.sentinel}" in page and "Room 101" in page and "88.50 m²" in page
    assert f'href="/t/alpha/my/communities/{w.community_id}"' in page
    assert "shared with" not in page  # nobody else is bound to this unit


def test_community_page_shows_firm_committee_masked_account_and_lists(world, owner):
    w = world.a
    response = owner.get(f"/t/alpha/my/communities/{w.community_id}")
    assert response.status_code == 200
    text = page_text(response.text)
    assert f"小区{w.sentinel}" in text and f"地址{w.sentinel}" in text and "Grade 2" in text
    assert f"物业{w.sentinel}" in text and f"经理{w.sentinel}" in text  # current contract: firm and manager
    assert f"主任{w.sentinel}" in text and "Director" in text             # the committee
    assert f"银行{w.sentinel}" in text and f"专户{w.sentinel}" in text
    assert "6222***********4567" in text and "6222020000001234567" not in response.text  # masked only
    # List A at the community's grade (二级): A1.3's grade-2 wording, not grade 1's or 3's.
    assert "Property-service standard list" in text and "Service hotline hours" in text
    assert "Your grade: 16小时" in text and "Your grade: 24小时" not in text and "Your grade: 8小时" not in text
    assert "to be verified" not in text.lower()  # owners are not shown the marker (staff are)
    # List B with its thresholds.
    assert "Owners' committee rights and duties" in text and "Raise the repair fund" in text
    assert "Area: more than 1/2 · Owners: more than 1/2" in text and "Area: at least 3/4 · Owners: at least 3/4" in text


def test_community_page_in_chinese_shows_chinese_list_text(world, client_as):
    owner = client_as(Role.OWNER, "a")  # default language: zh_CN
    text = page_text(owner.get(f"/t/alpha/my/communities/{world.a.community_id}").text)
    assert "服务热线时长" in text and "筹集建筑物及其附属设施的维修资金" in text


def test_other_communities_are_not_found(app, world, owner, client_as):
    other = make_other_community(app, world.a.tenant_id)
    assert owner.get(f"/t/alpha/my/communities/{other.community_id}").status_code == 404
    # Tenant B's community id under A's slug, and A's community under B's slug (B's owner): 404.
    assert owner.get(f"/t/alpha/my/communities/{world.b.community_id}").status_code == 404
    owner_b = client_as(Role.OWNER, "b")
    response = owner_b.get(f"/t/beta/my/communities/{world.a.community_id}")
    assert response.status_code == 404 and world.a.sentinel not in response.text
    assert owner_b.get("/t/alpha/my/units").status_code == 404


@pytest.mark.parametrize("role", [Role.BUREAU_ADMIN, Role.COMMITTEE_MEMBER, Role.FIRM_STAFF])
def test_owner_pages_are_for_owners(world, client_as, role):
    client = client_as(role, "a")
    assert client.get("/t/alpha/my/units").status_code == 403
    assert client.get(f"/t/alpha/my/communities/{world.a.community_id}").status_code == 403
