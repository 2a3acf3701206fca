"""The anonymous tenant home page is cheap: cached figures, caching headers, a page cache, O(1) queries.

Nothing here sleeps: the page cache's clock is swapped for a counter and the figures' lifetime is
crossed with a frozen clock moved forward.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import re

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from portal import caching
from portal.communities import services as registry
from portal.communities.models import Area, AreaKind
from portal.dashboard.public import counts_key
from portal.demo.city import CityShape, build_city
from portal.extensions import db
from tenants import tenant_scope
from tenants.models import Tenant, TenantStatus
from tenants.roles import Role
from tests.factories import PASSWORD
from tests.portal.pages import in_english

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options",
                    "Strict-Transport-Security")


def figure(page: str, label: str) -> int:
    match = re.search(rf"<dt>{re.escape(label)}</dt><dd>(\d+)</dd>", page)
    assert match, f"no figure {label!r} on the page"
    return int(match.group(1))


@contextlib.contextmanager
def counted_statements(app):
    """Every SQL statement the app sends inside the block (a list of strings)."""
    statements: list[str] = []

    def _count(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")):
            statements.append(statement)  # the test's own transaction control is not the page's work

    with app.app_context():
        engine = db.engine
    target = engine.engine if isinstance(engine, sa.Connection) else engine
    sa.event.listen(target, "before_cursor_execute", _count)
    try:
        yield statements
    finally:
        sa.event.remove(target, "before_cursor_execute", _count)


def page_cache(app):
    return app.extensions["public_page_cache"]


def test_the_anonymous_home_page_is_public_with_an_etag_and_every_security_header(app, world):
    client = app.test_client()
    first = client.get("/t/alpha/")
    assert first.status_code == 200
    assert first.cache_control.public and first.cache_control.max_age == app.config["PUBLIC_CACHE_SECONDS"]
    assert "Cookie" in first.vary and first.headers["ETag"]
    assert "Set-Cookie" not in first.headers
    again = client.get("/t/alpha/")  # from the page cache: the same bytes and headers
    assert again.data == first.data
    for name in SECURITY_HEADERS + ("Cache-Control", "ETag", "Vary"):
        assert again.headers[name] == first.headers[name], name
    for source in ("app", "cache"):
        if source == "app":
            page_cache(app).clear()
        unchanged = client.get("/t/alpha/", headers={"If-None-Match": first.headers["ETag"]})
        assert unchanged.status_code == 304 and unchanged.data == b"", source
        assert all(unchanged.headers.get(name) for name in SECURITY_HEADERS), source


def test_a_signed_in_visitor_gets_a_private_uncached_page_and_never_the_anonymous_copy(app, world, client_as):
    anonymous = app.test_client().get("/t/alpha/")
    assert anonymous.cache_control.public
    member = client_as(Role.OWNER)
    page = member.get("/t/alpha/")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "ETag" not in page.headers
    assert page.data != anonymous.data  # the signed-in menu, not the cached anonymous page


def test_an_anonymous_visitor_with_a_session_is_not_served_a_shared_copy(app, world):
    client = app.test_client()
    client.get("/login")  # the sign-in form puts a form token in the session
    page = client.get("/t/alpha/")
    assert page.status_code == 200
    assert not page.cache_control.public and "ETag" not in page.headers
    assert len(page_cache(app)) == 0


def test_each_language_is_cached_on_its_own(app, world):
    chinese = app.test_client().get("/t/alpha/")
    english = in_english(app.test_client()).get("/t/alpha/")
    assert 'lang="zh-CN"' in chinese.text and 'lang="en"' in english.text
    assert len(page_cache(app)) == 2
    assert app.test_client().get("/t/alpha/").data == chinese.data


def test_the_page_cache_forgets_a_page_when_its_lifetime_is_over(app, world):
    cache = page_cache(app)
    now = [1000.0]
    original = cache.clock
    cache.clock = lambda: now[0]
    try:
        client = app.test_client()
        client.get("/t/alpha/")
        with counted_statements(app) as statements:
            client.get("/t/alpha/")
        assert statements == []  # answered from the page cache
        now[0] += app.config["PUBLIC_CACHE_SECONDS"] + 1
        with counted_statements(app) as statements:
            assert client.get("/t/alpha/").status_code == 200
        assert statements  # the app answered again
    finally:
        cache.clock = original


def _big_tenant(units: int) -> str:
    build_city(slug="bigcity", shape=CityShape(units=units, communities=40, streets=4, offices_per_street=2, firms=8),
               admin_login="13700000009", admin_password=PASSWORD)
    db.session.commit()
    db.session.remove()
    return "bigcity"


def test_the_home_page_sends_the_same_few_queries_whatever_the_tenant_size(app, world):
    with app.app_context():
        big = _big_tenant(units=6_000)
    sizes = {}
    for slug in ("alpha", big):
        client = app.test_client()
        with counted_statements(app) as cold:
            page = in_english(client).get(f"/t/{slug}/")
        sizes[slug] = figure(page.text, "Units")
        page_cache(app).clear()
        with counted_statements(app) as warm:  # the figures from the cache, the page rendered again
            assert in_english(client).get(f"/t/{slug}/").status_code == 200
        with counted_statements(app) as hit:
            in_english(client).get(f"/t/{slug}/")
        assert (len(cold), len(warm), len(hit)) == (len(cold), 1, 0), (slug, cold, warm, hit)
        sizes[slug] = (sizes[slug], len(cold))
    print(f"\npublic_home_queries small={sizes['alpha']} big={sizes[big]}")
    assert sizes["alpha"][1] == sizes[big][1] <= 5
    assert sizes[big][0] == 6_000


def test_a_committed_registry_change_shows_at_once(app, world):
    client = in_english(app.test_client())
    before = figure(client.get("/t/alpha/").text, "Communities")
    with app.app_context():
        tenant = db.session.get(Tenant, world["a"].tenant_id)
        with tenant_scope(tenant):
            office = db.session.scalar(sa.select(Area.id).where(Area.kind == AreaKind.COMMUNITY_OFFICE))
            registry.create_community(tenant=tenant, actor=None, values={
                "name": "新建小区", "area_id": office, "service_grade": "grade1"})
            db.session.commit()
        db.session.remove()
    assert figure(client.get("/t/alpha/").text, "Communities") == before + 1


def test_a_rolled_back_change_keeps_the_cached_figures(app, world):
    client = in_english(app.test_client())
    client.get("/t/alpha/")
    with app.app_context():
        assert caching.get(counts_key(world["a"].tenant_id)) is not None
        tenant = db.session.get(Tenant, world["a"].tenant_id)
        with tenant_scope(tenant):
            db.session.add(Area(kind=AreaKind.STREET, name="回滚街道"))
            db.session.flush()
            db.session.rollback()
        assert caching.get(counts_key(world["a"].tenant_id)) is not None
        db.session.remove()


def test_a_suspended_tenant_is_not_served_from_the_page_cache(app, world):
    client = app.test_client()
    assert client.get("/t/alpha/").status_code == 200
    with app.app_context():
        tenant = db.session.get(Tenant, world["a"].tenant_id)
        tenant.status = TenantStatus.SUSPENDED
        db.session.commit()
        db.session.remove()
    assert client.get("/t/alpha/").status_code == 403


def test_the_figures_are_recounted_when_their_lifetime_is_over(app, world):
    client = in_english(app.test_client())
    with freeze_time(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)) as clock:
        client.get("/t/alpha/")
        with app.app_context():
            assert caching.get(counts_key(world["a"].tenant_id)) is not None
            clock.tick(app.config["PUBLIC_CACHE_SECONDS"] + 1)
            assert caching.get(counts_key(world["a"].tenant_id)) is None


def test_an_unreachable_cache_store_costs_speed_not_the_page(app, world, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ConnectionError("cache store down")

    monkeypatch.setattr(caching.cache, "get", broken)
    monkeypatch.setattr(caching.cache, "set", broken)
    monkeypatch.setattr(caching._fallback, "dead_since", None)
    page = in_english(app.test_client()).get("/t/alpha/")
    assert page.status_code == 200 and figure(page.text, "Units") == 2
    assert "caching in this process" in caplog.text
    with app.app_context():  # the figures wait in this process's memory meanwhile
        assert caching._fallback.store.get(counts_key(world["a"].tenant_id)) is not None
    monkeypatch.setattr(caching._fallback, "dead_since", None)
    caching._fallback.store.clear()


def test_redis_is_the_store_when_configured(app):
    assert caching.cache_config({"REDIS_URL": "redis://127.0.0.1:6379/0"})["CACHE_TYPE"] == "RedisCache"
    assert caching.cache_config({"REDIS_URL": None})["CACHE_TYPE"] == "SimpleCache"
    assert type(app.extensions["cache"][caching.cache]).__name__ == "SimpleCache"


@pytest.mark.parametrize("path", ["/t/alpha/dashboard", "/login", "/t/alpha/communities/"])
def test_other_pages_are_never_kept_in_the_page_cache(app, world, path):
    app.test_client().get(path)
    assert len(page_cache(app)) == 0
