"""Every page with a form, in a tenant with 150 of everything one picks (areas, communities, firms, project
managers, members): no form carries more than ~100 options; choices come from a search, not a giant select."""
from __future__ import annotations

from html.parser import HTMLParser

from tenants.roles import Role
from tests import routewalk
from tests.conftest import login
from tests.factories import World
from tests.portal import bulk

MANY = 150
MOST_OPTIONS = 100


class _FormOptions(HTMLParser):
    """The number of <option>s in each <form> of a page (and outside any form)."""

    def __init__(self):
        super().__init__()
        self.forms: list[list] = []  # [description, options]
        self.open: list[int] = []

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            attrs = dict(attrs)
            self.forms.append([f"{attrs.get('method', 'get')} {attrs.get('action', '(this page)')}", 0])
            self.open.append(len(self.forms) - 1)
        elif tag == "option":
            if not self.open:
                self.forms.append(["(outside a form)", 0])
                self.open.append(len(self.forms) - 1)
            self.forms[self.open[-1]][1] += 1

    def handle_endtag(self, tag):
        if tag == "form" and self.open:
            self.open.pop()


def options_per_form(page: str) -> list[tuple[str, int]]:
    parser = _FormOptions()
    parser.feed(page)
    return [(where, count) for where, count in parser.forms]


def large_tenant(app, world: World) -> None:
    def build():
        bulk.offices(world.a, MANY, "大量社区")
        bulk.communities(world.a, MANY, "大量小区")
        bulk.firms(world.a, MANY, "大量物业")
        bulk.managers(world.a, MANY, "大量经理")
        bulk.members(world.a, MANY, "大量成员")
        bulk.contracts(world.a, MANY, "大量合同小区")

    bulk.in_tenant(app, world.a, build)
    bulk.tenants(app, MANY, "MANYTENANTS")
    bulk.accounts(app, MANY, "大量账号")


def html_get_pages(app, world: World) -> list[tuple[str, str]]:
    """(reader, path) of every HTML page a GET shows, with the world's ids; the platform's as its administrator."""
    pages = []
    for rule in routewalk.rules(app):
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.startswith("/api/"):
            continue
        if routewalk.unmapped_arguments(rule):
            continue
        ids = world.a if routewalk.is_tenant_scoped(rule) else None
        for url in routewalk.url_variants(rule, slug="alpha", ids=ids, world=world):
            pages.append(("platform" if url.startswith("/platform") else "admin", url))
    return pages


def test_no_form_carries_more_than_a_hundred_options(app, world: World, record_property):
    large_tenant(app, world)
    readers = {}
    for name, identifier in (("admin", world.a.logins[Role.BUREAU_ADMIN]), ("platform", world.platform_admin_login)):
        readers[name] = app.test_client()
        assert login(readers[name], identifier).status_code == 302
    problems, checked, most = [], 0, 0
    for who, path in html_get_pages(app, world):
        response = readers[who].get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        checked += 1
        for where, count in options_per_form(response.get_data(as_text=True)):
            most = max(most, count)
            if count > MOST_OPTIONS:
                problems.append(f"GET {path}: form {where} has {count} options")
    summary = f"option_walk pages={checked} most_options_in_a_form={most} over_{MOST_OPTIONS}={len(problems)}"
    print("\n" + summary)
    record_property("option_walk", summary)
    assert checked >= 30
    assert not problems, summary + "\n" + "\n".join(problems)
    # The pickers did have thousands' worth to offer: the walk saw them cut down, not empty.
    assert most >= 50


def test_the_walk_counts_options_per_form():
    page = ("<form method='get'><select><option>1</option><option>2</option></select></form>"
            "<form method='post' action='/x'><select>" + "<option>o</option>" * 101 + "</select></form>")
    assert options_per_form(page) == [("get (this page)", 2), ("post /x", 101)]
