"""Repairs and complaints end to end on a 360×740 phone, Chinese first: an owner files a ticket with a photo, the
firm accepts and resolves it with a photo of the repair, the owner rates it; the public figures page.

Every run rewrites docs/screenshots/ticket-new-zh.png, ticket-filed-zh.png, ticket-firm-zh.png,
ticket-resolved-zh.png, ticket-rated-zh.png, tickets-list-zh.png and tickets-public-zh.png.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_flow import FIRM_STAFF, log_in, no_horizontal_scroll
from tests.portal.test_storage import photo_with_gps

pytestmark = pytest.mark.browser

OWNER = "13900000006"  # 吴业主, 金城花园 1号楼 101 (served by 恒安物业, whose staff is 孙经理)
DESCRIPTION = "2号楼电梯间的灯不亮了，晚上很黑"


def test_owner_files_firm_resolves_owner_rates(new_context, live_server, shoot, tmp_path):
    photo = tmp_path / "IMG_20261130.jpg"
    photo.write_bytes(photo_with_gps("JPEG", size=(640, 480)))

    owner = new_context().new_page()
    owner.goto("/login")
    log_in(owner, OWNER)
    owner.goto("/t/gaotang/tickets/")
    expect(owner.get_by_role("heading", name="报修投诉")).to_be_visible()
    shoot(owner, "tickets-list-zh")
    owner.get_by_role("link", name="我要反映").click()
    expect(owner.get_by_role("heading", name="我要反映")).to_be_visible()
    owner.get_by_label("问题类别").select_option(label="报修 · 一般维修")
    owner.get_by_label("问题描述").fill(DESCRIPTION)
    owner.get_by_label("小区内位置").fill("2号楼电梯间")
    owner.get_by_label("照片").set_input_files(str(photo))
    no_horizontal_scroll(owner)
    shoot(owner, "ticket-new-zh")
    owner.get_by_role("button", name="提交").click()
    expect(owner.get_by_text(re.compile(r"工单 \d{8}-\d{6} 已提交"))).to_be_visible()
    expect(owner.get_by_text("已提交", exact=True).first).to_be_visible()
    expect(owner.get_by_role("img", name="问题照片 1")).to_be_visible()
    # The countdown is written by the server: no script needed.
    expect(owner.locator(".countdown")).to_contain_text("剩余")
    no_horizontal_scroll(owner)
    shoot(owner, "ticket-filed-zh")
    ticket_url = owner.url

    firm = new_context().new_page()
    firm.goto("/login")
    log_in(firm, FIRM_STAFF)
    firm.goto(ticket_url)
    expect(firm.get_by_role("heading", name="办理工单")).to_be_visible()
    firm.get_by_label("指派给").select_option(index=1)
    firm.get_by_role("button", name="受理并指派").click()
    expect(firm.get_by_text("已受理并指派。")).to_be_visible()
    firm.get_by_role("button", name="开始处理").click()
    expect(firm.get_by_text("已开始处理。")).to_be_visible()
    firm.get_by_label("处理情况").fill("已更换灯管，测试正常")
    firm.locator("#resolve-photos").set_input_files(str(photo))
    no_horizontal_scroll(firm)
    shoot(firm, "ticket-firm-zh")
    firm.get_by_role("button", name="标记办结").click()
    expect(firm.get_by_text("已标记办结，等待业主确认。")).to_be_visible()
    expect(firm.get_by_role("img", name="处理照片 1")).to_be_visible()

    owner.goto(ticket_url)
    expect(owner.get_by_role("heading", name="问题解决了吗？")).to_be_visible()
    expect(owner.get_by_text("已更换灯管，测试正常").first).to_be_visible()
    no_horizontal_scroll(owner)
    shoot(owner, "ticket-resolved-zh")
    owner.get_by_label("4", exact=True).check()
    owner.get_by_label("评价意见").fill("师傅来得很快")
    owner.get_by_role("button", name="确认并评价").click()
    expect(owner.get_by_text("感谢您的评价。")).to_be_visible()
    expect(owner.get_by_text("4 星（满分 5 星）", exact=False)).to_be_visible()
    no_horizontal_scroll(owner)
    shoot(owner, "ticket-rated-zh")

    public = new_context().new_page()
    public.goto("/t/gaotang/public/tickets")
    expect(public.get_by_role("heading", name="报修投诉公开数据")).to_be_visible()
    expect(public.get_by_text(DESCRIPTION)).to_have_count(0)
    no_horizontal_scroll(public)
    shoot(public, "tickets-public-zh")
