"""Billing in a real Chromium on a phone (360×740, zh-CN): signing up a firm until its tenant is active,
then the billing page (change plan, cancel at period end). A live server of its own with billing on,
against the local Stripe server, no trial (the first month is charged at sign-up)."""
from __future__ import annotations

import re
import tempfile
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_login_flow import check_phone_layout
from tests.stripe_server import TEST_KEY, WEBHOOK_SECRET

pytestmark = pytest.mark.browser
PASSWORD = "a long and new passphrase"


@pytest.fixture(scope="module")
def billing_server(stripe_server):
    """The portal with the demo tenants and billing on, served on 127.0.0.1 at a free port."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from portal import create_app
    from portal.config import TestConfig
    from portal.demo.services import load_demo
    from portal.extensions import db, limiter

    stripe_server.clear()
    instance = tempfile.mkdtemp(prefix="portal-billing-live-")
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{Path(instance) / 'live.sqlite3'}"
    config.finalise(instance)
    app = create_app(config, STRIPE_SECRET_KEY=TEST_KEY, STRIPE_API_BASE=stripe_server.url,
                     STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, BILLING_TRIAL_DAYS=0)
    app.instance_path = instance
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


def test_a_firm_signs_up_and_manages_its_subscription(billing_server, new_context, shoot):
    page = new_context(base_url=billing_server).new_page()
    page.goto("/pricing")
    expect(page.get_by_role("heading", name="方案与价格")).to_be_visible()
    check_phone_layout(page)
    shoot(page, "billing-pricing-zh")
    page.get_by_role("link", name="自助开通").click()
    expect(page).to_have_url(re.compile(r"/signup$"))
    page.get_by_label("物业企业入门版").check()
    page.get_by_label("住建局或企业名称（中文）").fill("聊城安泰物业服务有限公司")
    page.get_by_label("网址简称").fill("antai")
    page.get_by_label("您的手机号或电子邮箱").fill("13800000031")
    page.get_by_label("您的姓名").fill("马经理")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_label("测试卡（尾号 4242）：扣款成功").check()
    page.get_by_label("我已阅读并同意《个人信息保护说明》。").check()
    check_phone_layout(page)
    shoot(page, "billing-signup-zh")
    page.get_by_role("button", name="自助开通").click()

    expect(page).to_have_url(re.compile(r"/t/antai/billing/$"))
    expect(page.locator(".flash")).to_contain_text("您的单位已开通")
    expect(page.locator(".facts")).to_contain_text("已付费")
    expect(page.locator("table.stack")).to_contain_text("¥300.00")
    check_phone_layout(page)
    shoot(page, "billing-page-zh")

    page.get_by_role("radio", name="物业企业标准版").check()
    page.get_by_role("button", name="更改方案").click()
    expect(page.locator(".flash")).to_contain_text("方案已更改")
    page.get_by_role("button", name="本期结束时取消").click()
    expect(page.locator(".facts")).to_contain_text("本期结束后终止")
    expect(page.get_by_role("button", name="保留订阅")).to_be_visible()
    check_phone_layout(page)
    shoot(page, "billing-cancelling-zh")
