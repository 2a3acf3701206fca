"""The important pages, one role after another, on a 360×740 phone and on a 1280×800 desktop, in Chinese.

Each page must answer with its own heading and no error status where none is expected; the accessibility
and no-sideways-scrolling checks run on every page through the ``new_context`` fixture (tests/browser/a11y.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_login_flow import log_in

pytestmark = pytest.mark.browser

COMMUNITY = "金城花园"
BUILDING = "1号楼"
FIRM = "恒安物业服务有限公司"


@dataclass(frozen=True)
class DemoIds:
    community: int
    building: int
    firm: int
    version: int


@pytest.fixture(scope="module")
def ids(live_server) -> DemoIds:
    """Database ids of demo records whose pages the tour visits (the URLs carry ids)."""
    import sqlalchemy as sa

    from portal.checklists.models import ChecklistVersion
    from portal.communities.models import Building, Community
    from portal.extensions import db
    from portal.firms.models import Firm
    from tenants import tenant_scope
    from tenants.models import Tenant

    with live_server.app.app_context():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "gaotang"))
        with tenant_scope(tenant):
            community = db.session.scalar(sa.select(Community).where(Community.name == COMMUNITY))
            building = db.session.scalar(sa.select(Building).where(Building.community_id == community.id,
                                                                   Building.name == BUILDING))
            firm = db.session.scalar(sa.select(Firm).where(Firm.name == FIRM))
            version = db.session.scalar(sa.select(ChecklistVersion.id).order_by(ChecklistVersion.id))
            found = DemoIds(community.id, building.id, firm.id, version)
        db.session.remove()
    return found


def visit(page: Page, path: str, status: int = 200) -> None:
    """Open ``path``; it answers ``status`` and shows one main heading."""
    response = page.goto(path)
    assert response is not None and response.status == status, f"{path}: {response and response.status}"
    expect(page.locator("main h1")).to_have_count(1)
    expect(page.locator("main h1")).to_be_visible()


def sign_in_as(page: Page, login: str, landing: str = r"/t/gaotang/dashboard$") -> None:
    page.context.clear_cookies()
    page.goto("/login")
    log_in(page, login)
    expect(page).to_have_url(re.compile(landing))


# The audit log filtered to the three lists' first publication: the same few events in every run.
AUDIT_FILTERED = "/t/gaotang/audit/?action=checklist.published"


def photographed(size: str, ids: DemoIds) -> dict[str, str]:
    """Bureau pages also saved as docs/screenshots/<name>-<size>-zh.png: path → name."""
    if size == "phone":
        return {f"/t/gaotang/roster/{ids.community}/import": "roster-import",
                "/t/gaotang/account/tokens/": "api-tokens", AUDIT_FILTERED: "audit-log",
                "/t/gaotang/settings/export": "tenant-export"}
    return {f"/t/gaotang/communities/{ids.community}": "community-detail", AUDIT_FILTERED: "audit-log"}


def bureau_pages(ids: DemoIds) -> list[str]:
    """What a bureau administrator works with: registry, rosters, claim codes, the three lists, tokens, audit."""
    c, b = ids.community, ids.building
    return [
        "/t/gaotang/dashboard",
        "/t/gaotang/communities/",
        f"/t/gaotang/communities/{c}",
        "/t/gaotang/areas/",
        "/t/gaotang/firms/",
        f"/t/gaotang/firms/{ids.firm}",
        "/t/gaotang/contracts/",
        "/t/gaotang/contracts/new",
        "/t/gaotang/roster/",
        f"/t/gaotang/roster/{c}/units",
        f"/t/gaotang/roster/{c}/import",
        "/t/gaotang/claim-codes/",
        f"/t/gaotang/claim-codes/{c}",
        f"/t/gaotang/claim-codes/{c}/buildings/{b}",
        f"/t/gaotang/claim-codes/{c}/buildings/{b}?state=no_code&page_size=10",  # the filters open
        f"/t/gaotang/claim-codes/{c}/buildings/{b}/print",
        "/t/gaotang/checklists/",
        f"/t/gaotang/checklists/versions/{ids.version}",
        "/t/gaotang/members/",
        "/t/gaotang/account/tokens/",
        "/t/gaotang/audit/",
        AUDIT_FILTERED,
        "/t/gaotang/settings/export",
        "/account/password",
    ]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_tour_of_the_important_pages(new_context, ids: DemoIds, size: str, shoot):
    page = new_context(**(PHONE if size == "phone" else DESKTOP)).new_page()
    shots = photographed(size, ids)

    # Anyone: sign-in, the tenant's public page, the owners' registration, a page that does not exist.
    for path in ("/login", "/t/gaotang/", "/t/gaotang/register"):
        visit(page, path)
    visit(page, "/no-such-page", status=404)
    expect(page.locator("main h1")).to_have_text("页面不存在")
    if size == "phone":
        shoot(page, "not-found-phone-zh")

    sign_in_as(page, "13900000001")  # 王局长, bureau administrator
    for path in bureau_pages(ids):
        visit(page, path)
        if path in shots:
            shoot(page, f"{shots[path]}-{size}-zh")
    visit(page, "/t/gaotang/communities/999999", status=404)

    # The other roles' dashboards, and what they may not open.
    for login in ("13900000002", "13900000003", "13900000005"):  # bureau staff, street officer, committee
        sign_in_as(page, login)
        visit(page, "/t/gaotang/dashboard")
    visit(page, "/t/gaotang/audit/", status=403)
    expect(page.locator("main h1")).to_have_text("您无权执行此操作")
    if size == "phone":
        shoot(page, "forbidden-phone-zh")

    sign_in_as(page, "13900000006")  # 吴业主, an owner
    visit(page, "/t/gaotang/dashboard")
    visit(page, "/t/gaotang/my/units")
    page.locator(".unit-card").get_by_role("link", name=COMMUNITY).click()
    expect(page.get_by_role("heading", name=COMMUNITY, exact=True)).to_be_visible()

    sign_in_as(page, "13900000004", landing=r"/account/tenants$")  # 孙经理, firm staff in two tenants
    page.locator("a.choice").first.click()
    expect(page.locator("main h1")).to_be_visible()

    sign_in_as(page, "13900000007", landing=r"/account/tenants$")  # 陈师傅, an open invitation to gaotang
    expect(page.get_by_role("button", name="接受")).to_be_visible()
    if size == "phone":
        shoot(page, "invitation-phone-zh")

    sign_in_as(page, "13900000011", landing=r"/t/hengan/dashboard$")  # 郑总, a property firm's own tenant
    visit(page, "/t/hengan/members/")

    sign_in_as(page, "platform@demo.local", landing=r"/platform/$")  # the platform area, not a tenant picker
    visit(page, "/platform/")
    visit(page, "/platform/tenants/new")
    page.goto("/platform/")
    page.get_by_role("link", name="公开访问地址").first.click()
    expect(page.locator("main h1")).to_contain_text("公开访问地址")
    page.goto("/platform/")
    page.get_by_role("link", name="删除该单位").first.click()
    expect(page.locator("main h1")).to_contain_text("删除")
    if size == "phone":
        shoot(page, "tenant-delete-phone-zh")
