"""Verifying a mobile number on a phone (360×740, zh-CN) with the code the message sender captured: a member of
hengan (which requires it) is sent to verify first; a new owner registers on hengan's page with a code; hengan's
administrator reads the setting."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.test_login_flow import check_phone_layout, log_in

pytestmark = pytest.mark.browser

MEMBER = "13912340002"  # an account of its own (the demo accounts keep their states for the other tests)
MEMBER_PASSWORD = "a passphrase for the phone test"
NEW_OWNER = "13912340003"
CODE_RE = re.compile(r"\b(\d{6})\b")


def code_sent_to(live_server, mobile: str, before: int) -> str:
    messages = live_server.app.extensions["message_sender"].to(mobile)
    assert len(messages) == before + 1, messages
    return CODE_RE.search(messages[-1].text).group(1)


def sent_count(live_server, mobile: str) -> int:
    return len(live_server.app.extensions["message_sender"].to(mobile))


@pytest.fixture
def hengan_owner(live_server):
    """An unverified owner of hengan (the demo tenant that requires a verified number)."""
    from portal.auth import services
    from portal.extensions import db
    from tenants import tenant_scope
    from tenants.models import Membership, Tenant
    from tenants.roles import Role

    with live_server.app.app_context():
        if services.find_user(MEMBER) is None:
            user = services.create_user(display_name="待验证业主", password=MEMBER_PASSWORD, mobile=MEMBER)
            hengan = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "hengan"))
            with tenant_scope(hengan):
                db.session.add(Membership(user_id=user.id, role=Role.OWNER))
                db.session.flush()
            db.session.commit()
        db.session.remove()
    return MEMBER


@pytest.fixture
def hengan_slip(live_server) -> str:
    """An active claim code of hengan (the demo prints slips for one of its buildings)."""
    from portal.extensions import db
    from portal.owners.models import ClaimCode, ClaimStatus
    from tenants import tenant_scope
    from tenants.models import Tenant

    with live_server.app.app_context():
        hengan = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "hengan"))
        with tenant_scope(hengan):
            code = db.session.scalar(sa.select(ClaimCode.code_plain).where(ClaimCode.status == ClaimStatus.ACTIVE)
                                     .order_by(ClaimCode.id.desc()).limit(1))
        db.session.remove()
    assert code
    return code


def test_a_member_of_hengan_verifies_the_number_first(live_server, phone, shoot, hengan_owner):
    phone.goto("/login")
    log_in(phone, MEMBER, MEMBER_PASSWORD)
    # The only tenant's pages send the member to verify first, and bring them back after.
    expect(phone).to_have_url(re.compile(r"/account/mobile\?next=/t/hengan/dashboard$"))
    expect(phone.get_by_role("heading", name="手机号验证")).to_be_visible()
    expect(phone.get_by_text("恒安物业服务有限公司要求每位成员先用验证码验证手机号")).to_be_visible()
    expect(phone.get_by_text("未验证", exact=True)).to_be_visible()
    expect(phone.get_by_label("手机号")).to_have_value(MEMBER)
    check_phone_layout(phone)
    shoot(phone, "mobile-verify-zh")

    before = sent_count(live_server, MEMBER)
    phone.get_by_role("button", name="发送验证码").click()
    expect(phone.locator(".flash").first).to_contain_text(f"验证码正在发送到 {MEMBER}")
    code = code_sent_to(live_server, MEMBER, before)
    messages = live_server.app.extensions["message_sender"].to(MEMBER)
    assert "手机验证码" in messages[-1].text and "10 分钟内有效" in messages[-1].text

    phone.get_by_label("验证码").fill("000000" if code != "000000" else "111111")
    phone.get_by_role("button", name="验证", exact=True).click()
    expect(phone.locator("#code-error")).to_contain_text("验证码不正确")  # next to its field, once
    expect(phone.locator(".error")).to_have_count(1)
    check_phone_layout(phone)
    shoot(phone, "mobile-verify-code-zh")

    phone.get_by_label("验证码").fill(code)
    phone.get_by_role("button", name="验证", exact=True).click()
    expect(phone).to_have_url(re.compile(r"/t/hengan/dashboard$"))
    expect(phone.locator(".flash").first).to_contain_text(f"手机号 {MEMBER} 已验证")
    phone.get_by_role("link", name="我的账号").click()
    expect(phone.get_by_text("已验证", exact=True)).to_be_visible()
    check_phone_layout(phone)
    shoot(phone, "account-zh")


def test_a_new_owner_registers_on_hengans_page_with_a_code(live_server, phone, shoot, hengan_slip):
    phone.goto(f"/t/hengan/register?code={hengan_slip}")
    expect(phone.get_by_label("认领码")).to_have_value(hengan_slip)
    expect(phone.get_by_label("密码", exact=True)).to_have_count(0)  # the number is proved first
    phone.get_by_label("手机号").fill(NEW_OWNER)
    check_phone_layout(phone)
    shoot(phone, "register-code-step-zh")
    before = sent_count(live_server, NEW_OWNER)
    phone.get_by_role("button", name="发送验证码").click()

    code = code_sent_to(live_server, NEW_OWNER, before)
    expect(phone.get_by_label("手机号")).to_have_value(NEW_OWNER)
    expect(phone.get_by_label("手机号")).to_have_attribute("readonly", "")
    phone.get_by_label("短信验证码").fill(code)
    phone.get_by_label("您的姓名").fill("新业主")
    phone.get_by_label("密码", exact=True).fill("a new owner's long passphrase")
    phone.get_by_label("确认密码").fill("a new owner's long passphrase")
    phone.get_by_label("我已阅读并同意《个人信息保护说明》。").check()
    check_phone_layout(phone)
    shoot(phone, "register-with-code-zh")
    phone.get_by_role("button", name="注册并绑定房屋").click()
    expect(phone).to_have_url(re.compile(r"/t/hengan/my/units$"))
    expect(phone.locator(".flash").first).to_contain_text("您的账号已与房屋绑定")


def test_hengans_administrator_reads_the_setting(phone, shoot):
    phone.goto("/login")
    log_in(phone, "13900000011")  # 郑总, verified in the demo: straight in
    expect(phone).to_have_url(re.compile(r"/t/hengan/dashboard$"))
    phone.get_by_role("link", name="设置", exact=True).click()
    expect(phone).to_have_url(re.compile(r"/t/hengan/settings/$"))
    expect(phone.get_by_label("成员须用验证码验证手机号")).to_be_checked()
    check_phone_layout(phone)
    shoot(phone, "tenant-settings-zh")
