"""Claim codes end to end on a 360×740 phone, Chinese first: issue codes for a building, print the slips,
register a new owner with one code, see the unit and the community page; the used code is then refused.

Every run rewrites docs/screenshots/claim-sheet-zh.png, register-zh.png, my-unit-zh.png, community-zh.png,
code-used-zh.png (and claim-codes-building-zh.png, the manager's page, and claim-sheet-print-zh.png, the
sheet as it prints on A4).
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.owners.codes import looks_like_code
from tests.browser.test_login_flow import BUREAU_ADMIN, ZH, check_phone_layout, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser

COMMUNITY = "金城花园"
BUILDING = "1号楼"
NEW_OWNER = "13912345678"
OWNER_PASSWORD = "my own flat 2026 password"


def fill_registration(page: Page, code: str, mobile: str) -> None:
    page.locator("#code").fill(code)
    page.locator("#mobile").fill(mobile)
    page.locator("#display_name").fill("陈业主")
    page.locator("#password").fill(OWNER_PASSWORD)
    page.locator("#confirm_password").fill(OWNER_PASSWORD)
    page.locator("#privacy_consent").check()


@pytest.fixture
def published_lists(live_server):
    """The three lists published in the demo tenant and 金城花园 at grade 2, so the owner's page has them
    (idempotent: the demo loader may already do this)."""
    import sqlalchemy as sa

    from portal.checklists.services import seed_defaults
    from portal.communities.models import Community, ServiceGrade
    from portal.extensions import db
    from tenants import tenant_scope
    from tenants.models import Tenant

    with live_server.app.app_context():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "gaotang"))
        with tenant_scope(tenant):
            seed_defaults(tenant)
            community = db.session.scalar(sa.select(Community).where(Community.name == COMMUNITY))
            if community.service_grade is None:
                community.service_grade = ServiceGrade.GRADE2
            db.session.commit()
        db.session.remove()


INTRANET = "http://192.168.1.20:8000"

# The QR code as the browser draws it: its <svg> painted onto a canvas, read back as grey pixels.
RENDER_QR = """async (svg) => {
  const side = 8 * svg.viewBox.baseVal.width;
  const image = new Image();
  image.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg.outerHTML);
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = side;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0, side, side);
  const rgba = context.getImageData(0, 0, side, side).data;
  const grey = [];
  for (let i = 0; i < rgba.length; i += 4) grey.push(rgba[i]);
  return {side, grey};
}"""


def decode_rendered_qr(slip) -> str:
    """What a phone's scanner reads from the slip's QR code, as the browser rendered it (ZXing)."""
    import zxingcpp

    drawn = slip.locator("svg.qr").evaluate(RENDER_QR)
    side = drawn["side"]
    image = memoryview(bytes(drawn["grey"])).cast("B", (side, side))
    (result,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return result.text


@pytest.fixture
def public_url(live_server, monkeypatch):
    """PORTAL_PUBLIC_URL set to an intranet address, while the administrator browses from 127.0.0.1."""
    monkeypatch.setitem(live_server.app.config, "PUBLIC_URL", INTRANET)


def test_print_sheet_register_with_a_code_see_the_unit(phone: Page, new_context, shoot, published_lists, public_url):
    # The bureau administrator issues codes for 金城花园 1号楼.
    phone.goto("/login")
    log_in(phone, BUREAU_ADMIN)
    expect(phone).to_have_url(re.compile(r"/t/gaotang/dashboard$"))
    phone.goto("/t/gaotang/claim-codes/")
    phone.locator("a.choice", has_text=COMMUNITY).click()
    expect(phone.get_by_role("heading", name=COMMUNITY)).to_be_visible()
    row = phone.locator("li.row", has=phone.get_by_role("link", name=BUILDING, exact=True))
    row.locator("form button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/claim-codes/\d+/buildings/\d+$"))
    # 15 units; the demo owner already lives in 101, so that unit gets no loose slip.
    expect(phone.locator(".flash-success")).to_contain_text("14")
    check_phone_layout(phone)
    shoot(phone, "claim-codes-building-zh")
    building_url = phone.url

    # The units are a list like any other: filtered to those with an unused code (101 has none).
    phone.locator("details.more-filters summary").click()
    phone.locator("#state").select_option("unused")
    phone.locator("details.more-filters button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"state=unused"))
    expect(phone.locator(".list-count")).to_contain_text("14")
    check_phone_layout(phone)

    # The printable sheet: 14 slips, each with its code and an inline SVG QR code.
    phone.goto(building_url + "/print")
    slips = phone.locator("article.slip")
    expect(slips).to_have_count(14)
    expect(slips.first.locator("svg.qr")).to_be_visible()
    no_horizontal_scroll(phone)
    shoot(phone, "claim-sheet-zh")
    code = slips.first.locator(".claim-code").inner_text().strip()
    assert looks_like_code(code), code
    unit_heading = slips.first.locator(".slip-unit").inner_text()
    assert COMMUNITY in unit_heading and BUILDING in unit_heading
    # The QR code a phone scans carries the configured public address, not the 127.0.0.1 browsed from.
    assert decode_rendered_qr(slips.first) == f"{INTRANET}/t/gaotang/register?code={code}"
    assert f"{INTRANET}/t/gaotang/register" in slips.first.locator(".slip-help").inner_text()
    expect(phone.locator(".public-url-warning")).to_have_count(0)
    # Each slip fits: neither the code nor the QR spills out of its slip.
    overflow = phone.evaluate("""() => [...document.querySelectorAll('article.slip')].filter(
        s => s.scrollWidth > s.clientWidth + 1).length""")
    assert overflow == 0
    # On paper (A4, print CSS): no header or menu, two slips a row.
    print_page = new_context(viewport={"width": 794, "height": 1123}, is_mobile=False, has_touch=False,
                             device_scale_factor=1).new_page()
    print_page.context.add_cookies(phone.context.cookies())
    print_page.goto(phone.url)
    print_page.emulate_media(media="print")
    expect(print_page.locator(".site-header")).to_be_hidden()
    tops = print_page.evaluate("() => [...document.querySelectorAll('article.slip')].slice(0, 2).map(s => s.getBoundingClientRect().top)")
    assert tops[0] == tops[1]  # side by side
    shoot(print_page, "claim-sheet-print-zh")

    # Sign out; a new owner registers on the phone with the printed code.
    phone.get_by_role("button", name=ZH["sign_out"], exact=True).click()
    expect(phone).to_have_url(re.compile(r"/login$"))
    phone.goto("/t/gaotang/register")
    fill_registration(phone, code.lower(), NEW_OWNER)  # typed in lower case: still the code
    check_phone_layout(phone)
    shoot(phone, "register-zh")
    phone.locator("main form button[type=submit]").click()

    expect(phone).to_have_url(re.compile(r"/t/gaotang/my/units$"))
    card = phone.locator(".unit-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(COMMUNITY)
    expect(card).to_contain_text(BUILDING)
    check_phone_layout(phone)
    shoot(phone, "my-unit-zh")

    card.get_by_role("link", name=COMMUNITY).click()
    expect(phone).to_have_url(re.compile(r"/t/gaotang/my/communities/\d+$"))
    expect(phone.get_by_role("heading", name=COMMUNITY, exact=True)).to_be_visible()
    expect(phone.locator("#list-a details").first).to_be_visible()
    expect(phone.locator("#list-b")).to_contain_text("业主大会")
    check_phone_layout(phone)
    shoot(phone, "community-zh")

    # The same code a second time (another phone, another number): refused next to the code field.
    other = new_context().new_page()
    other.goto(f"/t/gaotang/register?code={code}")
    expect(other.locator("#code")).to_have_value(code)  # the QR link fills the code in
    fill_registration(other, code, "13912345679")
    other.locator("main form button[type=submit]").click()
    expect(other).to_have_url(re.compile(r"/t/gaotang/register$"))
    error = other.locator("#code-error")
    expect(error).to_be_visible()
    expect(other.locator("#code")).to_have_attribute("aria-invalid", "true")
    assert error.inner_text().strip()
    check_phone_layout(other)
    shoot(other, "code-used-zh")
    # Nobody was signed in by the refused attempt.
    other.goto("/t/gaotang/my/units")
    expect(other).to_have_url(re.compile(r"/login"))
