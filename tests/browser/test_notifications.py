"""Notifications on a 360×740 phone, Chinese first: the demo owner sees the bell's unread count, opens the inbox,
opens one notice (marked read, on to the ticket), marks all read. Pages are checked with axe (tests/browser/a11y.py).

Every run rewrites docs/screenshots/notifications-bell-zh.png and notifications-inbox-zh.png.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_flow import check_phone_layout, log_in

pytestmark = pytest.mark.browser

OWNER = "13900000006"


def test_owner_reads_notifications_from_the_bell(phone: Page, shoot):
    phone.goto("/login")
    log_in(phone, OWNER)
    phone.goto("/t/gaotang/dashboard")
    bell = phone.locator("a.bell")
    expect(bell).to_contain_text(re.compile(r"通知\s*\d+ 条未读"))
    check_phone_layout(phone)
    shoot(phone, "notifications-bell-zh")
    bell.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("通知")
    expect(phone.locator("main")).to_contain_text("欢迎使用")
    check_phone_layout(phone)
    shoot(phone, "notifications-inbox-zh")
    phone.get_by_role("button", name="查看详情").first.click()
    expect(phone).to_have_url(re.compile(r"/t/gaotang/tickets/\d+$"))
    phone.goto("/t/gaotang/notifications/")
    phone.get_by_role("button", name="全部标为已读", exact=True).click()
    expect(phone.locator(".flash-success")).to_contain_text("标为已读")
    expect(phone.locator("a.bell")).not_to_contain_text("条未读")
    expect(phone.locator("main")).to_contain_text("通知已全部读完")
    check_phone_layout(phone)
