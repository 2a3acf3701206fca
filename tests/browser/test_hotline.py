"""12345 work orders and the hotline directory on a 360×740 phone, Chinese first: bureau staff upload a bad
export (every bad row named), then the demo's review list, file one order into a community; the public hotline
page. Every page is checked with axe (tests/browser/a11y.py).

Every run rewrites docs/screenshots/hotline-import-errors-zh.png, hotline-review-zh.png, hotline-order-zh.png and
hotline-public-zh.png.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_flow import check_phone_layout, log_in

pytestmark = pytest.mark.browser

BUREAU_STAFF = "13900000002"

BAD_EXPORT = ("工单编号,受理时间,诉求类型,小区名称,诉求内容,来电号码\r\n"
              "GT1,2026-11-30 09:15,投诉,金城花园,楼上漏水,13800138000\r\n"
              "GT2,昨天上午,吐槽,金城花园,,abc\r\n").encode("gbk")


def test_staff_see_bad_rows_then_file_a_work_order_from_the_review_list(phone: Page, shoot):
    phone.goto("/login")
    log_in(phone, BUREAU_STAFF)
    phone.goto("/t/gaotang/hotline/import")
    expect(phone.get_by_role("heading", level=1)).to_have_text("导入 12345 热线工单")
    phone.locator("input[type=file]").set_input_files(
        {"name": "12345.csv", "mimeType": "text/csv", "buffer": BAD_EXPORT})
    phone.get_by_role("button", name="上传并预览", exact=True).click()
    main = phone.locator("main")
    expect(main).to_contain_text("未导入任何数据")
    expect(main).to_contain_text("GBK")
    expect(main).to_contain_text("受理时间请写成")
    expect(main).to_contain_text("诉求类型须为")
    check_phone_layout(phone)
    shoot(phone, "hotline-import-errors-zh")

    phone.goto("/t/gaotang/hotline/review")
    expect(phone.get_by_role("heading", level=1)).to_have_text("待核定小区的 12345 热线工单")
    expect(main).to_contain_text("GT2611210077")
    check_phone_layout(phone)
    shoot(phone, "hotline-review-zh")
    phone.get_by_role("link", name="GT2611280042").click()
    expect(main).to_contain_text("对应多个小区")
    phone.get_by_label("查找：小区").fill("文庙")
    phone.get_by_role("button", name="查找", exact=True).first.click()
    phone.get_by_label("小区", exact=True).select_option(label="文庙佳苑")
    check_phone_layout(phone)
    shoot(phone, "hotline-order-zh")
    phone.get_by_role("button", name="在该小区生成工单", exact=True).click()
    expect(phone.locator(".flash-success")).to_contain_text("GT2611280042")
    expect(phone.get_by_role("link", name="GT2611280042")).to_have_count(0)  # off the review list


def test_the_public_sees_the_hotline_directory(phone: Page, shoot):
    phone.goto("/t/gaotang/")
    phone.get_by_role("link", name="服务热线：有事打哪个电话").click()
    main = phone.locator("main")
    expect(main).to_contain_text("12345 政务服务便民热线")
    expect(main).to_contain_text("鱼邱湖街道物业专班")
    check_phone_layout(phone)
    shoot(phone, "hotline-public-zh")
