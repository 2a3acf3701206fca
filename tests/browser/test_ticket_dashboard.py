"""The ticket dashboard on a 360×740 phone, Chinese first: the bureau's KPIs, SVG charts with their tables, a
filter, the spot-check calls (one recorded); the street officer sees her street only.

Every run rewrites docs/screenshots/ticket-dashboard-zh.png, ticket-dashboard-yoy-zh.png,
ticket-spot-checks-zh.png and ticket-dashboard-officer-zh.png.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_login_flow import BUREAU_ADMIN, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser

OFFICER = "13900000003"  # street officer, 鱼邱湖街道


def test_the_bureau_reads_the_dashboard_and_records_a_spot_check(phone, shoot):
    phone.goto("/login")
    log_in(phone, BUREAU_ADMIN)
    phone.goto("/t/gaotang/tickets/kpis")
    expect(phone.get_by_role("heading", name="工单考核看板")).to_be_visible()
    expect(phone.get_by_role("img", name="逐月响应率、解决率和满意率")).to_be_visible()
    expect(phone.get_by_text("响应率").first).to_be_visible()
    no_horizontal_scroll(phone)
    shoot(phone, "ticket-dashboard-zh")
    phone.get_by_role("img", name="各类别工单数与上年同月相比的变化").scroll_into_view_if_needed()
    shoot(phone, "ticket-dashboard-yoy-zh")

    phone.get_by_label("表格分组").select_option(label="物业企业")
    phone.get_by_role("button", name="显示").click()
    expect(phone.get_by_role("heading", name="按物业企业")).to_be_visible()
    no_horizontal_scroll(phone)

    phone.get_by_role("link", name="抽查回访").first.click()
    expect(phone.get_by_role("heading", name="抽查回访")).to_be_visible()
    phone.get_by_role("link", name="记录回访").first.click()
    phone.get_by_label("已联系上").check()
    phone.get_by_label("满意", exact=True).check()
    phone.get_by_label("备注").fill("业主说已经修好了")
    phone.get_by_role("button", name="保存回访结果").click()
    expect(phone.get_by_text("已记录回访结果。")).to_be_visible()
    expect(phone.get_by_text("业主说已经修好了")).to_be_visible()
    no_horizontal_scroll(phone)
    shoot(phone, "ticket-spot-checks-zh")


def test_the_street_officer_sees_her_street(phone, shoot):
    phone.goto("/login")
    log_in(phone, OFFICER)
    phone.goto("/t/gaotang/tickets/kpis")
    expect(phone.get_by_role("heading", name="工单考核看板")).to_be_visible()
    no_horizontal_scroll(phone)
    shoot(phone, "ticket-dashboard-officer-zh")
