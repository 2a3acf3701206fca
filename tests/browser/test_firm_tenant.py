"""A property firm's own tenant on a 360×740 phone: its own words (企业管理员, 项目, 分公司/片区), its own
dashboard, no bureau-only actions; and the person who works for the firm in a county too sees each
tenant in its own vocabulary.

The accessibility and no-sideways-scrolling checks run on every page (tests/browser/a11y.py).
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_page_tour import sign_in_as, visit

pytestmark = pytest.mark.browser

FIRM_ADMIN = "13900000011"      # 郑总
PROJECT_MANAGER = "13900000004"  # 孙经理: firm staff in gaotang, project manager in hengan
BUREAU_WORDS = ("住建局管理员", "住建局工作人员", "街道/社区工作人员", "添加物业企业", "街道办事处", "社区居委会")


def no_bureau_words(page: Page) -> None:
    text = page.locator("main").inner_text()
    assert not [word for word in BUREAU_WORDS if word in text], (page.url, text[:400])


def test_firm_administrator_works_in_the_firms_own_words(phone: Page, shoot):
    sign_in_as(phone, FIRM_ADMIN, landing=r"/t/hengan/dashboard$")
    main = phone.locator("main")
    expect(main.locator(".tag", has_text="企业管理员")).to_be_visible()
    expect(main.get_by_role("table", name="各分公司项目")).to_be_visible()
    expect(main.get_by_role("link", name="东城分公司")).to_be_visible()
    expect(main.get_by_role("link", name="项目", exact=True)).to_be_visible()
    expect(main.get_by_role("link", name="企业信息")).to_be_visible()
    expect(main.get_by_role("link", name="物业企业", exact=True)).to_have_count(0)
    no_bureau_words(phone)
    shoot(phone, "firm-dashboard-phone-zh")

    visit(phone, "/t/hengan/communities/")
    expect(main.get_by_role("heading", name="项目", exact=True)).to_be_visible()
    expect(main.get_by_role("link", name="添加项目")).to_be_visible()
    expect(main.get_by_role("link", name="恒安·东湖苑")).to_be_visible()
    no_bureau_words(phone)
    shoot(phone, "firm-projects-phone-zh")

    main.get_by_role("link", name="恒安·东湖苑").click()
    team = main.locator("#team")
    expect(team.get_by_role("heading", name="项目团队")).to_be_visible()
    expect(team).to_contain_text("孙经理")
    expect(team).to_contain_text("项目经理")
    expect(team).to_contain_text("项目人员")
    no_bureau_words(phone)

    visit(phone, "/t/hengan/areas/")
    expect(main.get_by_role("heading", name="分公司与片区")).to_be_visible()
    kinds = phone.get_by_label("类型").locator("option").all_inner_texts()
    assert kinds == ["分公司", "片区"]
    no_bureau_words(phone)

    # The firm list is the company profile; adding another firm is not on offer.
    phone.goto("/t/hengan/firms/")
    expect(main.locator("h1")).to_have_text("恒安物业服务有限公司")
    expect(main).to_contain_text("企业信息")
    phone.goto("/t/hengan/firms/new")
    expect(main.locator("h1")).to_have_text("企业信息")

    visit(phone, "/t/hengan/contracts/new")
    expect(phone.get_by_label("物业企业")).to_have_count(0)
    expect(main).to_contain_text("恒安物业服务有限公司")

    visit(phone, "/t/hengan/members/new")
    roles = phone.get_by_label("角色").locator("option").all_inner_texts()
    assert [r for r in roles if not r.startswith("—")] == ["企业管理员", "总部职员", "分公司/片区经理", "项目经理", "项目人员", "业主"]
    expect(phone.get_by_label("所属物业企业（物业企业员工）")).to_have_count(0)
    shoot(phone, "firm-member-form-phone-zh")


def test_project_manager_sees_each_tenant_in_its_own_words(phone: Page, shoot):
    sign_in_as(phone, PROJECT_MANAGER, landing=r"/account/tenants$")
    choices = phone.locator("a.choice")
    county = choices.filter(has_text="高唐县住房和城乡建设局")
    firm = choices.filter(has_text="恒安物业服务有限公司")
    expect(county).to_contain_text("物业企业员工")
    expect(firm).to_contain_text("项目经理")
    expect(firm).not_to_contain_text("物业企业员工")
    shoot(phone, "tenant-picker-two-kinds-phone-zh")

    firm.click()
    main = phone.locator("main")
    expect(main.locator(".tag", has_text="项目经理")).to_be_visible()
    expect(main).to_contain_text("以下数字仅统计您有权查看的范围")
    visit(phone, "/t/hengan/communities/")
    expect(main.get_by_role("link", name="恒安·东湖苑")).to_be_visible()
    expect(main.get_by_role("link", name="恒安·锦绣城")).to_have_count(0)
    expect(main.get_by_role("link", name="添加项目")).to_have_count(0)
    phone.goto("/t/hengan/members/")
    expect(main.locator("h1")).not_to_have_text("成员与角色")
