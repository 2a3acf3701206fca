"""Objections on a 360×740 phone, Chinese first: the demo owner of 金城花园 objects to an item of the board,
the firm's staff answer, the owner accepts. Every page is checked with axe (tests/browser/a11y.py).

Every run rewrites docs/screenshots/objection-file-zh.png, objection-filed-zh.png, objection-answer-zh.png,
objection-list-zh.png and objection-accepted-zh.png.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_flow import FIRM_STAFF, ZH, check_phone_layout, log_in

pytestmark = pytest.mark.browser

OWNER = "13900000006"  # 吴业主, bound to 金城花园 1号楼 101
COMMUNITY = "金城花园"


def test_owner_files_firm_answers_owner_accepts(phone: Page, new_context, shoot):
    phone.goto("/login")
    log_in(phone, OWNER)
    phone.goto("/t/gaotang/")
    phone.get_by_role("searchbox").fill(COMMUNITY)
    phone.get_by_role("button", name="搜索", exact=True).click()
    phone.get_by_role("link", name=COMMUNITY, exact=True).click()
    expect(phone.locator("main")).to_contain_text("业主异议")  # the counts of the demo objections
    # Object to the extra services (the last section, not objected to in the demo data).
    section = phone.locator("details.board-section", has_text="特约服务及价格")
    section.locator("summary").click()
    section.get_by_role("link", name="对本栏目提出异议").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("对公示栏提出异议")
    phone.locator("input[name=item]").nth(1).check()
    phone.get_by_label("异议理由（哪里有误，应当如何）").fill("家政保洁的价格与小区门口张贴的价格不一致。")
    check_phone_layout(phone)
    shoot(phone, "objection-file-zh")
    phone.get_by_role("button", name="提交异议", exact=True).click()
    expect(phone.locator(".flash-success")).to_contain_text("异议已提交")
    expect(phone.locator("main")).to_contain_text("待物业企业答复")
    expect(phone).to_have_url(re.compile(r"/t/gaotang/objections/\d+$"))
    objection_url = phone.url
    check_phone_layout(phone)
    shoot(phone, "objection-filed-zh")

    firm = new_context().new_page()
    firm.goto("/login")
    log_in(firm, FIRM_STAFF)
    firm.goto("/t/gaotang/objections/?overdue=y")
    expect(firm.locator("main")).to_contain_text("逾期")  # the demo's unanswered objection
    check_phone_layout(firm)
    shoot(firm, "objection-list-zh")
    firm.goto(objection_url)
    expect(firm.locator("main")).to_contain_text("1号楼 1**")
    expect(firm.locator("main")).not_to_contain_text("吴业主")
    firm.get_by_label("对业主的答复").fill("已核实：门口张贴的是旧价目表，已撤换，以公示栏为准。")
    check_phone_layout(firm)
    shoot(firm, "objection-answer-zh")
    firm.get_by_role("button", name="提交答复", exact=True).click()
    expect(firm.locator(".flash-success")).to_contain_text("物业企业已答复")

    phone.goto(objection_url)
    expect(phone.locator("main")).to_contain_text("已撤换")
    phone.get_by_role("button", name="接受答复", exact=True).click()
    expect(phone.locator(".flash-success")).to_contain_text("业主已接受答复")
    expect(phone.locator("main")).to_contain_text("处理记录")
    check_phone_layout(phone)
    shoot(phone, "objection-accepted-zh")
    phone.get_by_role("button", name=ZH["sign_out"], exact=True).click()
