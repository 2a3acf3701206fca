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
# Fixed dates only: the counters expire by the clock, so every throttle test runs on a frozen one.
FROZEN_AT = "2026-11-23 09:00:00"


@pytest.fixture
def small_limits(app, monkeypatch):
    """Smaller limits of the same shape, so the throttle tests need fewer (slow, Argon2) attempts."""
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_PAIR", "3 per 15 minutes")
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "8 per 10 minutes")
    monkeypatch.setitem(app.config, "LOGIN_SLOWDOWN_PER_ACCOUNT", "4 per 15 minutes")


@pytest.fixture
def clock():
    from freezegun import freeze_time

    with freeze_time(FROZEN_AT) as frozen:
        yield frozen


def fail_from(app, identifier: str, times: int, address_for=lambda i: new_address()) -> list[int]:
    return [attempt(app.test_client(), identifier, WRONG, address=address_for(i)).status_code for i in range(times)]


@pytest.mark.parametrize("which", ["known", "unknown"])
def test_a_pair_is_refused_after_the_documented_number_of_failures(app, world, clock, which):
    limit = limit_amount(app, "LOGIN_LIMIT_PER_PAIR")
    identifier = world.a.logins[Role.OWNER] if which == "known" else unknown_mobile(7)
    statuses = fail_from(app, identifier, limit + 1, address_for=lambda i: "203.0.113.5")
    assert 429 not in statuses[:limit] and statuses[limit] == 429
    refused = attempt(app.test_client(), identifier, WRONG, address="203.0.113.5")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many sign-in attempts" in refused.text or "尝试次数过多" in refused.text
    print(f"login throttle account={which} failures_per_pair={limit}")


def test_the_owner_signs_in_from_another_address_after_ten_failures_elsewhere(app, world):
    """The reported denial of service: ten wrong passwords from one place locked the real official out."""
    official = world.a.logins[Role.BUREAU_ADMIN]
    fail_from(app, official, 10, address_for=lambda i: "203.0.113.66")
    client = app.test_client()
    assert attempt(client, official, PASSWORD, address="198.18.0.10").status_code == 302
    assert is_signed_in(client)
    # The attacking pair itself is stopped.
    assert attempt(app.test_client(), official, WRONG, address="203.0.113.66").status_code == 429


def test_a_botnet_only_slows_the_account_and_its_owner_still_gets_in(app, world, clock):
    official = world.a.logins[Role.BUREAU_ADMIN]
    office = "198.18.0.20"
    assert attempt(app.test_client(), official, PASSWORD, address=office).status_code == 302  # a usual address
    free = limit_amount(app, "LOGIN_SLOWDOWN_PER_ACCOUNT")
    statuses = fail_from(app, official, free + 6)  # every guess from a fresh address
    assert 429 not in statuses[:free + 1]
    assert statuses[free + 1:].count(429) >= 4  # from then on about one check per delay, not one per request
    # The usual address is never slowed down.
    client = app.test_client()
    assert attempt(client, official, PASSWORD, address=office).status_code == 302
    # A fresh address is told how long to wait, and after that wait the right password gets in.
    fresh = app.test_client()
    told = attempt(fresh, official, PASSWORD, address="198.18.0.30")
    assert told.status_code == 429
    wait = int(told.headers["Retry-After"])
    assert 0 < wait <= app.config["LOGIN_SLOWDOWN_MAX_SECONDS"]
    assert f"{wait}" in told.text
    clock.tick(wait + 1)
    assert attempt(fresh, official, PASSWORD, address="198.18.0.30").status_code == 302


def test_throttle_answers_are_the_same_for_known_and_unknown_accounts(app, world, small_limits, clock):
    known, unknown = world.a.logins[Role.OWNER], unknown_mobile(8)
    limit = limit_amount(app, "LOGIN_LIMIT_PER_PAIR")
    for identifier in (known, unknown):
        fail_from(app, identifier, limit, address_for=lambda i: "203.0.113.9")
    a = attempt(app.test_client(), known, WRONG, address="203.0.113.9")
    b = attempt(app.test_client(), unknown, WRONG, address="203.0.113.9")
    assert a.status_code == b.status_code == 429
    assert comparable(a, known) == comparable(b, unknown) and a.headers["Retry-After"] == b.headers["Retry-After"]
    # The slow-down too: the same number of free failures, the same wait.
    free = limit_amount(app, "LOGIN_SLOWDOWN_PER_ACCOUNT")
    slowed = []
    for identifier in (known, unknown):
        fail_from(app, identifier, free + 1)
        slowed.append(attempt(app.test_client(), identifier, WRONG, address=new_address()))
    assert slowed[0].status_code == slowed[1].status_code == 429
    assert comparable(slowed[0], known) == comparable(slowed[1], unknown)


def test_spellings_of_one_account_share_its_throttle(app, world, small_limits, clock):
    limit = limit_amount(app, "LOGIN_LIMIT_PER_PAIR")
    mobile = world.a.logins[Role.OWNER]
    spellings = [mobile, f"+86 {mobile}", f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}", f"{mobile[:3]}-{mobile[3:]}"]
    statuses = [attempt(app.test_client(), spellings[i % len(spellings)], WRONG, address="203.0.113.10").status_code
                for i in range(limit + 1)]
    assert statuses[-1] == 429


