"""Pickers: a form finds one of thousands by search, with or without JavaScript, and never offers (or
names) what the tenant or the member's role keeps out of reach."""
from __future__ import annotations

import html
import re

import pytest

from portal.pickers.services import PICKER_LIMIT
from tenants.roles import Role
from tests.conftest import csrf_token_for
from tests.factories import World
from tests.portal import bulk
from tests.portal.pages import field_error, in_english, page_text
from tests.routewalk import changed_tables, db_state

A = "/t/alpha"


def options(page: str, name: str) -> dict[str, str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no <select name={name}>"
    return {value: html.unescape(label) for value, label in
            re.findall(r'<option[^>]*value="([^"]*)"[^>]*>(.*?)</option>', select.group(1), re.S)}


@pytest.fixture
def many(app, world: World) -> dict:
    """150 communities, firms and staff members in tenant A (tenant B keeps its one of each)."""
    def build():
        return {"communities": bulk.communities(world.a, 150, "选择小区"), "firms": bulk.firms(world.a, 150, "选择物业"),
                "members": bulk.members(world.a, 150, "选择成员"), "managers": bulk.managers(world.a, 150, "选择经理")}

    return bulk.in_tenant(app, world.a, build)


# --- the JSON search behind the script ------------------------------------------------------------------

@pytest.mark.parametrize("kind, marker", [("communities", "选择小区"), ("firms", "选择物业"), ("members", "选择成员"),
                                          ("managers", "选择经理")])
def test_a_search_lists_at_most_a_screenful_and_says_how_many_match(world: World, client_as, many, kind, marker):
    admin = client_as(Role.BUREAU_ADMIN, "a")
    everything = admin.get(f"{A}/pick/{kind}").json
    assert len(everything["options"]) == PICKER_LIMIT and everything["total"] >= 150
    found = admin.get(f"{A}/pick/{kind}", query_string={"q": f"{marker}14"}).json
    assert [o["label"].split("：")[-1] for o in found["options"]] == [f"{marker}14{i}" for i in range(10)]
    assert found["total"] == 10 and "10" in found["summary"]


def test_a_search_never_finds_another_tenants_objects(world: World, client_as):
    admin_a = client_as(Role.BUREAU_ADMIN, "a")
    for kind in ("communities", "firms", "areas", "managers", "members"):
        mine = admin_a.get(f"{A}/pick/{kind}", query_string={"q": world.a.sentinel}).json
        assert mine["total"] >= 1 and all(world.a.sentinel in o["label"] for o in mine["options"]), kind
        theirs = admin_a.get(f"{A}/pick/{kind}", query_string={"q": world.b.sentinel}).json
        assert theirs == {"options": [], "total": 0, "summary": theirs["summary"]}, kind
        # Tenant B's administrator cannot search tenant A at all.
        assert client_as(Role.BUREAU_ADMIN, "b").get(f"{A}/pick/{kind}").status_code == 404
    # Nor do the forms' pickers, whatever is searched or chosen.
    for url in (f"{A}/contracts/new?community_id_q={world.b.sentinel}&firm_id_q={world.b.sentinel}"
                f"&community_id={world.b.community_id}&firm_id={world.b.firm_id}",
                f"{A}/members/new?area_id_q={world.b.sentinel}&community_id_q=SENTINEL&firm_id_q=SENTINEL",
                f"{A}/audit/?actor_q={world.b.sentinel}&actor={world.b.users[Role.BUREAU_ADMIN]}"):
        page = admin_a.get(url)
        assert page.status_code == 200 and world.b.sentinel not in page_text(page.text).replace(
            f"“{world.b.sentinel}”", ""), url


@pytest.mark.parametrize("role, kind, allowed", [
    (Role.BUREAU_STAFF, "members", True), (Role.AREA_OFFICER, "members", False),
    (Role.AREA_OFFICER, "communities", True), (Role.FIRM_STAFF, "firms", True), (Role.OWNER, "communities", False),
    (Role.COMMITTEE_MEMBER, "areas", True), (Role.OWNER, "areas", False),
])
def test_who_may_search_what(client_as, role, kind, allowed):
    assert client_as(role, "a").get(f"{A}/pick/{kind}").status_code == (200 if allowed else 403)


def test_a_role_finds_only_what_it_may_see(app, world: World, client_as, many):
    """The officer sees the communities of her area; firm staff their own firm; nothing else is found."""
    outside = bulk.in_tenant(app, world.a, lambda: bulk.elsewhere(world.a, "界外", 902))
    officer = client_as(Role.AREA_OFFICER, "a")
    found = officer.get(f"{A}/pick/communities", query_string={"q": "界外"}).json
    assert found["total"] == 0
    assert officer.get(f"{A}/pick/areas", query_string={"q": "界外"}).json["total"] == 0
    assert officer.get(f"{A}/pick/communities").json["total"] == 151  # the world's one and the 150 in her office
    staff = client_as(Role.FIRM_STAFF, "a")
    firms = staff.get(f"{A}/pick/firms").json
    assert [o["value"] for o in firms["options"]] == [world.a.firm_id]
    assert outside["firm_id"] not in [o["value"] for o in staff.get(f"{A}/pick/firms", query_string={"q": "界外"}).json["options"]]


def test_the_managers_of_one_firm(world: World, client_as, many):
    admin = client_as(Role.BUREAU_ADMIN, "a")
    of_firm = admin.get(f"{A}/pick/managers", query_string={"firm_id": world.a.firm_id}).json
    assert of_firm["total"] == 151
    assert admin.get(f"{A}/pick/managers", query_string={"firm_id": many["firms"][0]}).json["total"] == 0
    streets = admin.get(f"{A}/pick/areas", query_string={"kind": "top"}).json  # streets only
    assert [o["value"] for o in streets["options"]] == [world.a.area_id]


@pytest.mark.parametrize("q", ["x" * 101, "ab\x00cd", "ab\u202ecd"])
def test_a_search_with_junk_is_refused_with_the_rule(client_as, q):
    response = client_as(Role.BUREAU_ADMIN, "a").get(f"{A}/pick/communities", query_string={"q": q})
    assert response.status_code == 400 and response.json["error"] and response.json["options"] == []


@pytest.mark.parametrize("q", ["%", "_", "' OR 1=1 --", "😀", "小区 SENTINEL"])
def test_odd_searches_are_literal(world: World, client_as, q):
    found = client_as(Role.BUREAU_ADMIN, "a").get(f"{A}/pick/communities", query_string={"q": q}).json
    assert found["total"] == (1 if q.startswith("小区") else 0)


# --- the form without JavaScript --------------------------------------------------------------------------

def test_find_shows_the_matches_keeps_what_was_typed_and_saves_nothing(app, world: World, client_as, many):
    admin = in_english(client_as(Role.BUREAU_ADMIN, "a"))
    page = admin.get(f"{A}/contracts/new")
    assert len(options(page.text, "community_id")) <= PICKER_LIMIT + 1  # the blank choice and a page of matches
    assert f"The first {PICKER_LIMIT} of 151 communities are listed" in page_text(page.text)
    token = csrf_token_for(admin, f"{A}/contracts/new")
    typed = {"csrf_token": token, "community_id": "", "community_id_q": "选择小区07", "firm_id": str(world.a.firm_id),
             "firm_id_q": "", "start_date": "2030-01-01", "end_date": "", "fee_model": "commission", "grade": "grade2",
             "manager_id": "", "pick": "community_id"}
    before = db_state(app)
    found = admin.post(f"{A}/contracts/new", data=typed)
    assert found.status_code == 200 and changed_tables(before, db_state(app)) == []
    offered = options(found.text, "community_id")
    assert sorted(label for value, label in offered.items() if value) == [f"选择小区07{i}" for i in range(10)]
    assert "10 communities match “选择小区07”." in page_text(found.text)
    # Everything typed is still there, the chosen firm is still chosen.
    assert 'value="2030-01-01"' in found.text and 'value="选择小区07"' in found.text
    assert re.search(r'<option selected value="commission">', found.text)
    assert re.search(rf'<option selected value="{world.a.firm_id}">', found.text)
    # The firm's project managers only, once the firm is chosen.
    managers = options(found.text, "manager_id")
    assert len(managers) == PICKER_LIMIT + 1 and all(label.startswith("物业") or not value
                                                     for value, label in managers.items())
    # Then choose one and save.
    chosen = next(value for value, label in offered.items() if label == "选择小区073")
    saved = admin.post(f"{A}/contracts/new", data={**typed, "community_id": chosen, "pick": ""})
    assert saved.status_code == 303, field_error(saved.text, "community_id")


def test_a_link_may_carry_the_search(world: World, client_as, many):
    page = client_as(Role.BUREAU_ADMIN, "a").get(f"{A}/members/new?community_id_q=选择小区12&firm_id_q=选择物业0")
    assert sorted(v for v in options(page.text, "community_id").values() if v.startswith("选择")) == \
        [f"选择小区12{i}" for i in range(10)]
    assert len([v for v in options(page.text, "firm_id").values() if v.startswith("选择")]) == PICKER_LIMIT


def test_a_search_with_junk_in_a_form_names_the_rule(app, client_as):
    admin = in_english(client_as(Role.BUREAU_ADMIN, "a"))
    token = csrf_token_for(admin, f"{A}/contracts/new")
    before = db_state(app)
    response = admin.post(f"{A}/contracts/new", data={"csrf_token": token, "pick": "community_id",
                                                      "community_id_q": "ab\x00cd"})
    assert response.status_code == 400 and "U+0000" in field_error(response.text, "community_id")
    assert changed_tables(before, db_state(app)) == []


def test_the_chosen_id_is_still_checked_when_saved(app, world: World, client_as):
    """An id typed into the request (another tenant's community) is refused by the service, as before."""
    admin = in_english(client_as(Role.BUREAU_ADMIN, "a"))
    token = csrf_token_for(admin, f"{A}/contracts/new")
    before = db_state(app)
    response = admin.post(f"{A}/contracts/new", data={
        "csrf_token": token, "community_id": str(world.b.community_id), "firm_id": str(world.a.firm_id),
        "start_date": "2030-01-01", "fee_model": "lump_sum", "grade": "grade1"})
    assert response.status_code == 400 and "registered in this tenant" in field_error(response.text, "community_id")
    assert world.b.sentinel not in response.text
    assert changed_tables(before, db_state(app)) == []


def test_a_chosen_value_stays_listed_whatever_the_search(world: World, client_as, many):
    admin = client_as(Role.BUREAU_ADMIN, "a")
    page = admin.get(f"{A}/members/{world.a.memberships[Role.COMMITTEE_MEMBER]}/edit?community_id_q=选择小区00")
    offered = options(page.text, "community_id")
    assert offered[str(world.a.community_id)] == f"小区{world.a.sentinel}"
    assert re.search(rf'<option selected value="{world.a.community_id}">', page.text)


def test_the_script_comes_with_the_pickers_only(client, client_as):
    admin = client_as(Role.BUREAU_ADMIN, "a")
    assert "/static/js/picker.js" in admin.get(f"{A}/contracts/new").text
    assert "/static/js/picker.js" not in admin.get(f"{A}/dashboard").text
    script = client.get("/static/js/picker.js")
    assert script.status_code == 200 and "javascript" in script.mimetype


# --- the first page kept for a short while (city-scale filter bars) --------------------------------------

@pytest.fixture
def keep_first_pages(app):
    from portal.pickers import services

    services._first_pages.clear()
    app.config["PICKER_FIRST_PAGE_SECONDS"] = 30
    yield services._first_pages
    app.config["PICKER_FIRST_PAGE_SECONDS"] = 0
    services._first_pages.clear()


def test_a_long_lists_first_page_is_kept_per_view_and_a_search_or_a_short_list_never(
        app, world: World, client_as, many, keep_first_pages):
    admin = client_as(Role.BUREAU_ADMIN, "a")
    first = admin.get(f"{A}/pick/firms").json
    assert len(keep_first_pages) == 1 and first["total"] >= 150
    # Kept: a firm added now is not on it for a while (it is found by a search at once).
    bulk.in_tenant(app, world.a, lambda: bulk.firms(world.a, 1, "新加物业", seed=990))
    assert admin.get(f"{A}/pick/firms").json == first
    assert admin.get(f"{A}/pick/firms", query_string={"q": "新加物业"}).json["total"] == 1
    assert len(keep_first_pages) == 1
    # Another view of the registry has its own page: firm staff see their firm only, never the bureau's list.
    staff = client_as(Role.FIRM_STAFF, "a").get(f"{A}/pick/firms").json
    assert staff["total"] < first["total"] and len(staff["options"]) == staff["total"]
    # Another tenant's administrator neither reads nor fills it.
    assert client_as(Role.BUREAU_ADMIN, "b").get("/t/beta/pick/firms").json["total"] == 1
    # A short list (tenant B's one firm, the areas of A) is always read afresh: nothing kept for it.
    assert client_as(Role.BUREAU_ADMIN, "a").get(f"{A}/pick/areas").status_code == 200
    assert len(keep_first_pages) == 1
