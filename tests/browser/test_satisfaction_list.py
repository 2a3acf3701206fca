"""The monthly satisfaction list on a 360×740 phone, Chinese first: an anonymous visitor reads October's published
list; the bureau edits November's draft, is refused while a text holds a mobile number, then publishes.

Every run rewrites docs/screenshots/satisfaction-public-zh.png, satisfaction-edit-zh.png and
satisfaction-refused-zh.png.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_login_flow import log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser

BUREAU_ADMIN = "13900000001"
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def view_shot(page, screenshot_dir, name: str, at=None) -> None:
    """The phone's screen only (these pages are a few metres long): at the top, or scrolled to ``at``."""
    if at is not None:
        at.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / f"{name}.png"), animations="disabled", caret="hide")


def test_the_public_reads_a_published_list(new_context, screenshot_dir):
    page = new_context().new_page()
    page.goto("/t/gaotang/public/satisfaction")
    expect(page.get_by_role("heading", name="群众诉求满意度榜单")).to_be_visible()
    page.get_by_role("link", name="2026年10月").click()
    expect(page.get_by_role("heading", name="2026年10月群众诉求满意度榜单")).to_be_visible()
    expect(page.get_by_role("heading", name="物业企业满意度排名")).to_be_visible()
    expect(page.get_by_text("第 1 名").first).to_be_visible()
    assert page.locator(".ticket-card").count() >= 20
    assert not MOBILE.search(page.inner_text("main") if page.locator("main").count() else page.inner_text("body"))
    expect(page.get_by_role("link", name="下载（Excel）")).to_be_visible()
    no_horizontal_scroll(page)
    view_shot(page, screenshot_dir, "satisfaction-public-zh")


def test_the_bureau_edits_is_refused_then_publishes(new_context, screenshot_dir):
    page = new_context().new_page()
    page.goto("/login")
    log_in(page, BUREAU_ADMIN)
    page.goto("/t/gaotang/satisfaction-lists/")
    expect(page.get_by_role("heading", name="群众诉求满意度榜单")).to_be_visible()
    page.get_by_role("link", name="2026-11").click()
    expect(page.get_by_role("heading", name="2026-11 满意度榜单")).to_be_visible()
    no_horizontal_scroll(page)
    view_shot(page, screenshot_dir, "satisfaction-edit-zh", at=page.locator("textarea[id^=problem-]").first)
    first = page.locator("textarea[id^=problem-]").first
    original = first.input_value()
    first.fill("业主来电13812345678反映" + original)
    page.get_by_role("button", name="保存案例").click()
    expect(page.get_by_text(re.compile("已保存。有 1 个入选案例仍含个人信息"))).to_be_visible()
    page.get_by_role("button", name="发布榜单").click()
    expect(page.get_by_text(re.compile(r"案例 \d{8}-\d{6}：公开文字中仍含有手机号码")).first).to_be_visible()
    no_horizontal_scroll(page)
    view_shot(page, screenshot_dir, "satisfaction-refused-zh", at=page.get_by_role("button", name="发布榜单"))
    page.locator("textarea[id^=problem-]").first.fill(original)
    page.get_by_role("button", name="保存案例").click()
    expect(page.get_by_text("已保存。", exact=True)).to_be_visible()
    page.get_by_role("button", name="发布榜单").click()
    expect(page.get_by_text("2026-11 榜单第 1 版已发布。")).to_be_visible()
    page.get_by_role("link", name="查看公开页面").click()
    expect(page.get_by_role("heading", name="2026年11月群众诉求满意度榜单")).to_be_visible()
