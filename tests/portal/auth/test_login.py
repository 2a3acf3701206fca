"""Signing in (R22): no account enumeration, safe ``next``, forgiving identifiers, and throttling that reveals nothing."""
from __future__ import annotations

import re
import statistics
import time
from itertools import count
from urllib.parse import urlsplit

import pytest
from limits import parse

from portal.auth import services as auth_services
from portal.auth.models import User
from portal.extensions import db
from tenants.roles import Role
from tests.factories import PASSWORD, csrf_from

WRONG = "not the right password"
FAILED_MESSAGE = "The mobile number/e-mail or the password is not correct."
_addresses = count(1)


def new_address() -> str:
    n = next(_addresses)
    return f"198.51.{n // 250}.{n % 250 + 1}"


def attempt(client, identifier: str, password: str, *, address: str = "192.0.2.10", next_url: str | None = None):
    """GET the login form and POST it from ``address``; returns the POST response."""
    environ = {"REMOTE_ADDR": address}
    page = client.get("/login", environ_base=environ)
    data = {"identifier": identifier, "password": password, "csrf_token": csrf_from(page.text)}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/login", data=data, environ_base=environ)


def comparable(response, *typed: str) -> bytes:
    """The body with what legitimately differs removed: the CSRF token and what the visitor typed."""
    body = re.sub(rb'(name="csrf_token"[^>]*value=")[^"]+', rb"\1CSRF", response.data)
    body = re.sub(rb'value="[^"]+"([^>]*name="csrf_token")', rb'value="CSRF"\1', body)
    for text in typed:
        body = body.replace(text.encode(), b"TYPED")
    return body


def limit_amount(app, name: str) -> int:
    return parse(app.config[name]).amount


def unknown_mobile(n: int) -> str:
    return f"1370000{n:04d}"


def is_signed_in(client) -> bool:
    response = client.get("/account/password")
    return response.status_code == 200


# --- no enumeration -------------------------------------------------------------------------------


def test_unknown_account_wrong_password_and_disabled_account_look_the_same(app, world):
    known = world.a.logins[Role.OWNER]
    unknown = unknown_mobile(1)
    disabled = world.a.logins[Role.BUREAU_STAFF]
    with app.app_context():
        auth_services.set_user_active(db.session.get(User, world.a.users[Role.BUREAU_STAFF]), False)
        db.session.commit()

    wrong = attempt(app.test_client(), known, WRONG, address=new_address())
    missing = attempt(app.test_client(), unknown, WRONG, address=new_address())
    off = attempt(app.test_client(), disabled, PASSWORD, address=new_address())  # the right password

    assert wrong.status_code == missing.status_code == off.status_code != 302
    assert FAILED_MESSAGE in wrong.text or "不正确" in wrong.text
    assert comparable(wrong, known) == comparable(missing, unknown) == comparable(off, disabled)
    for header in ("Content-Type", "X-RateLimit-Limit", "X-RateLimit-Remaining"):
        assert wrong.headers.get(header) == missing.headers.get(header) == off.headers.get(header)


def test_unknown_and_known_accounts_take_the_same_time(app, world):
    known = [login for w in (world.a, world.b) for login in w.logins.values()]
    timings = {"unknown": [], "wrong": []}
    client = app.test_client()
    for i in range(40):
        for kind in ("unknown", "wrong") if i % 2 else ("wrong", "unknown"):
            identifier = unknown_mobile(100 + i) if kind == "unknown" else known[i % len(known)]
            address = new_address()
            page = client.get("/login", environ_base={"REMOTE_ADDR": address})
            data = {"identifier": identifier, "password": WRONG, "csrf_token": csrf_from(page.text)}
            started = time.perf_counter()
            response = client.post("/login", data=data, environ_base={"REMOTE_ADDR": address})
            timings[kind].append(time.perf_counter() - started)
            assert response.status_code not in (302, 429)
    delta_ms = abs(statistics.median(timings["unknown"]) - statistics.median(timings["wrong"])) * 1000
    print(f"login timing trials=40+40 median_unknown_ms={statistics.median(timings['unknown']) * 1000:.1f} "
          f"median_wrong_ms={statistics.median(timings['wrong']) * 1000:.1f} timing_median_delta_ms={delta_ms:.2f}")
    assert delta_ms < 25


