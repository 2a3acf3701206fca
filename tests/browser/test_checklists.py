"""The three lists on a 360×740 phone and a desktop: reading list A (grades stacked / side by side) and the editor."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_flow import EN, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser

BUREAU_ADMIN = "13900000001"


def english(page: Page, live_server) -> Page:
    page.context.add_cookies([{"name": "portal_lang", "value": "en", "url": live_server.url}])
    return page


def grade_boxes(page: Page) -> list[dict]:
    first = page.locator("dl.grades").first
    return [first.locator("div").nth(i).bounding_box() for i in range(3)]


def test_list_a_grades_stack_on_a_phone_and_sit_side_by_side_on_a_desktop(phone: Page, desktop: Page, live_server, shoot):
    for page in (phone, desktop):
        english(page, live_server)
        page.goto("/login")
        log_in(page, BUREAU_ADMIN, words=EN)
        page.goto("/t/gaotang/checklists/")
        page.get_by_role("link", name="Read version 1").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("List A")
        expect(page.get_by_text("To be verified").first).to_be_visible()
    one, two, three = grade_boxes(phone)
    assert one["y"] < two["y"] < three["y"] and abs(one["x"] - two["x"]) < 1  # stacked
    no_horizontal_scroll(phone)
    shoot(phone, "checklists-list-a-phone-en")
    one, two, three = grade_boxes(desktop)
    assert abs(one["y"] - two["y"]) < 1 and one["x"] < two["x"] < three["x"]  # three columns
    shoot(desktop, "checklists-list-a-desktop-en")


def test_editor_on_a_phone_shows_the_weight_sum_and_refuses_publishing(phone: Page, live_server, shoot):
    english(phone, live_server)
    phone.goto("/login")
    log_in(phone, BUREAU_ADMIN, words=EN)
    phone.goto("/t/gaotang/checklists/")
    phone.locator("#list-C").get_by_role("button", name="New draft").click()
    expect(phone.locator("#weight-sum")).to_contain_text("Sum of weights: 100 of 100")
    phone.get_by_role("link", name="Edit section").first.click()
    phone.get_by_label("Weight (points out of 100)").fill("30")
    phone.get_by_role("button", name="Save").click()
    expect(phone.locator("#weight-sum")).to_contain_text("5 short of 100")
    phone.get_by_label("Note: what changed and why").fill("try")
    phone.get_by_role("button", name="Publish version 2").click()
    expect(phone.get_by_text("Weights sum to 95, must be 100.").first).to_be_visible()
    no_horizontal_scroll(phone)
    shoot(phone, "checklists-editor-phone-en")
    phone.get_by_role("button", name="Discard draft").click()
    expect(phone.get_by_text("discarded")).to_be_visible()
