"""Areas, communities, buildings and owners' committees: pages, validation, visibility, masking, audit."""
from __future__ import annotations

import datetime as dt

import pytest

from portal.communities.models import Area, AreaKind, Building, CommitteeMember, Community, OwnersCommittee
from tenants.roles import Role
from tests.conftest import table_snapshot
from tests.portal.communities.helpers import audit_events, post, rows
from tests.portal.pages import field_error, flashes, in_english, page_text

A = "/t/alpha"


@pytest.fixture
def admin(client_as):
    return in_english(client_as(Role.BUREAU_ADMIN, "a"))


def community_form(world, **overrides) -> dict:
    data = {"name": "阳光花园", "address": "人民路1号", "area_id": world.a.office_id, "service_grade": "grade1",
            "declared_units": "120", "revenue_bank": "农业银行", "revenue_account_name": "阳光花园业主大会",
            "revenue_account_number": "6228 4800 1234 5678 901"}
    data.update(overrides)
    return data


# --- areas ------------------------------------------------------------------------------------------

def test_bureau_adds_a_street_and_an_office_under_it(app, world, admin):
    response = post(admin, f"{A}/areas/", {"kind": "street", "name": "新街道", "parent_id": ""})
    assert response.status_code == 303
    street = [a for a in rows(app, world, Area) if a.name == "新街道"][0]
    assert street.kind == AreaKind.STREET and street.parent_id is None
    response = post(admin, f"{A}/areas/", {"kind": "community_office", "name": "新社区", "parent_id": street.id})
    assert response.status_code == 303
    office = [a for a in rows(app, world, Area) if a.name == "新社区"][0]
    assert office.parent_id == street.id
    page = admin.get(f"{A}/areas/").text
    assert "新街道" in page and "新社区" in page
    events = audit_events(app, world, "area.created")
    assert [e.summary for e in events] == ["新街道", "新社区"]


@pytest.mark.parametrize("data, field, message", [
    ({"kind": "community_office", "name": "孤儿社区", "parent_id": ""}, "parent_id", "must belong to a street"),
    ({"kind": "street", "name": "", "parent_id": ""}, "name", "Enter the area's name"),
    ({"kind": "street", "name": "街道SENTINELA1", "parent_id": ""}, "name", "street office with this name already exists"),
])
def test_area_rules_are_refused_with_a_field_message(app, world, admin, data, field, message):
    before = table_snapshot(app)
    response = post(admin, f"{A}/areas/", data)
    assert response.status_code == 400
    assert message in (field_error(response.text, field) or "")
    assert table_snapshot(app) == before


def test_office_names_are_unique_under_one_street_but_may_repeat_elsewhere(app, world, admin):
    clash = post(admin, f"{A}/areas/", {"kind": "community_office", "name": "社区SENTINELA1", "parent_id": world.a.area_id})
    assert clash.status_code == 400
    assert "already has a community office" in field_error(clash.text, "name")
    post(admin, f"{A}/areas/", {"kind": "street", "name": "另一街道", "parent_id": ""})
    other = [a for a in rows(app, world, Area) if a.name == "另一街道"][0]
    ok = post(admin, f"{A}/areas/", {"kind": "community_office", "name": "社区SENTINELA1", "parent_id": other.id})
    assert ok.status_code == 303


def test_an_office_cannot_be_the_parent_of_an_office(app, world, admin):
    response = post(admin, f"{A}/areas/", {"kind": "community_office", "name": "x", "parent_id": world.a.office_id})
    assert response.status_code == 400
    assert "not to another community office" in field_error(response.text, "parent_id")


def test_rename_area_is_audited_with_before_and_after(app, world, admin):
    response = post(admin, f"{A}/areas/{world.a.office_id}/edit", {"name": "更名社区"})
    assert response.status_code == 303
    assert [a.name for a in rows(app, world, Area, "a", Area.id == world.a.office_id)] == ["更名社区"]
    event = audit_events(app, world, "area.renamed")[-1]
    assert "社区SENTINELA1" in event.before and "更名社区" in event.after


def test_officers_do_not_manage_areas(client_as, world):
    officer = client_as(Role.AREA_OFFICER, "a")
    assert officer.get(f"{A}/areas/").status_code == 403


# --- communities ------------------------------------------------------------------------------------

