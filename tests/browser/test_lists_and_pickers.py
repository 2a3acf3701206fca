"""On a 360×740 phone in Chinese: the communities list searched and paged, and the contract form finding
its community by search, with the page's script and without it."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.test_login_flow import BUREAU_ADMIN, log_in, no_horizontal_scroll


def signed_in(page: Page) -> Page:
    page.goto("/login")
    log_in(page, BUREAU_ADMIN)
    expect(page).to_have_url(re.compile(r"/t/gaotang/dashboard$"))
    return page


def test_the_communities_list_searched_and_paged_on_a_phone(phone: Page, shoot):
    signed_in(phone)
    phone.goto("/t/gaotang/communities/")
    rows = phone.locator("main table tbody tr")
    expect(phone.locator(".list-count")).to_have_text("第 1–12 条，共 12 条")
    expect(rows).to_have_count(12)

    # Ten a page: the pager appears, the next page holds the last two.
    phone.get_by_text("筛选与排序").click()
    phone.get_by_label("每页条数").select_option("10")
    phone.get_by_role("button", name="筛选", exact=True).click()
    expect(rows).to_have_count(10)
    pager = phone.get_by_role("navigation", name="分页")
    expect(pager).to_contain_text("1 / 2")
    no_horizontal_scroll(phone)
    shoot(phone, "communities-paged-phone-zh")
    pager.get_by_role("link", name="下一页").click()
    expect(phone).to_have_url(re.compile(r"page=2"))
    expect(rows).to_have_count(2)
    expect(phone.locator(".list-count")).to_have_text("第 11–12 条，共 12 条")

    # A search by part of the name (or address) finds the few that match.
    phone.get_by_label("搜索小区").fill("小区")
    phone.get_by_role("button", name="搜索", exact=True).click()
    expect(phone).to_have_url(re.compile(r"q=%E5%B0%8F%E5%8C%BA"))
    expect(rows).to_have_count(3)
    for name in ("鱼邱湖小区", "康庄小区", "琉璃寺小区"):
        expect(phone.locator("main table")).to_contain_text(name)
    no_horizontal_scroll(phone)
    shoot(phone, "communities-searched-phone-zh")


def test_the_contract_form_finds_its_community_as_one_types(phone: Page, shoot):
    signed_in(phone)
    phone.goto("/t/gaotang/contracts/new")
    community = phone.get_by_label("小区", exact=True)
    expect(community.locator("option")).to_have_count(13)  # the blank choice and the demo's twelve
    phone.get_by_label("查找：小区").fill("金城")
    # The script asks the picker's search and keeps only the matches (name or address).
    expect(community.locator("option")).to_have_count(4)
    expect(phone.locator("#community_id-found")).to_have_text("有 3 个小区与“金城”相符。")
    community.select_option(label="金城花园")
    expect(community).to_have_value(re.compile(r"^\d+$"))
    no_horizontal_scroll(phone)
    shoot(phone, "contract-community-picker-phone-zh")


def test_the_contract_form_finds_its_community_without_javascript(new_context, shoot):
    page = signed_in(new_context(java_script_enabled=False).new_page())
    page.goto("/t/gaotang/contracts/new")
    page.get_by_label("开始日期").fill("2031-01-01")
    page.get_by_label("查找：小区").fill("御景")
    page.get_by_role("button", name="查找").click()
    # The form comes back with the matches, and with what was typed; nothing was saved.
    community = page.get_by_label("小区", exact=True)
    expect(community.locator("option")).to_have_count(2)
    expect(page.get_by_label("开始日期")).to_have_value("2031-01-01")
    expect(page.locator("#community_id-found")).to_have_text("有 1 个小区与“御景”相符。")
    community.select_option(label="御景园")
    no_horizontal_scroll(page)
    shoot(page, "contract-community-picker-nojs-phone-zh")
