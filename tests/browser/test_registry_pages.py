"""The registry pages a bureau administrator uses, on a 360 px phone in Chinese: they fit and read."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.test_login_flow import BUREAU_ADMIN, log_in, no_horizontal_scroll

COMMUNITY = "金城花园"


def test_registry_pages_fit_a_phone(phone: Page, shoot):
    phone.goto("/login")
    log_in(phone, BUREAU_ADMIN)
    expect(phone).to_have_url(re.compile(r"/t/gaotang/dashboard$"))

    phone.goto("/t/gaotang/communities/")
    expect(phone.get_by_role("link", name=COMMUNITY, exact=True)).to_be_visible()
    no_horizontal_scroll(phone)
    shoot(phone, "communities-zh")

    # The detail page shows the change of firm in 2024: two contracts in the history.
    phone.get_by_role("link", name=COMMUNITY, exact=True).click()
    expect(phone.get_by_role("heading", name=COMMUNITY)).to_be_visible()
    expect(phone.locator("main")).to_contain_text("恒安物业服务有限公司")
    expect(phone.locator("main")).to_contain_text("民生物业管理有限公司")
    no_horizontal_scroll(phone)
    shoot(phone, "community-detail-zh")

    phone.goto("/t/gaotang/firms/")
    expect(phone.locator("main")).to_contain_text("恒安物业服务有限公司")
    no_horizontal_scroll(phone)
    shoot(phone, "firms-zh")

    phone.goto("/t/gaotang/roster/")
    expect(phone.locator("main")).to_contain_text(COMMUNITY)
    no_horizontal_scroll(phone)
    shoot(phone, "roster-zh")