def test_create_community_shows_it_in_the_list_with_area_grade_units_and_firm(app, world, admin):
    response = post(admin, f"{A}/communities/new", community_form(world))
    assert response.status_code == 303
    created = [c for c in rows(app, world, Community) if c.name == "阳光花园"][0]
    assert created.revenue_account_number == "62284800123456789 01".replace(" ", "")
    assert created.declared_units == 120 and created.area_id == world.a.office_id
    listing = page_text(admin.get(f"{A}/communities/").text)
    assert "阳光花园" in listing and "Grade 1" in listing and "0 / 120" in listing
    # The world's community: 2 registered units of 2 declared, served by the world's firm.
    assert "2 / 2" in listing and f"物业{world.a.sentinel}" in listing
    event = audit_events(app, world, "community.created")[-1]
    assert "阳光花园" in event.after and "6228480012345678901" not in event.after


@pytest.mark.parametrize("overrides, field, message", [
    ({"name": ""}, "name", "Enter the community's name"),
    ({"name": "小区SENTINELA1"}, "name", "already exists"),
    ({"area_id": ""}, "area_id", "Choose the street or community office"),
    ({"area_id": "999999"}, "area_id", "No such area"),
    ({"service_grade": ""}, "service_grade", "Choose the contracted service grade"),
    ({"service_grade": "grade9"}, "service_grade", "Choose grade 1, 2 or 3"),
    ({"declared_units": "-1"}, "declared_units", "from 0 to 1,000,000"),
    ({"revenue_account_number": "12ab"}, "revenue_account_number", "6 to 32 digits"),
    ({"revenue_bank": ""}, "revenue_bank", "Enter the bank"),
])
def test_community_validation_names_the_field_and_writes_nothing(app, world, admin, overrides, field, message):
    before = table_snapshot(app)
    response = post(admin, f"{A}/communities/new", community_form(world, **overrides))
    assert response.status_code == 400
    assert message in (field_error(response.text, field) or ""), response.text
    assert table_snapshot(app) == before


def test_another_tenants_area_cannot_be_chosen(app, world, admin):
    before = table_snapshot(app)
    response = post(admin, f"{A}/communities/new", community_form(world, area_id=world.b.office_id))
    assert response.status_code == 400 and "No such area" in field_error(response.text, "area_id")
    assert table_snapshot(app) == before


def test_edit_community_is_audited_before_after(app, world, admin):
    url = f"{A}/communities/{world.a.community_id}/edit"
    page = admin.get(url)
    assert page.status_code == 200 and "6222020000001234567" in page.text  # the bureau sees it in full to edit it
    response = post(admin, url, community_form(world, name="新名字", service_grade="grade3"))
    assert response.status_code == 303
    (c,) = rows(app, world, Community, "a", Community.id == world.a.community_id)
    assert c.name == "新名字" and c.service_grade.value == "grade3"
    event = audit_events(app, world, "community.updated")[-1]
    assert "grade2" in event.before and "grade3" in event.after and "新名字" in event.after


def test_detail_shows_buildings_committee_and_contract_history(app, world, admin):
    page = admin.get(f"{A}/communities/{world.a.community_id}")
    assert page.status_code == 200
    text = page_text(page.text)
    for expected in (f"1号楼{world.a.sentinel}", "2 units", f"主任{world.a.sentinel}", "Director",
                     f"物业{world.a.sentinel}", f"备案{world.a.sentinel}", "2025-01-01", "in force", "Lump-sum"):
        assert expected in text, expected
    assert "6222020000001234567" in text  # the bureau sees the whole account number


@pytest.mark.parametrize("role", [Role.AREA_OFFICER, Role.FIRM_STAFF, Role.COMMITTEE_MEMBER])
def test_other_roles_see_the_account_number_masked_and_no_edit_links(client_as, world, role):
    client = in_english(client_as(role, "a"))
    page = client.get(f"{A}/communities/{world.a.community_id}")
    assert page.status_code == 200
    assert "6222020000001234567" not in page.text
    assert "6222***********4567" in page.text
    assert f"/communities/{world.a.community_id}/edit" not in page.text
    assert client.get(f"{A}/communities/{world.a.community_id}/edit").status_code == 403


