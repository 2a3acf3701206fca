"""Accessibility beyond what axe can see: the check itself catches problems, keyboard focus shows, tables turn
into cards on a phone. (Every page the browser tests visit is checked by axe through tests/browser/a11y.py.)"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import Ledger, PageAuditor
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_login_flow import BUREAU_ADMIN, log_in

pytestmark = pytest.mark.browser

BROKEN_PAGE = """<!doctype html><html lang="zh-CN"><head><title>坏页面</title></head><body><main>
<h1>坏页面</h1>
<input id="nameless">
<p style="color: #aaa; background: #fff">看不清的字</p>
<div style="width: 600px">太宽了</div>
</main></body></html>"""

# The focus ring's contrast with the background behind the focused control (WCAG 2.1 §1.4.11 asks 3:1).
FOCUS_RING = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
    const luminance = ([r, g, b]) => {
        const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    let node = el.parentElement, background = 'rgb(255, 255, 255)';
    while (node) {
        const bg = getComputedStyle(node).backgroundColor;
        if (bg !== 'transparent' && !bg.startsWith('rgba(0, 0, 0, 0')) { background = bg; break; }
        node = node.parentElement;
    }
    const [a, b] = [luminance(rgb(style.outlineColor)), luminance(rgb(background))].sort((x, y) => y - x);
    const box = el.getBoundingClientRect();
    return {
        name: `${el.tagName.toLowerCase()} "${(el.textContent || el.name || '').trim().slice(0, 20)}"`,
        style: style.outlineStyle, width: parseFloat(style.outlineWidth),
        contrast: (a + 0.05) / (b + 0.05),
        onScreen: box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0 && box.right <= innerWidth,
    };
}"""


def test_the_check_names_the_rule_the_page_and_the_nodes(browser):
    """A page with an unlabelled field, faint text and a too-wide block fails, with where and why."""
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.route("http://portal.test/broken", lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=BROKEN_PAGE))
        ledger = Ledger()
        auditor = PageAuditor(ledger)
        auditor.watch(page)
        page.goto("http://portal.test/broken")
        problems = {problem.rule: problem for problem in auditor.finish()}
    finally:
        context.close()
    assert {"label", "color-contrast", "reflow (WCAG 1.4.10)"} <= set(problems)
    assert problems["label"].targets == ("#nameless",)
    assert problems["label"].page == "/broken" and problems["label"].width == 360
    assert "#nameless" in problems["label"].describe()
    assert ledger.pages == 1 and ledger.serious_or_critical == len(problems)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_keyboard_focus_is_visible_everywhere(new_context, size: str):
    """Tabbing through the dashboard: the skip link comes first and shows; every stop has a clear focus ring."""
    page = new_context(**(PHONE if size == "phone" else DESKTOP)).new_page()
    page.goto("/login")
    log_in(page, BUREAU_ADMIN)
    expect(page).to_have_url(re.compile(r"/t/gaotang/dashboard$"))
    page.locator("body").focus()
    weak = []
    for stop in range(16):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        if stop == 0:
            expect(page.locator(".skip-link")).to_be_focused()
            assert ring["onScreen"], "the skip link stays off screen when focused"
        if ring["style"] == "none" or ring["width"] < 2 or ring["contrast"] < 3:
            weak.append(ring)
    assert weak == []


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_contract_history_is_cards_on_a_phone_and_a_table_on_a_desktop(new_context, size: str):
    page = new_context(**(PHONE if size == "phone" else DESKTOP)).new_page()
    page.goto("/login")
    log_in(page, BUREAU_ADMIN)
    page.goto("/t/gaotang/communities/")
    page.get_by_role("link", name="金城花园", exact=True).click()
    table = page.locator("#contracts table")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    # Screen readers still get a table with column headers, whatever it looks like.
    expect(table.get_by_role("columnheader")).to_have_count(7)
    first, second = rows.nth(0).bounding_box(), rows.nth(1).bounding_box()
    from_cell = rows.nth(0).locator("td").nth(1)
    if size == "phone":
        expect(table.locator("thead")).not_to_be_in_viewport()
        assert second["y"] >= first["y"] + first["height"]  # one card under the other
        assert first["width"] <= 360
        # Each value carries its column's name next to it.
        label = from_cell.evaluate("td => getComputedStyle(td, '::before').content")
        assert label == '"开始日期"'
    else:
        expect(table.locator("thead")).to_be_visible()
        assert from_cell.evaluate("td => getComputedStyle(td, '::before').content") == "none"
        firm, start = rows.nth(0).locator("td").nth(0).bounding_box(), from_cell.bounding_box()
        assert abs(firm["y"] - start["y"]) < 1 and start["x"] > firm["x"]  # side by side in one row
