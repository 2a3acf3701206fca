"""Resetting a forgotten password on a phone (360×740, zh-CN) with the code the message sender captured."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_login_flow import ZH, check_phone_layout, log_in

pytestmark = pytest.mark.browser

MOBILE = "13912340001"  # an account of its own: the demo accounts' passwords stay as the other tests expect
OLD_PASSWORD = "the forgotten passphrase 1"
NEW_PASSWORD = "a remembered passphrase 2"


@pytest.fixture
def forgetful_user(live_server):
    from portal.auth import services
    from portal.extensions import db

    with live_server.app.app_context():
        if services.find_user(MOBILE) is None:
            services.create_user(display_name="忘记密码的人", password=OLD_PASSWORD, mobile=MOBILE)
            db.session.commit()
        db.session.remove()
    return MOBILE


def test_a_forgotten_password_is_reset_with_the_code(live_server, phone, new_context, shoot, forgetful_user):
    # A session on another device, which the reset must end.
    other = new_context().new_page()
    other.goto("/login")
    log_in(other, MOBILE, OLD_PASSWORD)
    expect(other).to_have_url(re.compile(r"/account/tenants$"))

    phone.goto("/login")
    phone.get_by_role("link", name="忘记密码？").click()
    expect(phone).to_have_url(re.compile(r"/account/reset$"))
    phone.get_by_label(ZH["identifier"]).fill(MOBILE)
    check_phone_layout(phone)
    shoot(phone, "reset-request-zh")
    outbox = live_server.app.extensions["message_sender"]
    before = len(outbox.to(MOBILE))
    phone.get_by_role("button", name="发送验证码").click()

    expect(phone).to_have_url(re.compile(r"/account/reset/code$"))
    expect(phone.locator(".flash, [role=status], .flashes").first).to_contain_text("验证码正在发送")
    messages = outbox.to(MOBILE)
    assert len(messages) == before + 1
    code = re.search(r"\b(\d{6})\b", messages[-1].text).group(1)
    assert "10 分钟内有效" in messages[-1].text
    phone.get_by_label("验证码").fill(code)
    phone.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("确认新密码").fill(NEW_PASSWORD)
    check_phone_layout(phone)
    shoot(phone, "reset-code-zh")
    phone.get_by_role("button", name="设置新密码").click()

    expect(phone).to_have_url(re.compile(r"/login$"))
    log_in(phone, MOBILE, NEW_PASSWORD)
    expect(phone).to_have_url(re.compile(r"/account/tenants$"))
    other.goto("/account/tenants")
    expect(other).to_have_url(re.compile(r"/login"))  # the other device was signed out


def test_the_privacy_notice_is_one_tap_from_every_page(phone, shoot):
    phone.goto("/login")
    phone.get_by_role("link", name="个人信息保护说明").click()
    expect(phone).to_have_url(re.compile(r"/privacy$"))
    expect(phone.get_by_role("heading", name="个人信息保护说明")).to_be_visible()
    check_phone_layout(phone)
    shoot(phone, "privacy-zh")