def make_community_elsewhere(app, world, client) -> int:
    """A second street with its own community, outside the officer's street."""
    post(client, f"{A}/areas/", {"kind": "street", "name": "远方街道", "parent_id": ""})
    street = [a for a in rows(app, world, Area) if a.name == "远方街道"][0]
    post(client, f"{A}/communities/new", community_form(world, name="远方小区", area_id=street.id,
                                                         revenue_bank="", revenue_account_name="",
                                                         revenue_account_number=""))
    return [c for c in rows(app, world, Community) if c.name == "远方小区"][0].id


def test_an_officer_sees_only_their_area(app, world, admin, client_as):
    elsewhere = make_community_elsewhere(app, world, admin)
    officer = in_english(client_as(Role.AREA_OFFICER, "a"))
    listing = officer.get(f"{A}/communities/").text
    assert f"小区{world.a.sentinel}" in listing and "远方小区" not in listing
    assert officer.get(f"{A}/communities/{elsewhere}").status_code == 404
    assert officer.get(f"{A}/communities/{world.a.community_id}").status_code == 200
    # The area filter offers only their own street and its offices.
    assert "远方街道" not in listing
    # The bureau sees both, and can filter by area.
    everything = admin.get(f"{A}/communities/").text
    assert "远方小区" in everything and f"小区{world.a.sentinel}" in everything
    filtered = admin.get(f"{A}/communities/?area_id={world.a.area_id}").text
    assert "远方小区" not in filtered and f"小区{world.a.sentinel}" in filtered


def test_committee_member_and_firm_staff_see_only_their_communities(app, world, admin, client_as):
    elsewhere = make_community_elsewhere(app, world, admin)
    for role in (Role.COMMITTEE_MEMBER, Role.FIRM_STAFF):
        client = client_as(role, "a")
        listing = client.get(f"{A}/communities/").text
        assert f"小区{world.a.sentinel}" in listing and "远方小区" not in listing, role
        assert client.get(f"{A}/communities/{elsewhere}").status_code == 404, role


def test_firm_staff_lose_sight_of_a_community_when_the_contract_ends(app, world, admin, client_as):
    staff = client_as(Role.FIRM_STAFF, "a")
    assert staff.get(f"{A}/communities/{world.a.community_id}").status_code == 200
    response = post(admin, f"{A}/contracts/{world.a.contract_id}/end", {"end_date": "2025-06-30", "reason": "合同到期"})
    assert response.status_code == 303
    assert staff.get(f"{A}/communities/{world.a.community_id}").status_code == 404


def test_owners_do_not_see_the_registry(client_as, world):
    owner = client_as(Role.OWNER, "a")
    assert owner.get(f"{A}/communities/").status_code == 403
    assert owner.get(f"{A}/communities/{world.a.community_id}").status_code == 403


# --- buildings --------------------------------------------------------------------------------------

def test_add_and_rename_buildings(app, world, admin):
    url = f"{A}/communities/{world.a.community_id}/buildings"
    response = post(admin, url, {"name": "2号楼"}, token_page=f"{A}/communities/{world.a.community_id}")
    assert response.status_code == 303
    clash = post(admin, url, {"name": "2号楼"}, token_page=f"{A}/communities/{world.a.community_id}")
    assert clash.status_code == 400 and "already has a building" in field_error(clash.text, "name")
    building = [b for b in rows(app, world, Building) if b.name == "2号楼"][0]
    renamed = post(admin, f"{A}/buildings/{building.id}/edit", {"name": "2号楼B"})
    assert renamed.status_code == 303
    clash = post(admin, f"{A}/buildings/{building.id}/edit", {"name": f"1号楼{world.a.sentinel}"})
    assert clash.status_code == 400
    page = page_text(admin.get(f"{A}/communities/{world.a.community_id}").text)
    assert "2号楼B" in page and "0 units" in page
    assert [e.action for e in audit_events(app, world, "building.created")] == ["building.created"]
    assert "2号楼B" in audit_events(app, world, "building.updated")[-1].after


# --- owners' committee ------------------------------------------------------------------------------

def committee_url(world):
    return f"{A}/communities/{world.a.community_id}/committee"


@pytest.mark.parametrize("data, field, message", [
    ({"term_start": "2024-06-01", "term_end": "2024-05-01"}, "term_end", "must end after it starts"),
    ({"term_start": "2024-06-01", "term_end": "2029-06-02"}, "term_end", "at most 5 years"),
    ({"term_start": "2024-06-01", "term_end": "2026-06-01", "filing_date": "2024-05-31"}, "filing_date",
     "cannot be before the term started"),
    ({"term_start": "", "term_end": "2026-06-01"}, "term_start", "Enter the date"),
])
def test_committee_dates_are_validated(app, world, admin, data, field, message):
    before = table_snapshot(app)
    response = post(admin, committee_url(world), {"filing_date": "", "filing_ref": "", **data})
    assert response.status_code == 400
    assert message in (field_error(response.text, field) or ""), response.text
    assert table_snapshot(app) == before


