"""Sessions that really end (R23, P14): a copied cookie is dead after logout, password change or disabling."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from freezegun import freeze_time

from tenants.roles import Role
from tests.conftest import csrf_token_for, login
from tests.factories import PASSWORD

NEW_PASSWORD = "a completely different passphrase"

# (path, kind): HTML pages answer a dead session with a redirect to /login, the API with 401.
PROTECTED = [
    ("/t/alpha/dashboard", "html"),
    ("/t/alpha/members/", "html"),
    ("/t/alpha/audit/", "html"),
    ("/t/alpha/account/tokens/", "html"),
    ("/account/password", "html"),
    ("/account/tenants", "html"),
    ("/api/v1/t/alpha/me", "api"),
    ("/api/v1/t/alpha/members", "api"),
]


def cookie_name(app) -> str:
    return app.config["SESSION_COOKIE_NAME"]


def session_cookie(app, client) -> str:
    cookie = client.get_cookie(cookie_name(app))
    assert cookie is not None, "no session cookie set"
    return cookie.value


def replay(app, value: str):
    """A fresh client (another browser, an attacker) carrying a copy of the cookie ``value``."""
    thief = app.test_client()
    thief.set_cookie(cookie_name(app), value)
    return thief


def is_sent_to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


def assert_alive(client):
    for path, _kind in PROTECTED:
        response = client.get(path)
        # /account/tenants sends a one-tenant user straight on to that tenant's dashboard.
        ok = response.status_code == 200 or (path == "/account/tenants" and response.status_code == 302
                                             and not is_sent_to_login(response))
        assert ok, (path, response.status_code)


def assert_dead(client) -> int:
    """Every protected route refuses the session: 302 to /login for pages, 401 for the API."""
    for path, kind in PROTECTED:
        response = client.get(path)
        if kind == "api":
            assert response.status_code == 401, (path, response.status_code)
            assert response.is_json and response.json["error"]["code"] == "unauthorized"
        else:
            assert is_sent_to_login(response), (path, response.status_code, response.headers.get("Location"))
    return len(PROTECTED)


@pytest.fixture
def admin(app, world):
    """A browser signed in as alpha's bureau administrator, and a copy of its session cookie."""
    client = app.test_client()
    assert login(client, world.a.logins[Role.BUREAU_ADMIN]).status_code == 302
    client.get("/t/alpha/dashboard")
    stolen = session_cookie(app, client)
    assert_alive(replay(app, stolen))  # the copy works while the session lives: the replays below mean something
    return client, stolen


def test_cookie_is_dead_after_logout(app, admin):
    client, stolen = admin
    response = client.post("/logout", data={"csrf_token": csrf_token_for(client)})
    assert is_sent_to_login(response)
    assert_dead(client)
    assert_dead(replay(app, stolen))


def test_cookie_is_dead_after_password_change_but_the_changing_device_stays_in(app, world, admin):
    client, stolen = admin
    other_device = app.test_client()
    assert login(other_device, world.a.logins[Role.BUREAU_ADMIN]).status_code == 302
    assert other_device.get("/t/alpha/dashboard").status_code == 200

    response = client.post("/account/password", data={
        "csrf_token": csrf_token_for(client), "current_password": PASSWORD,
        "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
    })
    assert response.status_code == 302, response.text

    assert_alive(client)  # the device that changed it
    assert_dead(other_device)
    assert_dead(replay(app, stolen))
    assert login(app.test_client(), world.a.logins[Role.BUREAU_ADMIN], NEW_PASSWORD).status_code == 302


def test_cookie_is_dead_after_the_platform_admin_disables_the_account(app, world, admin):
    client, stolen = admin
    platform = app.test_client()
    assert login(platform, world.platform_admin_login).status_code == 302
    user_id = world.a.users[Role.BUREAU_ADMIN]
    response = platform.post(f"/platform/users/{user_id}/active/off",
                             data={"csrf_token": csrf_token_for(platform, "/platform/"), "reason": "离职"})
    assert response.status_code == 303, response.text
    assert_dead(client)
    assert_dead(replay(app, stolen))
    # Signing in again is refused too (re-enabling is the only way back).
    again = app.test_client()
    assert login(again, world.a.logins[Role.BUREAU_ADMIN]).status_code in (200, 400)
    assert is_sent_to_login(again.get("/t/alpha/dashboard"))


def test_login_starts_a_fresh_session(app, world):
    """Fixation: whatever the session held before login (planted by an attacker) does not survive."""
    client = app.test_client()
    page = client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "attacker"
        csrf_before = sess["csrf_token"]
    before = session_cookie(app, client)
    assert login(client, world.a.logins[Role.OWNER]).status_code == 302
    after = session_cookie(app, client)
    assert after != before
    client.get("/account/password")  # a page with a form issues the new CSRF token
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess.get("_user_id")
        assert sess.get("csrf_token") and sess["csrf_token"] != csrf_before
    # The attacker's copy of the pre-login cookie gives nothing.
    assert is_sent_to_login(replay(app, before).get("/t/alpha/dashboard"))
    assert page.status_code == 200


def test_idle_timeout_ends_the_session(app, world):
    idle = app.config["SESSION_IDLE_TIMEOUT"]
    with freeze_time("2026-11-23 01:00:00") as clock:
        client = app.test_client()
        assert login(client, world.a.logins[Role.BUREAU_STAFF]).status_code == 302
        clock.tick(idle - dt.timedelta(minutes=1))
        assert client.get("/t/alpha/dashboard").status_code == 200  # activity keeps it alive
        clock.tick(idle - dt.timedelta(minutes=1))
        assert client.get("/t/alpha/dashboard").status_code == 200
        stolen = session_cookie(app, client)
        clock.tick(idle + dt.timedelta(seconds=1))
        assert is_sent_to_login(client.get("/t/alpha/dashboard"))
        assert is_sent_to_login(replay(app, stolen).get("/t/alpha/dashboard"))


def test_absolute_lifetime_ends_an_active_session(app, world):
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    step = app.config["SESSION_IDLE_TIMEOUT"] - dt.timedelta(minutes=5)
    with freeze_time("2026-11-23 01:00:00") as clock:
        client = app.test_client()
        assert login(client, world.a.logins[Role.BUREAU_STAFF]).status_code == 302
        elapsed = dt.timedelta(0)
        while elapsed + step < lifetime:
            clock.tick(step)
            elapsed += step
            assert client.get("/t/alpha/dashboard").status_code == 200, elapsed
        clock.tick(lifetime - elapsed + dt.timedelta(seconds=1))
        assert is_sent_to_login(client.get("/t/alpha/dashboard"))


def test_member_removed_from_a_tenant_gets_404_there(app, world, client_as):
    staff = client_as(Role.BUREAU_STAFF, "a")
    assert staff.get("/t/alpha/dashboard").status_code == 200
    admin = client_as(Role.BUREAU_ADMIN, "a")
    membership_id = world.a.memberships[Role.BUREAU_STAFF]
    response = admin.post(f"/t/alpha/members/{membership_id}/active/off",
                          data={"csrf_token": csrf_token_for(admin, "/t/alpha/members/"), "reason": "调岗"})
    assert response.status_code == 303, response.text
    assert staff.get("/t/alpha/dashboard").status_code == 404
    assert staff.get("/t/alpha/members/").status_code == 404
    api = staff.get("/api/v1/t/alpha/me")
    assert api.status_code == 404 and api.is_json
    # Still signed in (other tenants would work); only this tenant is closed to them.
    assert staff.get("/account/password").status_code == 200
