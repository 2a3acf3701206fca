"""Accessibility of every page the browser tests visit: axe-core (WCAG 2.0/2.1 A and AA) and reflow.

axe-core comes from the ``axe-playwright-python`` package (test extra), which ships ``axe.min.js`` inside
the wheel and injects that local file with ``page.evaluate``: nothing is fetched from outside.

Each page a test opens through the ``new_context`` fixture is watched: a newly loaded document is checked
once, before the first action or auto-waiting assertion on it (a Playwright locator handler on an
unchecked ``<html>``), before ``goto``, ``reload``, ``go_back`` or ``go_forward`` leaves it, and at the end
of the test. The check is axe plus WCAG 2.1 §1.4.10 (reflow): the page must not scroll sideways at its
viewport width. Serious and critical problems fail the test, naming the rule, the page, the width and the
offending nodes; the session prints ``a11y pages=<n> serious_or_critical=<n>``.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

# GB/T 37668-2019 follows WCAG 2.0 AA; 2.1 adds reflow, orientation, input purpose, non-text contrast.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
BLOCKING_IMPACTS = {"serious", "critical"}
CHECKED_MARK = "data-a11y-checked"  # set on <html> once its document has been checked
# Page methods that leave the current document without an action on it (actions trigger the locator handler).
LEAVING = ("goto", "reload", "go_back", "go_forward")

MEASURE_AND_MARK = """(mark) => {
    document.documentElement.setAttribute(mark, '');
    return {url: location.href, scrollWidth: document.documentElement.scrollWidth};
}"""


@cache
def _axe():
    """axe-core from the wheel's local axe.min.js (imported late: ``-m "not browser"`` runs need no Playwright)."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@dataclass(frozen=True)
class Problem:
    """One rule broken on one page at one width, with the CSS selectors of the nodes that break it."""

    rule: str
    impact: str
    summary: str
    page: str
    width: int
    targets: tuple[str, ...]

    @property
    def blocking(self) -> bool:
        return self.impact in BLOCKING_IMPACTS

    def describe(self) -> str:
        shown = ", ".join(self.targets[:8]) + (f" (+{len(self.targets) - 8} more)" if len(self.targets) > 8 else "")
        return f"{self.rule} ({self.impact}) on {self.page} at {self.width}px: {self.summary} — {shown}"


@dataclass
class Ledger:
    """What the whole browser session checked, for the closing summary line."""

    pages: int = 0
    serious_or_critical: int = 0
    minor: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        return f"a11y pages={self.pages} serious_or_critical={self.serious_or_critical}"


def _page_name(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class PageAuditor:
    """Checks each document of the watched pages once; collects the problems of one test."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self.problems: list[Problem] = []
        self.pages: list = []

    def watch(self, page) -> None:
        """Check ``page``'s documents from now on (before actions, before leaving, at the end of the test)."""
        self.pages.append(page)
        page.add_locator_handler(page.locator(f"html:not([{CHECKED_MARK}])"), lambda: self.check(page),
                                 no_wait_after=True)
        for name in LEAVING:
            setattr(page, name, self._checking_first(page, getattr(page, name)))

    def _checking_first(self, page, leave):
        def leave_after_check(*args, **kwargs):
            self.check(page)
            return leave(*args, **kwargs)

        return leave_after_check

    def check(self, page) -> None:
        """Run axe and the reflow check on the page's current document, unless it was checked already."""
        if page.is_closed() or page.url == "about:blank":
            return
        page.wait_for_load_state("domcontentloaded")
        checked = page.evaluate(f"() => document.documentElement ? document.documentElement.hasAttribute('{CHECKED_MARK}') "
                                ": null")
        if checked is None:
            return  # between two documents: the handler checks the next one when it appears unmarked
        if checked:
            return
        violations = _axe().run(page, options=AXE_OPTIONS).response["violations"]
        state = page.evaluate(MEASURE_AND_MARK, CHECKED_MARK)
        name, width = _page_name(state["url"]), page.viewport_size["width"]
        self.ledger.pages += 1
        found = [
            Problem(v["id"], v["impact"] or "minor", v["help"], name, width,
                    tuple(" ".join(node["target"]) for node in v["nodes"]))
            for v in violations
        ]
        if state["scrollWidth"] > width:
            sideways = f"the page is {state['scrollWidth']}px wide and scrolls sideways"
            found.append(Problem("reflow (WCAG 1.4.10)", "serious", sideways, name, width, ("html",)))
        for problem in found:
            if problem.blocking:
                self.ledger.serious_or_critical += 1
            else:
                self.ledger.minor[(problem.rule, problem.impact)] += 1
        self.problems.extend(found)

    def finish(self) -> list[Problem]:
        """Check the documents still open at the end of the test; return the serious and critical problems."""
        for page in self.pages:
            self.check(page)
        return [problem for problem in self.problems if problem.blocking]