def test_an_office_behind_one_address_has_room_for_hundreds_of_attempts(app):
    per_address = parse(app.config["LOGIN_LIMIT_PER_ADDRESS"])
    assert per_address.amount >= 200 and per_address.get_expiry() <= 600
    print(f"login throttle per_address={per_address.amount}/{per_address.get_expiry()}s "
          f"per_pair={app.config['LOGIN_LIMIT_PER_PAIR']} slowdown_after={app.config['LOGIN_SLOWDOWN_PER_ACCOUNT']}")


def test_other_accounts_from_the_same_address_work_until_the_address_limit(app, world, small_limits, clock):
    per_pair = limit_amount(app, "LOGIN_LIMIT_PER_PAIR")
    per_address = limit_amount(app, "LOGIN_LIMIT_PER_ADDRESS")
    address = "203.0.113.77"
    locked = world.a.logins[Role.OWNER]
    assert 429 not in fail_from(app, locked, per_pair, address_for=lambda i: address)
    assert attempt(app.test_client(), locked, WRONG, address=address).status_code == 429
    # The neighbour behind the same address (an office NAT) signs in fine; the success is not counted.
    neighbour = app.test_client()
    assert attempt(neighbour, world.a.logins[Role.BUREAU_STAFF], PASSWORD, address=address).status_code == 302
    # Failures spread over many accounts run into the address limit.
    statuses = [attempt(app.test_client(), unknown_mobile(200 + i), WRONG, address=address).status_code
                for i in range(per_address)]
    allowed = statuses.index(429) if 429 in statuses else len(statuses)
    assert allowed == per_address - per_pair  # refused (429) attempts are not failures
    assert all(s == 429 for s in statuses[allowed:])
    # Now even a fresh account from that address is refused, while other addresses are unaffected.
    assert attempt(app.test_client(), world.a.logins[Role.FIRM_STAFF], PASSWORD, address=address).status_code == 429
    assert attempt(app.test_client(), world.a.logins[Role.FIRM_STAFF], PASSWORD,
                   address=new_address()).status_code == 302


def test_successful_logins_are_not_counted(app, world, small_limits, clock):
    limit = limit_amount(app, "LOGIN_LIMIT_PER_PAIR")
    identifier = world.a.logins[Role.OWNER]
    address = "203.0.113.88"
    for _ in range(limit * 3):  # many more successes than any limit, from one address
        assert attempt(app.test_client(), identifier, PASSWORD, address=address).status_code == 302
    assert 429 not in fail_from(app, identifier, limit, address_for=lambda i: address)
    assert attempt(app.test_client(), identifier, WRONG, address=address).status_code == 429


def test_refused_attempts_do_not_extend_the_lock(app, world, small_limits, clock):
    """Hammering a throttled pair must not keep it locked forever: only real failures count."""
    limit = limit_amount(app, "LOGIN_LIMIT_PER_PAIR")
    window = parse(app.config["LOGIN_LIMIT_PER_PAIR"]).get_expiry()
    identifier = world.a.logins[Role.OWNER]
    address = "203.0.113.99"
    fail_from(app, identifier, limit, address_for=lambda i: address)
    for _ in range(limit):  # an attacker keeps knocking all through the window
        clock.tick(window / (limit + 1))
        assert attempt(app.test_client(), identifier, WRONG, address=address).status_code == 429
    clock.tick(window / (limit + 1) + 1)  # the real failures are now older than the window
    client = app.test_client()
    assert attempt(client, identifier, PASSWORD, address=address).status_code == 302


def test_parallel_attempts_cannot_outrun_the_limit(app, monkeypatch):
    """Charged before the check (hit-then-test): 40 simultaneous attempts get exactly ``limit`` checks."""
    monkeypatch.setitem(app.config, "LOGIN_SLOWDOWN_PER_ACCOUNT", "1000 per 15 minutes")  # the pair limit alone
    allowed = parallel_charges(app, threads=40)
    limit = limit_amount(app, "LOGIN_LIMIT_PER_PAIR")
    print(f"login throttle parallel attempts=40 checked={allowed} limit={limit}")
    assert allowed == limit


def test_a_parallel_burst_from_many_addresses_meets_the_slow_down(app, monkeypatch):
    """40 addresses at once on one account: the free failures, then one check through the gate, no more."""
    monkeypatch.setitem(app.config, "LOGIN_SLOWDOWN_PER_ACCOUNT", "5 per 15 minutes")
    allowed = parallel_charges(app, threads=40, spread_addresses=True)
    print(f"login throttle parallel addresses=40 checked={allowed} free=5")
    assert allowed <= 5 + 1


def parallel_charges(app, threads: int, account: str = "13800000000", spread_addresses: bool = False) -> int:
    """``threads`` attempts on one account released at the same instant; how many may check the password."""
    import threading

    from portal.auth import throttle

    start = threading.Barrier(threads)
    results = []

    def one(i: int):
        address = f"203.0.113.{i + 1}" if spread_addresses else "203.0.113.200"
        with app.app_context():
            start.wait()
            results.append(throttle.charge(account, address).allowed)

    workers = [threading.Thread(target=one, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(results)
