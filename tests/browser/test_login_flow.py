"""Sign-in on a cheap phone (360×740, zh-CN first): login, dashboard, language switch, sign-out, tenant picker.

Every run rewrites the screenshots in docs/screenshots/ (they are committed as documentation).
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.demo.services import DEMO_PASSWORD

pytestmark = pytest.mark.browser

BUREAU_ADMIN = "13900000001"  # 王局长, gaotang bureau administrator
FIRM_STAFF = "13900000004"  # 孙经理, firm staff in gaotang and in hengan

# The words the pages must show; Chinese from portal/translations/zh/LC_MESSAGES/messages.po.
ZH = {
    "sign_in": "登录",
    "identifier": "手机号或电子邮箱",
    "password": "密码",
    "sign_out": "退出登录",
    "dashboard": "工作台",
    "hello": "王局长，您好",
    "bad_password": "手机号/电子邮箱或密码不正确。",
    "choose_tenant": "选择要进入的单位",
    "signed_out": "您已退出登录。",
}
EN = {
    "sign_in": "Sign in",
    "identifier": "Mobile number or e-mail",
    "password": "Password",
    "sign_out": "Sign out",
    "dashboard": "Dashboard",
    "hello": "Hello, 王局长",
    "signed_out": "You have signed out.",
}
GAOTANG_ZH = "高唐县住房和城乡建设局"
GAOTANG_EN = "Gaotang County Housing and Urban-Rural Development Bureau"
HENGAN_ZH = "恒安物业服务有限公司"

DASHBOARD_URL = re.compile(r"/t/gaotang/dashboard$")
MIN_TARGET = 44  # CSS px: the smallest comfortable touch target for a thumb


def no_horizontal_scroll(page: Page, width: int = 360) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways: {scroll_width}px wide at a {width}px viewport"


def small_touch_targets(page: Page) -> list[str]:
    """Controls in the header, menu, forms and action lists smaller than MIN_TARGET (inline text links exempt)."""
    return page.evaluate(
        """(min) => {
            const selector = '.site-header a, .site-header button, main button, main input:not([type=hidden]),'
                + ' main select, main .button, main .actions a, main .choice';
            const small = [];
            for (const el of document.querySelectorAll(selector)) {
                const box = el.getBoundingClientRect();
                if (box.width === 0 && box.height === 0) continue;  // not rendered (e.g. the skip link)
                if (el.classList.contains('skip-link')) continue;
                if (box.height < min || box.width < min) {
                    small.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.name || '').trim()}" ${Math.round(box.width)}x${Math.round(box.height)}`);
                }
            }
            return small;
        }""",
        MIN_TARGET,
    )


def brand_is_clipped(page: Page) -> bool:
    """The tenant name in the header may wrap but must not be cut off (ellipsis or hidden lines)."""
    # A few pixels of slack for glyph overhang; a hidden line or ellipsis costs far more.
    return page.locator(".brand-text").evaluate("e => e.scrollHeight > e.clientHeight + 8 || e.scrollWidth > e.clientWidth + 2")


def check_phone_layout(page: Page) -> None:
    # After a click that navigates, measure the new page once its stylesheets apply (a busy machine is slow).
    page.wait_for_load_state("load")
    no_horizontal_scroll(page)
    assert small_touch_targets(page) == []
    assert not brand_is_clipped(page), page.locator(".brand-text").inner_text()


def log_in(page: Page, login: str, password: str = DEMO_PASSWORD, words: dict = ZH) -> None:
    """Type into the fields found by their visible labels (proving the labels are wired) and submit."""
    page.get_by_label(words["identifier"]).fill(login)
    page.get_by_label(words["password"], exact=True).fill(password)
    page.get_by_role("button", name=words["sign_in"], exact=True).click()


def test_login_dashboard_language_switch_and_sign_out(phone: Page, shoot):
    phone.goto("/login")
    expect(phone.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(phone.get_by_role("heading", name=ZH["sign_in"], exact=True)).to_be_visible()
    expect(phone.get_by_role("link", name="English")).to_be_visible()
    expect(phone.locator("[autofocus]")).to_have_count(1)
    expect(phone.get_by_label(ZH["identifier"])).to_be_focused()
    check_phone_layout(phone)
    shoot(phone, "login-zh")

    log_in(phone, BUREAU_ADMIN)
    expect(phone).to_have_url(DASHBOARD_URL)
    expect(phone.get_by_role("heading", name=ZH["hello"])).to_be_visible()
    expect(phone.locator(".brand-text")).to_have_text(GAOTANG_ZH)
    expect(phone.get_by_role("button", name=ZH["sign_out"], exact=True)).to_be_visible()
    expect(phone.get_by_role("navigation").get_by_role("link", name=ZH["dashboard"], exact=True)).to_be_visible()
    check_phone_layout(phone)
    shoot(phone, "dashboard-zh")

    phone.get_by_role("link", name="English").click()
    expect(phone).to_have_url(DASHBOARD_URL)
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.get_by_role("heading", name=EN["hello"])).to_be_visible()
    expect(phone.locator(".brand-text")).to_have_text(GAOTANG_EN)
    expect(phone.get_by_role("link", name="中文")).to_be_visible()
    check_phone_layout(phone)
    shoot(phone, "dashboard-en")

    phone.get_by_role("button", name=EN["sign_out"], exact=True).click()
    expect(phone).to_have_url(re.compile(r"/login$"))
    # The language cookie outlives the session.
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.get_by_role("heading", name=EN["sign_in"], exact=True)).to_be_visible()
    expect(phone.get_by_text(EN["signed_out"])).to_be_visible()
    expect(phone.get_by_role("button", name=EN["sign_out"])).to_have_count(0)
    check_phone_layout(phone)
    shoot(phone, "login-en")

    # Signed out means signed out: the dashboard now asks for a login.
    phone.goto("/t/gaotang/dashboard")
    expect(phone).to_have_url(re.compile(r"/login"))


def test_wrong_password_shows_error_next_to_the_field(phone: Page, shoot):
    phone.goto("/login")
    log_in(phone, BUREAU_ADMIN, password="not-the-password")
    expect(phone).to_have_url(re.compile(r"/login$"))
    password = phone.get_by_label(ZH["password"], exact=True)
    error = phone.locator("#password-error")
    expect(error).to_have_text(ZH["bad_password"])
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_attribute("aria-describedby", "password-error")
    expect(password).to_have_value("")  # the password is never echoed back
    expect(phone.locator("[autofocus]")).to_have_count(1)
    expect(password).to_be_focused()  # ready for a second try
    expect(phone.get_by_label(ZH["identifier"])).to_have_value(BUREAU_ADMIN)
    # Next to the field: in the same field block, straight below the input, in red.
    assert phone.locator(".field.has-error").filter(has=password).locator(".error").count() == 1
    field_box, error_box = password.bounding_box(), error.bounding_box()
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 24
    assert error.evaluate("e => getComputedStyle(e).color") == "rgb(180, 35, 24)"
    check_phone_layout(phone)
    shoot(phone, "login-error-zh")


def test_login_works_without_javascript(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/login")
    log_in(page, BUREAU_ADMIN)
    expect(page).to_have_url(DASHBOARD_URL)
    expect(page.get_by_role("heading", name=ZH["hello"])).to_be_visible()
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name=EN["sign_out"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_text(EN["signed_out"])).to_be_visible()


def test_member_of_two_tenants_picks_one(phone: Page, shoot):
    phone.goto("/login")
    log_in(phone, FIRM_STAFF)
    expect(phone).to_have_url(re.compile(r"/account/tenants$"))
    expect(phone.get_by_role("heading", name=ZH["choose_tenant"])).to_be_visible()
    choices = phone.locator("a.choice")
    expect(choices).to_have_count(2)
    expect(choices.filter(has_text=GAOTANG_ZH)).to_have_count(1)
    expect(choices.filter(has_text=HENGAN_ZH)).to_have_count(1)
    check_phone_layout(phone)
    shoot(phone, "tenant-picker-zh")

    choices.filter(has_text=HENGAN_ZH).click()
    expect(phone).to_have_url(re.compile(r"/t/hengan/dashboard$"))
    expect(phone.locator(".brand-text")).to_have_text(HENGAN_ZH)
    expect(phone.get_by_role("heading", name="孙经理")).to_be_visible()
    check_phone_layout(phone)


@pytest.mark.parametrize("path", ["/", "/login", "/t/gaotang/"])
def test_public_pages_fit_a_phone(phone: Page, path: str):
    phone.goto(path)
    expect(phone.locator("html")).to_have_attribute("lang", "zh-CN")
    check_phone_layout(phone)


def test_dashboard_on_a_desktop(desktop: Page, shoot):
    page = desktop
    page.goto("/login")
    log_in(page, BUREAU_ADMIN)
    expect(page).to_have_url(DASHBOARD_URL)
    expect(page.get_by_role("heading", name=ZH["hello"])).to_be_visible()
    no_horizontal_scroll(page, width=1280)
    shoot(page, "dashboard-desktop-zh")
