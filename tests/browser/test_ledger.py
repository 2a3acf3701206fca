"""The public-revenue ledger on a 360×740 phone, in Chinese: the public page (no sign-in, people masked, no
scroll sideways), the firm's entry form with a refused amount then a recorded entry, and the committee's sign-off."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_flow import log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser

FIRM_STAFF = "13900000004"   # 孙经理: gaotang firm staff (恒安物业) and a hengan project manager
COMMITTEE = "13900000005"    # 周委员: 金城花园's owners' committee


def test_the_public_ledger_page_on_a_phone(phone: Page, shoot):
    phone.goto("/t/gaotang/")
    phone.get_by_role("link", name="各小区公共收益公示").click()
    phone.get_by_role("link", name="金城花园").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("金城花园公共收益公示")
    expect(phone.get_by_role("heading", name=re.compile("2026Q2季度报表"))).to_be_visible()
    expect(phone.get_by_text("刘**").first).to_be_visible()
    assert "刘桂兰" not in phone.content() and "/vouchers/" not in phone.content()
    no_horizontal_scroll(phone)
    shoot(phone, "ledger-public-phone-zh")


def test_the_firm_records_an_entry_and_the_committee_signs_off(new_context, shoot):
    firm = new_context().new_page()
    firm.goto("/login")
    log_in(firm, FIRM_STAFF)
    firm.goto("/t/gaotang/ledger/?q=金城花园")
    firm.get_by_role("link", name="金城花园").first.click()
    firm.get_by_role("link", name="录入收支").click()
    firm.get_by_label("日期").fill("2026-11-20")
    firm.get_by_label("类别").select_option(label="广告收益")
    firm.get_by_label("金额（元）").fill("1,234.567")
    firm.get_by_label("交易对方", exact=True).fill("聊城分众楼宇广告有限公司")
    firm.get_by_role("button", name="录入", exact=True).click()
    expect(firm.get_by_text("最多两位小数（精确到分）。")).to_be_visible()
    no_horizontal_scroll(firm)
    shoot(firm, "ledger-entry-form-refused-phone-zh")
    firm.get_by_label("金额（元）").fill("1,234.50")
    firm.get_by_role("button", name="录入", exact=True).click()
    expect(firm.get_by_text("已录入：1,234.50元。")).to_be_visible()
    no_horizontal_scroll(firm)
    shoot(firm, "ledger-community-phone-zh")

    committee = new_context().new_page()
    committee.goto("/login")
    log_in(committee, COMMITTEE)
    committee.goto("/t/gaotang/ledger/")
    committee.get_by_role("link", name="金城花园").first.click()
    committee.get_by_role("link", name="2026Q3").click()
    committee.get_by_role("button", name="签认本报表").click()
    expect(committee.get_by_text(re.compile("报表已签认，本季度已关账"))).to_be_visible()
    no_horizontal_scroll(committee)
    shoot(committee, "ledger-statement-signed-phone-zh")


def test_the_bureau_overview_on_a_phone(phone: Page, shoot):
    phone.goto("/login")
    log_in(phone, "13900000001")
    phone.goto("/t/gaotang/ledger/?quarter=2026Q2")
    expect(phone.get_by_role("heading", level=1)).to_have_text("公共收益台账")
    expect(phone.get_by_text("已录入公共收益")).to_be_visible()
    expect(phone.get_by_role("link", name="金城花园")).to_be_visible()
    no_horizontal_scroll(phone)
    shoot(phone, "ledger-overview-phone-zh")