def test_a_five_year_term_to_the_day_is_allowed_and_late_filing_is_flagged(app, world, admin):
    response = post(admin, committee_url(world), {"term_start": "2024-06-01", "term_end": "2029-06-01",
                                                  "filing_date": "2024-07-15", "filing_ref": "高备字12号"})
    assert response.status_code == 303
    (committee,) = rows(app, world, OwnersCommittee)
    assert committee.filing_date == dt.date(2024, 7, 15) and committee.filing_ref == "高备字12号"
    page = page_text(admin.get(f"{A}/communities/{world.a.community_id}").text)
    assert "Filed more than 30 days after the term started." in page
    event = audit_events(app, world, "committee.updated")[-1]
    assert "2024-06-20" in event.before and "2024-07-15" in event.after


def test_filing_within_30_days_has_no_warning(world, admin):
    page = page_text(admin.get(f"{A}/communities/{world.a.community_id}").text)
    assert "Filed more than 30 days" not in page  # the world's committee filed 19 days after its term began


def test_committee_members_add_edit_remove(app, world, admin):
    detail = f"{A}/communities/{world.a.community_id}"
    response = post(admin, f"{detail}/committee/members", {"name": "李副主任", "position": "deputy",
                                                           "phone": "13800001111"}, token_page=detail)
    assert response.status_code == 303
    bad = post(admin, f"{detail}/committee/members", {"name": "王", "position": "boss", "phone": ""}, token_page=detail)
    assert bad.status_code == 400 and field_error(bad.text, "position")
    bad_phone = post(admin, f"{detail}/committee/members", {"name": "王", "position": "member", "phone": "call me"},
                     token_page=detail)
    assert bad_phone.status_code == 400 and "phone number" in field_error(bad_phone.text, "phone")
    member = [m for m in rows(app, world, CommitteeMember) if m.name == "李副主任"][0]
    text = page_text(admin.get(detail).text)
    # Ordered by position: the director first, then the deputy.
    assert text.index(f"主任{world.a.sentinel}") < text.index("李副主任") and "Deputy director" in text
    edited = post(admin, f"{A}/committee-members/{member.id}/edit", {"name": "李主任", "position": "member", "phone": ""})
    assert edited.status_code == 303
    removed = post(admin, f"{A}/committee-members/{member.id}/remove", {"reason": "辞职"},
                   token_page=f"{A}/committee-members/{member.id}/edit")
    assert removed.status_code == 303
    assert [m.name for m in rows(app, world, CommitteeMember)] == [f"主任{world.a.sentinel}"]
    assert audit_events(app, world, "committee.member_removed")[-1].reason == "辞职"
    assert "李主任" in audit_events(app, world, "committee.member_updated")[-1].after


def test_committee_is_created_when_there_is_none(app, world, admin):
    post(admin, f"{A}/communities/new", community_form(world, name="新小区", revenue_bank="", revenue_account_name="",
                                                       revenue_account_number=""))
    new_id = [c for c in rows(app, world, Community) if c.name == "新小区"][0].id
    page = page_text(admin.get(f"{A}/communities/{new_id}").text)
    assert "No owners' committee registered." in page
    response = post(admin, f"{A}/communities/{new_id}/committee", {"term_start": "2025-01-01", "term_end": "2030-01-01",
                                                                   "filing_date": "", "filing_ref": ""})
    assert response.status_code == 303
    assert audit_events(app, world, "committee.created")


# --- cross-tenant -----------------------------------------------------------------------------------

