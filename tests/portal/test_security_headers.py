"""Every response carries the security headers; session cookies are hardened; production refuses to start half-configured."""
from __future__ import annotations

import re

import pytest

import portal
import portal.config
from portal.extensions import db as _db
from tenants.roles import Role
from tests.conftest import login
from tests.factories import World
from tests.routewalk import is_tenant_scoped, rules, unmapped_arguments, url_variants

PRODUCTION_SECRET = "s" * 48


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def header_problems(response) -> list[str]:
    """What is missing or weak in one response's security headers (empty when all is well)."""
    problems = []
    headers = response.headers
    csp = csp_directives(headers.get("Content-Security-Policy", ""))
    for directive in ("object-src", "base-uri", "frame-ancestors"):
        if csp.get(directive) != ["'none'"]:
            problems.append(f"CSP {directive} is {csp.get(directive)}, not 'none'")
    script_src = csp.get("script-src", csp.get("default-src"))
    if not script_src:
        problems.append("CSP sets neither script-src nor default-src")
    elif "'unsafe-inline'" in script_src or "'unsafe-eval'" in script_src:
        problems.append(f"CSP script-src allows {script_src}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    if not headers.get("Referrer-Policy"):
        problems.append("no Referrer-Policy")
    hsts = headers.get("Strict-Transport-Security", "")
    max_age = re.search(r"max-age=(\d+)", hsts)
    if not max_age or int(max_age.group(1)) < 31536000:
        problems.append(f"HSTS max-age too short or missing: {hsts!r}")
    if "includesubdomains" not in hsts.lower():
        problems.append(f"HSTS without includeSubDomains: {hsts!r}")
    return problems


def readers(app, world: World) -> dict:
    made = {"anonymous": app.test_client()}
    for name, identifier in (("bureau admin", world.a.logins[Role.BUREAU_ADMIN]),
                             ("platform admin", world.platform_admin_login),
                             ("owner", world.a.logins[Role.OWNER])):
        client = app.test_client()
        assert login(client, identifier).status_code == 302
        made[name] = client
    return made


def test_every_get_route_and_error_page_has_the_security_headers(app, world: World, monkeypatch, record_property):
    made = readers(app, world)
    responses = []
    for rule in rules(app):
        if "GET" not in rule.methods:
            continue
        assert not unmapped_arguments(rule), rule.rule
        names = ["bureau admin"] if is_tenant_scoped(rule) else ["platform admin"] if rule.rule.startswith("/platform/") \
            else ["anonymous", "bureau admin"]
        for url in url_variants(rule, slug=world.a.slug, ids=world.a, world=world):
            for name in names:
                responses.append((f"GET {url} as {name}", made[name].get(url)))

    anonymous, owner = made["anonymous"], made["owner"]
    responses += [
        ("login page", anonymous.get("/login")),
        ("404 page", anonymous.get("/no/such/page")),
        ("404 unknown tenant", anonymous.get("/t/no-such-tenant/")),
        ("404 inside a tenant", made["bureau admin"].get("/t/alpha/no-such-page")),
        ("404 JSON", anonymous.get("/api/v1/no-such-endpoint")),
        ("403 page", owner.get("/t/alpha/audit/")),
        ("403 JSON", owner.get("/api/v1/t/alpha/audit-events")),
        ("401 JSON", anonymous.get("/api/v1/t/alpha/me")),
        ("405 page", anonymous.get("/logout")),
        ("400 CSRF page", made["bureau admin"].post("/logout")),
        ("redirect to login", anonymous.get("/t/alpha/dashboard")),
    ]

    def broken(*args, **kwargs):
        raise RuntimeError("planted failure for the 500 page")

    monkeypatch.setitem(app.view_functions, "auth.index", broken)
    monkeypatch.setitem(app.view_functions, "api-docs.openapi_json", broken)
    page_500, json_500 = anonymous.get("/"), anonymous.get("/api/v1/openapi.json")
    assert page_500.status_code == 500 and json_500.status_code == 500
    assert "planted failure" not in page_500.text and "Traceback" not in page_500.text
    responses += [("500 page", page_500), ("500 JSON", json_500)]

    statuses = {r.status_code for _label, r in responses}
    assert {200, 302, 400, 401, 403, 404, 405, 500} <= statuses, statuses
    problems = [f"{label} ({r.status_code}): {p}" for label, r in responses for p in header_problems(r)]
    summary = f"security_headers responses_checked={len(responses)} missing_or_weak_headers={len(problems)}"
    print("\n" + summary)
    record_property("security_headers", summary)
    assert not problems, "\n".join(problems)


def set_cookies(response) -> dict[str, str]:
    return {value.split("=", 1)[0]: value for value in response.headers.getlist("Set-Cookie")}


def attributes(set_cookie: str) -> dict[str, str]:
    parts = [p.strip() for p in set_cookie.split(";")[1:]]
    return {p.split("=", 1)[0].lower(): (p.split("=", 1)[1] if "=" in p else "") for p in parts}


def test_session_and_language_cookies_are_httponly_and_lax(app, world: World):
    client = app.test_client()
    response = login(client, world.a.logins[Role.BUREAU_ADMIN])
    assert response.status_code == 302
    cookie = set_cookies(response)[app.config["SESSION_COOKIE_NAME"]]
    flags = attributes(cookie)
    assert "httponly" in flags and flags.get("samesite") == "Lax" and flags.get("path") == "/", cookie
    assert "domain" not in flags, cookie

    language = set_cookies(client.get("/lang/en"))["portal_lang"]
    flags = attributes(language)
    assert "httponly" in flags and flags.get("samesite") == "Lax", language


@pytest.fixture
def production_env(app, monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_KEY", PRODUCTION_SECRET)
    monkeypatch.setenv("PORTAL_DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.delenv("PORTAL_REDIS_URL", raising=False)
    return monkeypatch


def test_production_session_cookie_is_a_secure_host_cookie(production_env):
    production = portal.create_app(portal.config.ProductionConfig())
    try:
        assert production.config["WTF_CSRF_ENABLED"] is True
        response = production.test_client().get("/login", base_url="https://portal.example.org")
        assert response.status_code == 200
        assert not header_problems(response)
        cookies = set_cookies(response)
        assert list(cookies) == ["__Host-session"], cookies
        flags = attributes(cookies["__Host-session"])
        assert "secure" in flags and "httponly" in flags, cookies
        assert flags.get("samesite") == "Lax" and flags.get("path") == "/" and "domain" not in flags, cookies
    finally:
        with production.app_context():
            for engine in _db.engines.values():
                engine.dispose()


@pytest.mark.parametrize("missing", ["PORTAL_SECRET_KEY", "PORTAL_DATABASE_URL"])
def test_production_refuses_to_start_without_a_required_setting(production_env, missing):
    production_env.delenv(missing)
    with pytest.raises(portal.config.ConfigError, match=missing):
        portal.create_app(portal.config.ProductionConfig())


def test_production_refuses_a_short_secret_key(production_env):
    production_env.setenv("PORTAL_SECRET_KEY", "too-short")
    with pytest.raises(portal.config.ConfigError, match="PORTAL_SECRET_KEY"):
        portal.create_app(portal.config.ProductionConfig())
