"""No English on Chinese pages: every page of the demo, for every demo account, read in zh_CN.

The walk opens every page an account can reach: the pages linked from the pages it has seen (so real
object ids are used), and every GET route without object arguments in each tenant the account belongs to.
Each page's visible text is split into ASCII words; a word passes only if it is a code, a number, an
e-mail address, an abbreviation or a proper name on the allow-list below.
"""
from __future__ import annotations

import html
import re
from collections import defaultdict
from urllib.parse import urljoin, urlsplit

import pytest

from tests.portal.demo.test_demo import printed_accounts
from tests.portal.pages import login
from tests.routewalk import SLUG_ARG, build, methods, rules

# Proper names and words that are the same in Chinese text: product and format names, the language switch.
ALLOWED_WORDS = frozenset({
    "English",  # the language switch names the other language in that language
    "OpenAPI",
    "Excel", "WPS", "WeChat", "Android", "iPhone", "Chrome", "Edge", "Firefox", "Safari",
    "Stripe",  # the payment service, a proper name
    "WebP",  # an image format's name, like JPEG and PNG (the photo fields name what they take)
    "gaotang", "hengan",  # the demo tenants' slugs, shown in addresses
})
# Pages that are not HTML reading matter (downloads, the API, static files).
SKIPPED_PATHS = re.compile(r"^/(static|api)/|\.(csv|xlsx|png|svg|pdf)$|/export|/lang/")
MAX_PER_ROUTE = 3  # the same page for many objects says nothing new

WORD = re.compile(r"[A-Za-z][A-Za-z0-9²³'’_.@+-]*")  # m² is a unit, not a word
EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")


def visible_text(page: str) -> str:
    """What a reader sees or hears: text nodes plus the attributes read aloud or shown (placeholder, labels)."""
    # Scripts and styles are not read; <code>, <kbd>, <samp> and <pre> (the audit log's recorded JSON
    # snapshots) hold codes and machine data by definition.
    page = re.sub(r"<(script|style|code|kbd|samp|pre)\b.*?</\1>", " ", page, flags=re.S | re.I)
    spoken = re.findall(r'\s(?:placeholder|aria-label|alt)="([^"]*)"', page)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + " ".join(spoken))
    return re.sub(r"(?<!\S)/\S*|\S*://\S*", " ", text)  # web addresses and paths (/t/gaotang/) are codes


def is_allowed(word: str) -> bool:
    word = word.strip(".'’-_")
    if not word or word in ALLOWED_WORDS:
        return True
    if any(ch.isdigit() for ch in word) or EMAIL.match(word):
        return True  # numbers, codes like B1.2 or v2, identifiers, e-mail addresses
    if re.search(r"[._@+]", word):
        return True  # codes (checklist.section_changed, bureau_admin), addresses, file names
    if word.isupper():
        return True  # abbreviations, list letters and codes: A, API, CSV, XLSX, QR, credit codes
    return False


def english_words(page: str) -> list[str]:
    return [word for word in WORD.findall(visible_text(page)) if not is_allowed(word)]


def links(page: str, base: str) -> list[str]:
    found = []
    for href in re.findall(r'href="([^"#]+)', page):
        url = urljoin(base, html.unescape(href))
        parts = urlsplit(url)
        if parts.netloc in ("", "localhost") and parts.path.startswith("/"):
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def routes_without_objects(app, slugs: list[str]) -> list[str]:
    paths = []
    for rule in rules(app):
        if "GET" not in methods(rule) or rule.arguments - {SLUG_ARG}:
            continue
        if SLUG_ARG in rule.arguments:
            paths += [build(rule, {SLUG_ARG: slug}) for slug in slugs]
        else:
            paths.append(build(rule, {}))
    return paths


def walk(app, client, start: str) -> dict[str, list[str]]:
    """Every page reachable by ``client`` from ``start`` and from the object-free routes: path → English words."""
    adapter = app.url_map.bind("localhost")
    seen, per_route, found = set(), defaultdict(int), {}
    queue = [start]
    slugs: set[str] = set()
    queued_routes = False
    while queue or not queued_routes:
        if not queue:
            queue += routes_without_objects(app, sorted(slugs))
            queued_routes = True
            continue
        path = queue.pop(0)
        if path in seen or SKIPPED_PATHS.search(urlsplit(path).path):
            continue
        seen.add(path)
        try:
            endpoint, args = adapter.match(urlsplit(path).path, method="GET")
        except Exception:  # not a route of the portal (404) or not a GET page
            continue
        if per_route[endpoint] >= MAX_PER_ROUTE:
            continue
        per_route[endpoint] += 1
        response = client.get(path)
        if SLUG_ARG in args:
            slugs.add(args[SLUG_ARG])
        if response.status_code in (301, 302, 303) and "Location" in response.headers:
            queue += links(f'href="{response.headers["Location"]}"', path)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        found[path] = english_words(response.text)
        queue += [link for link in links(response.text, path) if link not in seen]
    return found


@pytest.fixture
def demo_accounts(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return printed_accounts(result.output)


def test_no_english_words_on_chinese_pages(app, demo_accounts):
    password, logins = demo_accounts
    pages, offenders = 0, defaultdict(set)
    for identifier in logins:
        client = app.test_client()  # no language cookie: zh_CN, the default
        response = login(client, identifier, password)
        assert response.status_code == 302, identifier
        found = walk(app, client, response.headers["Location"])
        assert found, f"{identifier} reached no page"
        pages += len(found)
        for path, words in found.items():
            for word in words:
                offenders[word].add(f"{identifier} {path}")
    print(f"zh_pages={pages} english_words={sum(len(where) for where in offenders.values())}")
    for word, where in sorted(offenders.items()):
        print(f"  {word}: {len(where)} pages, e.g. {sorted(where)[0]}")
    assert pages > 50
    assert not offenders, sorted(offenders)


@pytest.mark.parametrize("word, allowed", [
    ("document", False), ("photo", False), ("Spot", False), ("check", False),
    ("B1.2", True), ("v2", True), ("13900000001", True), ("admin@demo.local", True), ("API", True),
    ("checklist.section_changed", True), ("English", True), ("XLSX", True),
])
def test_what_counts_as_an_english_word(word, allowed):
    assert is_allowed(word) is allowed
