"""Browser tests: the real app served over HTTP on 127.0.0.1, driven by Debian's Chromium via Playwright.

The live server is a SEPARATE application with its own temporary SQLite file (built by the
migrations and filled with the demo tenants), so the main suite's per-test transaction fixture
never touches what the browser sees. Nothing is fetched from outside: Chromium is the system one
(``/usr/bin/chromium``), never a Playwright download.
"""
from __future__ import annotations

import importlib.util
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from portal.config import REPO_ROOT
from tests.browser.a11y import Ledger, PageAuditor

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests run as root in a container
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SKIP_ENV = "PORTAL_SKIP_BROWSER"
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"

# A cheap Android phone: 360×740 CSS pixels at 2× density, touch, Chinese first.
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
DESKTOP = {
    "viewport": {"width": 1280, "height": 800},
    "device_scale_factor": 1,
    "is_mobile": False,
    "has_touch": False,
    "locale": "zh-CN",
}
TIMEOUT_MS = 10_000

BROWSER_DIR = Path(__file__).resolve().parent
A11Y = Ledger()  # every page checked in this session, for the closing summary line
AUDITOR = pytest.StashKey[PageAuditor]()


def pytest_collection_modifyitems(config, items):
    """Every test under tests/browser carries the ``browser`` marker (``-m "not browser"`` skips them)."""
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a browser test passes, its pages' last documents are checked too; serious or critical problems fail it."""
    result = yield
    auditor = item.stash.get(AUDITOR, None)
    if auditor is not None:
        blocking = auditor.finish()
        if blocking:
            lines = "\n  ".join(problem.describe() for problem in blocking)
            pytest.fail(f"{len(blocking)} serious or critical accessibility problem(s):\n  {lines}", pytrace=False)
    return result


def pytest_terminal_summary(terminalreporter):
    """One line for the whole session: how many pages were checked, and how many serious problems they had."""
    if A11Y.pages:
        terminalreporter.write_line(A11Y.summary())
        for (rule, impact), count in sorted(A11Y.minor.items()):
            terminalreporter.write_line(f"a11y note: {rule} ({impact}) on {count} page(s); not failing")


@pytest.fixture(scope="session", autouse=True)
def chromium_executable() -> str:
    """The system Chromium, checked before anything expensive is built."""
    problem = None
    if not Path(CHROMIUM).is_file() or not os.access(CHROMIUM, os.X_OK):
        problem = f"{CHROMIUM} is missing"
    elif importlib.util.find_spec("playwright") is None:
        problem = "the playwright package is not installed"
    elif importlib.util.find_spec("axe_playwright_python") is None:
        problem = "the axe-playwright-python package is not installed"
    if problem:
        reason = (
            f"Browser tests need Debian's Chromium and Playwright, but {problem}. Run the test command "
            f"from README.md, `python3 manage.py test`, which installs the chromium and fonts-noto-cjk "
            f"packages and the test extras (never `playwright install`). Set {SKIP_ENV}=1 to skip these tests."
        )
        if os.environ.get(SKIP_ENV) == "1":
            pytest.skip(f"{SKIP_ENV}=1 and {problem}")
        pytest.fail(reason, pytrace=False)
    return CHROMIUM


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: object

    def __call__(self, path: str = "/") -> str:
        return self.url + path


class _QuietHandler(WSGIRequestHandler):
    """No access-log line per request (errors are still logged)."""

    def log_request(self, code="-", size="-"):
        pass


@pytest.fixture(scope="session")
def live_server():
    """The portal with the demo tenants, served on 127.0.0.1 at a free port for the whole session."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.config import TestConfig
    from portal.demo.services import load_demo
    from portal.extensions import db

    instance = tempfile.mkdtemp(prefix="portal-live-")
    config = TestConfig()
    # Always its own SQLite file, even when the main suite runs on PostgreSQL.
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{Path(instance) / 'live.sqlite3'}"
    config.finalise(instance)
    app = create_app(config)
    app.instance_path = instance
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="portal-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # The browser's own controls (a file input's button) follow LANGUAGE, not the page's locale: Chinese
        # first, like the phones the portal is made for (needs Debian's chromium-l10n; English without it).
        chromium = playwright.chromium.launch(executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS,
                                              env={**os.environ, "LANGUAGE": "zh_CN"})
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_context(browser, live_server, request):
    """``new_context(**options)``: a fresh browser context (own cookies) on the live server; phone-sized by default.

    Every page opened in it is checked for accessibility (tests/browser/a11y.py), except without JavaScript:
    axe runs in the page, and those pages are the same ones the scripted tests check.
    """
    contexts = []
    auditor = request.node.stash.setdefault(AUDITOR, PageAuditor(A11Y))

    def make(**overrides):
        options = {**PHONE, "base_url": live_server.url, **overrides}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        if options.get("java_script_enabled", True):
            open_page = context.new_page

            def new_page():
                page = open_page()
                auditor.watch(page)
                return page

            context.new_page = new_page
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def phone(new_context):
    """A page in a new 360×740 touch context, zh-CN."""
    return new_context().new_page()


@pytest.fixture
def desktop(new_context):
    """A page in a new 1280×800 desktop context, zh-CN."""
    return new_context(**DESKTOP).new_page()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def shoot(screenshot_dir):
    """``shoot(page, "login-zh")`` writes docs/screenshots/login-zh.png (whole page, regenerated every run)."""

    def take(page, name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
        return path

    return take