def cross_tenant_urls(world):
    a = world.a
    return [
        ("GET", f"/t/beta/communities/{a.community_id}"),
        ("GET", f"/t/beta/communities/{a.community_id}/edit"),
        ("POST", f"/t/beta/communities/{a.community_id}/edit"),
        ("POST", f"/t/beta/communities/{a.community_id}/buildings"),
        ("GET", f"/t/beta/buildings/{a.building_id}/edit"),
        ("POST", f"/t/beta/buildings/{a.building_id}/edit"),
        ("GET", f"/t/beta/communities/{a.community_id}/committee"),
        ("POST", f"/t/beta/communities/{a.community_id}/committee"),
        ("POST", f"/t/beta/communities/{a.community_id}/committee/members"),
        ("GET", f"/t/beta/committee-members/{a.committee_member_id}/edit"),
        ("POST", f"/t/beta/committee-members/{a.committee_member_id}/remove"),
        ("GET", f"/t/beta/areas/{a.office_id}/edit"),
        ("POST", f"/t/beta/areas/{a.office_id}/edit"),
    ]


def test_tenant_b_bureau_cannot_reach_tenant_a_objects(app, world, client_as):
    b_admin = client_as(Role.BUREAU_ADMIN, "b")
    from tests.conftest import csrf_token_for

    token = csrf_token_for(b_admin)
    before = table_snapshot(app)
    for method, url in cross_tenant_urls(world):
        response = b_admin.open(url, method=method, data={"csrf_token": token, "name": "x", "reason": "x",
                                                          "term_start": "2024-01-01", "term_end": "2025-01-01",
                                                          "position": "member", "kind": "street"})
        assert response.status_code == 404, (method, url, response.status_code)
        assert world.a.sentinel not in response.text
    assert table_snapshot(app) == before
    # And A's own URLs (A slug) refuse B's admin outright.
    assert b_admin.get(f"/t/alpha/communities/{world.a.community_id}").status_code == 404
    assert b_admin.get("/t/alpha/communities/").status_code == 404


def test_flash_after_save(world, admin):
    response = post(admin, f"{A}/areas/{world.a.area_id}/edit", {"name": "改名街道"})
    page = admin.get(response.headers["Location"]).text
    assert "Area renamed." in flashes(page)


def test_a_committee_has_one_director_at_most(app, world, admin):
    detail = f"{A}/communities/{world.a.community_id}"
    before = table_snapshot(app)
    second = post(admin, f"{detail}/committee/members", {"name": "张主任", "position": "director", "phone": ""},
                  token_page=detail)
    assert second.status_code == 400
    assert f"already has a director (主任{world.a.sentinel})" in field_error(second.text, "position")
    assert table_snapshot(app) == before
    assert post(admin, f"{detail}/committee/members", {"name": "李委员", "position": "member", "phone": ""},
                token_page=detail).status_code == 303
    member = [m for m in rows(app, world, CommitteeMember) if m.name == "李委员"][0]
    promoted = post(admin, f"{A}/committee-members/{member.id}/edit", {"name": "李委员", "position": "director",
                                                                       "phone": ""})
    assert promoted.status_code == 400 and "already has a director" in field_error(promoted.text, "position")
    # The director keeps the position when their own details change.
    director = [m for m in rows(app, world, CommitteeMember) if m.name == f"主任{world.a.sentinel}"][0]
    assert post(admin, f"{A}/committee-members/{director.id}/edit", {"name": director.name, "position": "director",
                                                                     "phone": "13800002222"}).status_code == 303


def test_the_member_form_chooses_no_position_in_advance(world, admin):
    page = admin.get(f"{A}/communities/{world.a.community_id}").text
    select = page[page.index('name="position"'):]
    select = select[:select.index("</select>")]
    assert "selected" not in select and '<option value="">' in select
    detail = f"{A}/communities/{world.a.community_id}"
    unchosen = post(admin, f"{detail}/committee/members", {"name": "王", "position": "", "phone": ""}, token_page=detail)
    assert unchosen.status_code == 400 and "Choose a position" in field_error(unchosen.text, "position")


@pytest.mark.parametrize("typed, saved", [("１２０", 120), (" 120 ", 120), ("٣", None), ("99999999999999999999", None),
                                          ("-1", None), ("1.5", None)])
def test_declared_units_read_full_width_digits_and_refuse_other_numbers(app, world, admin, typed, saved):
    before = table_snapshot(app)
    response = post(admin, f"{A}/communities/new", community_form(world, declared_units=typed))
    if saved is None:
        assert response.status_code == 400
        assert "whole number of units from 0 to 1,000,000" in field_error(response.text, "declared_units")
        assert table_snapshot(app) == before
    else:
        assert response.status_code == 303
        assert [c.declared_units for c in rows(app, world, Community) if c.name == "阳光花园"] == [saved]
