"""Notice boards on a 360×740 phone, Chinese first: find a community from the front door, read its board,
open the history and the side-by-side diff of a correction, print the A4 poster (one page, QR code), and
a firm's staff member publishes a section. Every page is checked with axe (tests/browser/a11y.py).

Every run rewrites docs/screenshots/board-home-zh.png, board-zh.png, board-history-zh.png,
board-diff-zh.png, board-poster-print-zh.png and board-edit-zh.png.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_flow import FIRM_STAFF, check_phone_layout, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser

COMMUNITY = "金城花园"


def test_public_board_history_diff_and_poster(phone: Page, new_context, shoot):
    phone.goto("/t/gaotang/")
    phone.get_by_role("searchbox").fill(COMMUNITY)
    phone.get_by_role("button", name="搜索", exact=True).click()
    phone.wait_for_url("**/t/gaotang/?q=*")
    check_phone_layout(phone)
    shoot(phone, "board-home-zh")
    phone.get_by_role("link", name=COMMUNITY, exact=True).click()
    expect(phone).to_have_url(re.compile(r"/t/gaotang/board/\d+/$"))
    expect(phone.get_by_role("heading", level=1)).to_contain_text("公示栏")
    expect(phone.locator("main")).to_contain_text("收费项目与标准")
    expect(phone.locator("main")).to_contain_text("12358")
    expect(phone.locator("main")).to_contain_text("原服务企业")  # the earlier firm's board, kept
    check_phone_layout(phone)
    shoot(phone, "board-zh")
    board_url = phone.url

    phone.get_by_role("link", name="历史版本").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("历史版本")
    no_horizontal_scroll(phone)
    shoot(phone, "board-history-zh")
    # the corrected parking version: its diff shows before and after side by side, the changed line marked
    phone.locator("tr", has_text="出租车位数量统计时漏计").get_by_role("link").click()
    expect(phone.locator("main")).to_contain_text("原因：出租车位数量统计时漏计了6个新划车位")
    assert phone.locator("table.diff tr.changed").count() >= 1
    no_horizontal_scroll(phone)
    shoot(phone, "board-diff-zh")

    phone.goto(board_url + "verify")
    expect(phone.locator("main")).to_contain_text("完整")
    no_horizontal_scroll(phone)

    poster = new_context(viewport={"width": 794, "height": 1123}, is_mobile=False, has_touch=False,
                         device_scale_factor=1).new_page()
    poster.goto(board_url + "poster")
    expect(poster.locator(".poster svg.qr")).to_be_visible()
    poster.emulate_media(media="print")
    expect(poster.locator(".site-header")).to_be_hidden()
    shoot(poster, "board-poster-print-zh")
    pdf = poster.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert pages == 1, f"the poster prints on {pages} A4 pages"


def test_firm_staff_publish_a_section(phone: Page, shoot):
    phone.goto("/login")
    log_in(phone, FIRM_STAFF)
    phone.goto("/t/gaotang/boards/")
    check_phone_layout(phone)
    phone.locator("main table a").first.click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("公示栏")
    phone.get_by_role("link", name="特约服务及价格").click()
    phone.locator("#rows-2-service").fill("空调清洗")
    phone.locator("#rows-2-price_fen").fill("80")
    phone.locator("#rows-2-unit").fill("元/台")
    check_phone_layout(phone)
    shoot(phone, "board-edit-zh")
    phone.get_by_role("button", name="发布", exact=True).click()
    expect(phone.locator(".flash-success")).to_contain_text("已发布")
    phone.get_by_role("link", name="查看公开的公示栏").click()
    expect(phone.locator("main")).to_contain_text("空调清洗")


def test_bureau_sees_overdue_sections_and_sets_due_rules(phone: Page, shoot):
    phone.goto("/login")
    log_in(phone, "13900000001")
    phone.goto("/t/gaotang/dashboard")
    phone.get_by_role("link", name="逾期栏目").click()
    expect(phone.locator("main")).to_contain_text("文庙佳苑")
    expect(phone.locator("main")).to_contain_text("公共收益收支")
    check_phone_layout(phone)
    shoot(phone, "board-overdue-zh")
    phone.goto("/t/gaotang/boards/rules")
    phone.get_by_label("“公共收益收支”的天数").fill("20")
    check_phone_layout(phone)
    phone.get_by_role("button", name="保存", exact=True).click()
    expect(phone.locator(".flash-success")).to_contain_text("公示期限已保存")
    phone.goto("/t/gaotang/boards/")
    expect(phone.locator("main")).to_contain_text("金城花园")
    no_horizontal_scroll(phone)
