"""The bureau administrator reads the audit log on a 360 px phone in Chinese: sentences, cards, choice filters."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.test_login_flow import BUREAU_ADMIN, log_in, no_horizontal_scroll


def test_audit_log_reads_as_chinese_cards_on_a_phone(phone: Page, shoot):
    phone.goto("/login")
    log_in(phone, BUREAU_ADMIN)
    expect(phone).to_have_url(re.compile(r"/t/gaotang/dashboard$"))
    phone.goto("/t/gaotang/audit/")
    log = phone.locator("main table")
    expect(log.locator("tbody tr").first).to_be_visible()
    # The newest events (the demo's ticket escalations, its boards...) read as sentences, never as action codes.
    assert not re.search(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*\b", log.inner_text()), log.inner_text()[:500]
    no_horizontal_scroll(phone)
    # Each event is a card: the header row is hidden and a row is as wide as the page, not a table column.
    expect(phone.locator("main thead")).to_have_css("position", "absolute")
    card = log.locator("tbody tr").first
    expect(card).to_have_css("display", "block")
    box = card.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    shoot(phone, "audit-log-cards-phone-zh")

    # The filters are lists to choose from, not codes to type: a group, then one of its actions.
    phone.get_by_label("操作", exact=True).select_option("checklist.")
    phone.get_by_role("button", name="筛选").click()
    expect(phone).to_have_url(re.compile(r"action=checklist\.(&|$)"))
    phone.get_by_label("操作", exact=True).select_option("checklist.published")
    phone.get_by_role("button", name="筛选").click()
    expect(phone).to_have_url(re.compile(r"action=checklist\.published"))
    rows = phone.locator("main table tbody tr")
    expect(rows.first).to_contain_text("发布了清单")
    expect(phone.locator("main table")).to_contain_text("发布了清单 A 第 1 版")
    for text in rows.all_inner_texts():
        assert "发布了清单" in text, text
    no_horizontal_scroll(phone)
