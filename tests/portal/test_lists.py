"""Every list of the portal answers one page of bounded size, however many rows there are: the count the
database made, the page's items, and the link to the next page; junk paging and search input never a 500;
filters only ever narrow what a role may see."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlencode

import pytest

from portal.listing import DEFAULT_PER_PAGE, PAGE_SIZES
from tenants.roles import Role
from tests.conftest import login
from tests.factories import World
from tests.portal import bulk
from tests.portal.evaluation.setup import bulk as evaluation_bulk
from tests.portal.pages import in_english, page_text


@dataclass
class ListCase:
    """One list: where it is, who reads it, how its rows are made, and how a page of it is cut."""

    name: str
    url: Callable[[World], str]
    build: Callable  # (world.a, count, marker) inside tenant A; or (app, count, marker) when platform
    marker: str
    per_page: int = DEFAULT_PER_PAGE
    param: str = "page"
    reader: str = "admin"  # or "platform"
    sizes: bool = True  # a second list on its page, or a detail page's list, has a fixed page size

    @property
    def rows(self) -> int:
        return 2 * self.per_page + 5  # three pages, the last one short


def units_url(w: World) -> str:
    return f"/t/alpha/roster/{w.a.community_id}/units"


def building_codes_url(w: World) -> str:
    return f"/t/alpha/claim-codes/{w.a.community_id}/buildings/{w.a.building_id}"


LISTS = [
    ListCase("communities", lambda w: "/t/alpha/communities/", bulk.communities, "列表小区"),
    ListCase("roster index", lambda w: "/t/alpha/roster/", bulk.communities, "列表小区"),
    ListCase("claim-codes index", lambda w: "/t/alpha/claim-codes/", bulk.communities, "列表小区"),
    ListCase("areas", lambda w: "/t/alpha/areas/", bulk.offices, "列表社区"),
    ListCase("firms", lambda w: "/t/alpha/firms/", bulk.firms, "列表物业"),
    ListCase("contracts", lambda w: "/t/alpha/contracts/", bulk.contracts, "列表合同小区"),
    ListCase("a firm's contracts", lambda w: f"/t/alpha/firms/{w.a.firm_id}", bulk.contracts, "列表合同小区",
             sizes=False),
    ListCase("a firm's project managers", lambda w: f"/t/alpha/firms/{w.a.firm_id}", bulk.managers, "列表经理",
             param="managers_page", sizes=False),
    ListCase("members", lambda w: "/t/alpha/members/", bulk.members, "列表成员"),
    ListCase("open invitations", lambda w: "/t/alpha/members/", bulk.invitations, "listinv",
             param="invitations_page", sizes=False),
    ListCase("audit log", lambda w: "/t/alpha/audit/", bulk.events, "列表事件", per_page=50),
    ListCase("units of a community", units_url, bulk.units, "LU", per_page=50),
    ListCase("a building's claim codes", building_codes_url, bulk.building_units, "LB"),
    # The features' lists: repairs and complaints, the revenue ledger (staff overview and the public list),
    # the notice boards the bureau reads.
    ListCase("tickets", lambda w: "/t/alpha/tickets/", bulk.tickets, "列表工单"),
    ListCase("12345 review list", lambda w: "/t/alpha/hotline/review", bulk.hotline_orders, "列表热线"),
    ListCase("revenue ledger overview", lambda w: "/t/alpha/ledger/", bulk.communities, "列表小区"),
    ListCase("public revenue list", lambda w: "/t/alpha/revenue/", bulk.communities, "列表小区"),
    ListCase("notice boards", lambda w: "/t/alpha/boards/", bulk.contracts, "列表合同小区"),
    ListCase("evaluation ranking", lambda w: f"/t/alpha/evaluation/results/{w.a.eval_result_period_id}/",
             bulk.evaluation_results, "列表评价"),
    # Evaluation inputs: the projects the bureau assesses in a period, the owners' comments to moderate.
    ListCase("evaluation assessments", lambda w: f"/t/alpha/evaluation/periods/{w.a.eval_period_id}/assessments",
             bulk.communities, "列表小区"),
    ListCase("owners' comments", lambda w: f"/t/alpha/evaluation/periods/{w.a.eval_period_id}/comments",
             bulk.owner_comments, "列表意见"),
    ListCase("evaluation periods", lambda w: "/t/alpha/evaluation/periods/", evaluation_bulk.periods, "列表周期"),
    ListCase("evaluation adjustments", lambda w: "/t/alpha/evaluation/adjustments/", evaluation_bulk.adjustments,
             "列表扣分"),
    ListCase("platform tenants", lambda w: "/platform/", bulk.tenants, "LISTTENANT", reader="platform"),
    ListCase("platform accounts", lambda w: "/platform/", bulk.accounts, "列表账号", param="users_page",
             reader="platform", sizes=False),
]


def make_rows(app, world: World, case: ListCase) -> None:
    if case.reader == "platform":
        case.build(app, case.rows, case.marker)
    else:
        bulk.in_tenant(app, world.a, lambda: case.build(world.a, case.rows, case.marker))


def reader(app, world: World, case: ListCase):
    client = in_english(app.test_client())
    who = world.platform_admin_login if case.reader == "platform" else world.a.logins[Role.BUREAU_ADMIN]
    assert login(client, who).status_code == 302
    return client


def markers(page: str, marker: str) -> set[str]:
    """The marked rows a page shows (a row may show its marker twice: a name and an address)."""
    return set(re.findall(rf"{re.escape(marker)}\d{{3}}", html.unescape(page)))


def pager(page: str, param: str) -> str | None:
    """The next-page link of the list whose page number is ``param`` (a page may show two lists)."""
    for href in re.findall(r'<a href="([^"]+)" rel="next">', page):
        href = html.unescape(href)
        if re.search(rf"[?&]{param}=\d+", href):
            return href
    return None


def shown_total(page: str, first: int, last: int) -> int:
    """The total in the list's count line "first–last of total" for the page's own range."""
    found = re.search(rf"{first}–{last} of (\d+)", page_text(page))
    assert found, f"no count line for {first}–{last}"
    return int(found.group(1))


@pytest.mark.parametrize("case", LISTS, ids=lambda c: c.name)
def test_a_list_shows_one_page_the_total_and_the_next_page(app, world: World, case: ListCase):
    client = reader(app, world, case)
    before = set(markers(client.get(case.url(world)).text, case.marker))
    assert not before
    make_rows(app, world, case)

    first = client.get(case.url(world))
    assert first.status_code == 200
    total = shown_total(first.text, 1, case.per_page)
    others = total - case.rows  # the world's own rows in this list
    assert 0 <= others <= 20, (case.name, total)
    on_first = markers(first.text, case.marker)
    # A page, not the whole list: a page of rows (the world's own rows may come first).
    assert case.per_page - others <= len(on_first) <= case.per_page, (case.name, len(on_first))
    pages = -(-total // case.per_page)
    assert f"1 / {pages}" in page_text(first.text)

    # Following the next-page links visits every row exactly once.
    seen, page, visited = list(on_first), first, 1
    while (link := pager(page.text, case.param)) is not None:
        visited += 1
        assert f"{case.param}={visited}" in link
        page = client.get(link)
        assert page.status_code == 200
        found = markers(page.text, case.marker)
        assert len(found) <= case.per_page
        seen += found
    assert visited == pages
    assert sorted(seen) == sorted(f"{case.marker}{i:03d}" for i in range(case.rows))


@pytest.mark.parametrize("case", [c for c in LISTS if c.sizes], ids=lambda c: c.name)
def test_a_chosen_page_size_and_a_page_past_the_end(app, world: World, case: ListCase):
    client = reader(app, world, case)
    make_rows(app, world, case)
    size = min(s for s in PAGE_SIZES if s != case.per_page)
    page = client.get(f"{case.url(world)}?page_size={size}")
    assert len(markers(page.text, case.marker)) <= size and shown_total(page.text, 1, size) >= case.rows
    # Sizes the bar does not offer, and junk, read as the list's own size.
    for junk in ("7", "1000", "-20", "0", "abc", "２０"):
        page = client.get(f"{case.url(world)}?page_size={junk}")
        assert page.status_code == 200 and shown_total(page.text, 1, case.per_page) >= case.rows
    assert client.get(f"{case.url(world)}?{case.param}=999").status_code == 404  # no such page


JUNK_PAGES = ("0", "-1", "abc", "1.5", "1e3", "99999999999999999999", "2147483648", "１２", "٣", "")
JUNK_SEARCHES = ("x" * 10_000, "ab\x00cd", "ab\x01cd", "ab\u202ecd", "%", "_", "' OR 1=1 --", "金城 花园 小区 苑 园 里",
                 "😀", "مرحبا", "%FF%FE")


@pytest.mark.parametrize("case", LISTS, ids=lambda c: c.name)
def test_junk_paging_and_search_never_answer_500(app, world: World, case: ListCase):
    client = reader(app, world, case)
    url = case.url(world)
    for value in JUNK_PAGES:
        for name in (case.param, "page_size"):
            response = client.get(f"{url}?{urlencode({name: value})}")
            assert response.status_code in (200, 404), (name, value, response.status_code)
    for value in JUNK_SEARCHES:
        response = client.get(f"{url}?{urlencode({'q': value})}")
        assert response.status_code in (200, 400), (value, response.status_code)
        if response.status_code == 400:  # refused with the rule, next to the search box
            assert re.search(r'<p class="error" id="q-error">', response.text), value


def test_a_search_is_literal_and_every_word_must_match(app, world: World, client_as):
    bulk.in_tenant(app, world.a, lambda: bulk.communities(world.a, 3, "百分之%小区"))
    admin = in_english(client_as(Role.BUREAU_ADMIN, "a"))
    assert "1–3 of 3" in page_text(admin.get("/t/alpha/communities/?q=%25").text)  # "%" is a character
    assert "1–1 of 1" in page_text(admin.get("/t/alpha/communities/?q=之%25+002").text)
    assert "No communities to show." in page_text(admin.get("/t/alpha/communities/?q=_").text)
    # The address is searched too, case-insensitively for Latin letters.
    assert "1–1 of 1" in page_text(admin.get(f"/t/alpha/communities/?q={world.a.sentinel.lower()}+地址").text)


# --- filters narrow, never widen ----------------------------------------------------------------------

@pytest.fixture
def elsewhere(app, world: World) -> dict:
    """In tenant A, a second street with a community served by a second firm."""
    return bulk.in_tenant(app, world.a, lambda: bulk.elsewhere(world.a, "别处", 901))


SCOPED = [Role.AREA_OFFICER, Role.FIRM_STAFF, Role.COMMITTEE_MEMBER]
SCOPED_LISTS = ["/t/alpha/communities/", "/t/alpha/roster/", "/t/alpha/contracts/", "/t/alpha/firms/"]


@pytest.mark.parametrize("role", SCOPED, ids=lambda r: r.value)
def test_filters_never_show_what_the_role_may_not_see(world: World, client_as, elsewhere, role):
    client = in_english(client_as(role, "a"))
    for url in SCOPED_LISTS:
        for query in ("", "?q=别处", f"?area_id={elsewhere['area_id']}", f"?firm_id={elsewhere['firm_id']}",
                      "?served=yes", "?sort=area", "?page_size=100"):
            response = client.get(url + query)
            assert response.status_code in (200, 400), (url, query)
            assert "别处小区" not in response.text, (role.value, url, query)
            if "firms" in url:
                assert "别处物业" not in response.text, (role.value, url, query)
    # An area or firm the role may not see is no filter choice at all: refused, and not named.
    response = client.get(f"/t/alpha/communities/?firm_id={elsewhere['firm_id']}")
    assert response.status_code == 400 and "别处物业" not in response.text
    response = client.get(f"/t/alpha/communities/?area_id={elsewhere['area_id']}")
    assert response.status_code == 400 and "别处街道" not in response.text


def test_the_bureau_finds_it_with_the_same_filters(world: World, client_as, elsewhere):
    admin = in_english(client_as(Role.BUREAU_ADMIN, "a"))
    for query in ("?q=别处", f"?area_id={elsewhere['area_id']}", f"?firm_id={elsewhere['firm_id']}", "?grade=grade3",
                  "?served=yes&sort=grade"):
        page = admin.get("/t/alpha/communities/" + query)
        assert page.status_code == 200 and "别处小区" in page.text, query
    assert "别处小区" not in admin.get("/t/alpha/communities/?served=no").text
    assert "别处小区" in admin.get("/t/alpha/contracts/?q=别处物业&state=in_force").text
    assert "别处小区" not in admin.get("/t/alpha/contracts/?state=ended").text


def test_another_tenants_ids_in_filters_find_nothing(world: World, client_as):
    admin = in_english(client_as(Role.BUREAU_ADMIN, "a"))
    for url, query in (("/t/alpha/communities/", f"area_id={world.b.area_id}"),
                       ("/t/alpha/communities/", f"firm_id={world.b.firm_id}"),
                       ("/t/alpha/contracts/", f"firm_id={world.b.firm_id}")):
        response = admin.get(f"{url}?{query}")
        assert response.status_code == 400 and world.b.sentinel not in response.text
        assert "Choose one from the list." in page_text(response.text)
