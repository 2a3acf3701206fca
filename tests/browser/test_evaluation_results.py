"""Evaluation results on a 360×740 phone, Chinese first, without signing in: the 红黑榜 of the demo's published
quarter, the explanation of the project on a yellow card, and its firm's explanation. Every page is checked with
axe (tests/browser/a11y.py) and for sideways scrolling.

Every run rewrites docs/screenshots/evaluation-ranking-zh.png, evaluation-project-zh.png and
evaluation-firm-zh.png.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_flow import check_phone_layout

pytestmark = pytest.mark.browser


def test_public_ranking_project_and_firm_explanations(phone: Page, shoot):
    phone.goto("/t/gaotang/evaluation/results/latest")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("红黑榜")
    main = phone.locator("main")
    expect(main).to_contain_text("业主评分不足")  # 康庄小区's sample
    expect(main).to_contain_text("黄牌")
    expect(main).to_contain_text("只能由业主")  # the portal only recommends
    check_phone_layout(phone)
    shoot(phone, "evaluation-ranking-zh")

    phone.locator("li.result.yellow h3 a").first.click()
    expect(phone).to_have_url(re.compile(r"/evaluation/results/\d+/projects/\d+$"))
    expect(main).to_contain_text("综合得分怎样算出")
    expect(main).to_contain_text("整改期限")
    expect(phone.locator("[data-component=owner]")).to_contain_text("95% 置信区间")
    check_phone_layout(phone)
    shoot(phone, "evaluation-project-zh")

    phone.locator(".hero p:not(.crumbs) a").first.click()
    expect(phone).to_have_url(re.compile(r"/evaluation/results/\d+/firms/\d+$"))
    expect(main).to_contain_text("按户数加权")
    check_phone_layout(phone)
    shoot(phone, "evaluation-firm-zh")