# --- where a successful login goes ----------------------------------------------------------------


@pytest.mark.parametrize("target", [
    "//evil.example/",
    "https://evil.example/t/alpha/dashboard",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    "http:/evil.example",
    " //evil.example",
])
def test_next_never_leaves_the_site(app, world, target):
    response = attempt(app.test_client(), world.a.logins[Role.OWNER], PASSWORD, next_url=target)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost") and location.scheme in ("", "http")
    assert location.path == "/account/tenants"
    assert "evil" not in response.headers["Location"]


def test_next_on_this_site_is_followed(app, world):
    response = attempt(app.test_client(), world.a.logins[Role.OWNER], PASSWORD, next_url="/t/alpha/dashboard")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/t/alpha/dashboard"


def test_login_page_does_not_carry_a_foreign_next(app):
    page = app.test_client().get("/login?next=//evil.example/")
    assert page.status_code == 200 and 'name="next"' not in page.text
    page = app.test_client().get("/login?next=/t/alpha/dashboard")
    assert 'name="next" value="/t/alpha/dashboard"' in page.text


# --- identifiers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["{m}", " {m} ", "{a} {b} {c}", "{a}-{b}-{c}", "+86{m}", "+86 {a} {b} {c}"])
def test_mobile_number_in_common_spellings(app, world, shape):
    mobile = world.a.logins[Role.OWNER]
    typed = shape.format(m=mobile, a=mobile[:3], b=mobile[3:7], c=mobile[7:])
    client = app.test_client()
    assert attempt(client, typed, PASSWORD).status_code == 302
    assert is_signed_in(client)


@pytest.mark.parametrize("typed", ["platform@example.org", "Platform@Example.ORG", "  PLATFORM@EXAMPLE.ORG "])
def test_email_is_case_insensitive(app, world, typed):
    client = app.test_client()
    assert attempt(client, typed, PASSWORD).status_code == 302
    assert is_signed_in(client)


def test_disabled_user_cannot_sign_in(app, world):
    with app.app_context():
        auth_services.set_user_active(db.session.get(User, world.a.users[Role.OWNER]), False)
        db.session.commit()
    client = app.test_client()
    response = attempt(client, world.a.logins[Role.OWNER], PASSWORD)
    assert response.status_code != 302
    assert FAILED_MESSAGE in response.text or "不正确" in response.text
    assert not is_signed_in(client)


# --- throttling -----------------------------------------------------------------------------------


@pytest.fixture
def small_limits(app, monkeypatch):
    """Smaller limits of the same shape, so the throttle tests need fewer (slow, Argon2) attempts."""
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "3 per 15 minutes")
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "8 per 10 minutes")


def fail_until_refused(app, identifier: str, limit: int, address_for=lambda i: new_address()) -> list[int]:
    statuses = []
    for i in range(limit + 1):
        statuses.append(attempt(app.test_client(), identifier, WRONG, address=address_for(i)).status_code)
    return statuses


@pytest.mark.parametrize("which", ["known", "unknown"])
def test_account_is_throttled_after_the_documented_number_of_failures(app, world, which):
    limit = limit_amount(app, "LOGIN_LIMIT_PER_ACCOUNT")
    identifier = world.a.logins[Role.OWNER] if which == "known" else unknown_mobile(7)
    # Every failure comes from a new address: the account limit holds against a botnet.
    statuses = fail_until_refused(app, identifier, limit)
    assert 429 not in statuses[:limit] and statuses[limit] == 429
    refused = attempt(app.test_client(), identifier, WRONG, address=new_address())
    assert refused.status_code == 429
    assert "Too many sign-in attempts" in refused.text or "尝试次数过多" in refused.text
    print(f"login throttle account={which} attempts_before_throttle={limit}")


def test_throttle_message_is_the_same_for_known_and_unknown_accounts(app, world, small_limits):
    limit = limit_amount(app, "LOGIN_LIMIT_PER_ACCOUNT")
    known, unknown = world.a.logins[Role.OWNER], unknown_mobile(8)
    fail_until_refused(app, known, limit)
    fail_until_refused(app, unknown, limit)
    a = attempt(app.test_client(), known, WRONG, address=new_address())
    b = attempt(app.test_client(), unknown, WRONG, address=new_address())
    assert a.status_code == b.status_code == 429
    assert comparable(a, known) == comparable(b, unknown)


def test_right_password_is_refused_while_the_account_is_throttled(app, world, small_limits):
    limit = limit_amount(app, "LOGIN_LIMIT_PER_ACCOUNT")
    identifier = world.a.logins[Role.OWNER]
    fail_until_refused(app, identifier, limit)
    client = app.test_client()
    assert attempt(client, identifier, PASSWORD, address=new_address()).status_code == 429
    assert not is_signed_in(client)


def test_spellings_of_one_account_share_its_throttle(app, world, small_limits):
    limit = limit_amount(app, "LOGIN_LIMIT_PER_ACCOUNT")
    mobile = world.a.logins[Role.OWNER]
    spellings = [mobile, f"+86 {mobile}", f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}", f"{mobile[:3]}-{mobile[3:]}"]
    statuses = [attempt(app.test_client(), spellings[i % len(spellings)], WRONG, address=new_address()).status_code
                for i in range(limit + 1)]
    assert statuses[-1] == 429


def test_other_accounts_from_the_same_address_work_until_the_address_limit(app, world, small_limits):
    per_account = limit_amount(app, "LOGIN_LIMIT_PER_ACCOUNT")
    per_address = limit_amount(app, "LOGIN_LIMIT_PER_ADDRESS")
    address = "203.0.113.77"
    locked = world.a.logins[Role.OWNER]
    statuses = [attempt(app.test_client(), locked, WRONG, address=address).status_code for _ in range(per_account)]
    assert 429 not in statuses
    assert attempt(app.test_client(), locked, WRONG, address=address).status_code == 429
    # The neighbour behind the same address (an office NAT) signs in fine; the success is not counted.
    neighbour = app.test_client()
    assert attempt(neighbour, world.a.logins[Role.BUREAU_STAFF], PASSWORD, address=address).status_code == 302
    # Failures spread over many accounts run into the address limit.
    failures_so_far = per_account
    statuses = [attempt(app.test_client(), unknown_mobile(200 + i), WRONG, address=address).status_code
                for i in range(per_address)]
    allowed = statuses.index(429) if 429 in statuses else len(statuses)
    assert allowed == per_address - failures_so_far  # refused (429) attempts are not failures
    assert all(s == 429 for s in statuses[allowed:])
    # Now even a fresh account from that address is refused, while other addresses are unaffected.
    assert attempt(app.test_client(), world.a.logins[Role.FIRM_STAFF], PASSWORD, address=address).status_code == 429
    assert attempt(app.test_client(), world.a.logins[Role.FIRM_STAFF], PASSWORD,
                   address=new_address()).status_code == 302
    print(f"login throttle per_address={per_address} failures_allowed_after_account_lock={allowed}")


def test_successful_logins_are_not_counted(app, world, small_limits):
    limit = limit_amount(app, "LOGIN_LIMIT_PER_ACCOUNT")
    identifier = world.a.logins[Role.OWNER]
    address = "203.0.113.88"
    for _ in range(limit * 2):  # many more successes than the limit, from one address
        assert attempt(app.test_client(), identifier, PASSWORD, address=address).status_code == 302
    statuses = [attempt(app.test_client(), identifier, WRONG, address=address).status_code for _ in range(limit)]
    assert 429 not in statuses  # all ``limit`` failures were still available
    assert attempt(app.test_client(), identifier, WRONG, address=address).status_code == 429


def test_refused_attempts_do_not_extend_the_lock(app, world, small_limits):
    """Hammering a throttled account must not keep it locked forever (lockout DoS): only real failures count."""
    from freezegun import freeze_time

    limit = limit_amount(app, "LOGIN_LIMIT_PER_ACCOUNT")
    window = parse(app.config["LOGIN_LIMIT_PER_ACCOUNT"]).get_expiry()
    identifier = world.a.logins[Role.OWNER]
    with freeze_time("2026-11-23 09:00:00") as clock:
        fail_until_refused(app, identifier, limit)
        for _ in range(limit):  # an attacker keeps knocking all through the window
            clock.tick(window / (limit + 1))
            assert attempt(app.test_client(), identifier, WRONG, address=new_address()).status_code == 429
        clock.tick(window / (limit + 1) + 1)  # the real failures are now older than the window
        client = app.test_client()
        assert attempt(client, identifier, PASSWORD, address=new_address()).status_code == 302
