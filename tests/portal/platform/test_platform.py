"""The platform area: creating tenants with their first administrator, tenant status, and who may enter."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from tenants import tenant_scope
from tenants.models import Membership, Tenant, TenantStatus
from tenants.roles import Role
from tests.conftest import table_snapshot
from tests.portal.pages import csrf_token_for, field_error, in_english, login

NEW_ADMIN_PASSWORD = "a long and unusual first password"


@pytest.fixture
def platform(app, world):
    """A client signed in as the platform administrator, reading English pages."""
    client = in_english(app.test_client())
    assert login(client, world.platform_admin_login).status_code == 302
    return client


def tenant_form(client, **overrides) -> dict:
    page = client.get("/platform/tenants/new")
    assert page.status_code == 200
    data = {
        "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1),
        "slug": "gamma", "kind": "bureau", "name_zh": "伽马县住房和城乡建设局", "name_en": "Gamma bureau",
        "region": "山东省", "time_zone": "Asia/Shanghai", "admin_login": "13811112222",
        "admin_name": "陈局长", "admin_password": NEW_ADMIN_PASSWORD,
    }
    data.update(overrides)
    return data


def find_tenant(app, slug: str) -> Tenant | None:
    with app.app_context():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
        db.session.expunge_all()
        return tenant


def test_create_tenant_with_new_first_administrator(app, world, platform):
    response = platform.post("/platform/tenants/new", data=tenant_form(platform))
    assert response.status_code == 302, response.text
    assert response.headers["Location"].endswith("/platform/")
    listing = platform.get("/platform/")
    assert "/t/gamma/" in listing.text and "Gamma bureau" in listing.text

    tenant = find_tenant(app, "gamma")
    assert tenant is not None and tenant.name_zh == "伽马县住房和城乡建设局" and tenant.time_zone == "Asia/Shanghai"
    with app.app_context(), tenant_scope(tenant):
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "tenant.created")).all()
        assert [(e.actor_id, e.object_id) for e in events] == [(world.platform_admin_id, str(tenant.id))]
        admin_roles = db.session.scalars(sa.select(Membership.role)).all()
        assert admin_roles == [Role.BUREAU_ADMIN]

    # The first administrator signs in with the initial password and lands on the new tenant's dashboard.
    admin = in_english(app.test_client())
    signed_in = login(admin, "13811112222", NEW_ADMIN_PASSWORD)
    assert signed_in.status_code == 302
    picker = admin.get(signed_in.headers["Location"])
    assert picker.status_code == 302 and picker.headers["Location"].endswith("/t/gamma/dashboard")
    dashboard = admin.get("/t/gamma/dashboard")
    assert dashboard.status_code == 200
    assert "陈局长" in dashboard.text and "Bureau administrator" in dashboard.text
    # ... and finds the creation, attributed to the platform administrator, in the tenant's own audit log.
    audit = admin.get("/t/gamma/audit/?action=tenant.created")
    assert audit.status_code == 200
    assert "tenant.created" in audit.text and "平台管理员" in audit.text


def test_new_tenant_is_invisible_to_other_tenants_admins(app, world, platform, client_as):
    assert platform.post("/platform/tenants/new", data=tenant_form(platform)).status_code == 302
    other_admin = client_as(Role.BUREAU_ADMIN, "a")
    assert other_admin.get("/t/gamma/dashboard").status_code == 404
    assert other_admin.get("/t/gamma/audit/").status_code == 404


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"slug": "alpha"}, "slug", "This short name is taken."),
        ({"slug": "Bad_Slug"}, "slug", "lower-case letters, digits or hyphens"),
        ({"slug": "-gamma"}, "slug", "lower-case letters, digits or hyphens"),
        ({"time_zone": "Asia/Beijing"}, "time_zone", "Unknown time zone"),
        ({"admin_password": "short"}, "admin_password", "at least 8 characters"),
        ({"admin_password": "password123"}, "admin_password", "too common"),
        ({"admin_password": "13811112222"}, "admin_password", "must not be your mobile number"),
        ({"admin_password": ""}, "admin_password", "at least 8 characters"),
    ],
)
def test_bad_tenant_input_names_the_field_and_creates_nothing(app, world, platform, overrides, field, message):
    before = table_snapshot(app)
    data = tenant_form(platform, **overrides)
    response = platform.post("/platform/tenants/new", data=data)
    assert response.status_code == 400
    error = field_error(response.text, field)
    assert error is not None and message in error, error
    assert table_snapshot(app) == before
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.mobile == "13811112222")) is None


def test_existing_account_becomes_first_administrator_without_a_password(app, world, platform):
    outsider_login = world.outsider_login
    response = platform.post("/platform/tenants/new",
                             data=tenant_form(platform, admin_login=outsider_login, admin_name="ignored", admin_password=""))
    assert response.status_code == 302, response.text
    tenant = find_tenant(app, "gamma")
    with app.app_context(), tenant_scope(tenant):
        membership = db.session.scalar(sa.select(Membership))
        assert (membership.user_id, membership.role) == (world.outsider_id, Role.BUREAU_ADMIN)
        # No new account: the world's people (one per role in each of its three tenants) and two more.
        people = sum(len(world[key].logins) for key in "abc")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == people + 2
    # The existing password keeps working; the account reaches the new tenant.
    person = app.test_client()
    assert login(person, outsider_login).status_code == 302
    assert person.get("/t/gamma/dashboard").status_code == 200


def change_status(client, tenant_id: int, status: str, reason: str = "contract ended"):
    token = csrf_token_for(client, "/platform/")
    return client.post(f"/platform/tenants/{tenant_id}/status",
                       data={"csrf_token": token, "status": status, "reason": reason})


def test_status_change_needs_a_reason(app, world, platform):
    response = change_status(platform, world.a.tenant_id, "suspended", reason="")
    assert response.status_code == 400
    assert "Give a reason." in response.text
    assert find_tenant(app, "alpha").status == TenantStatus.ACTIVE


def test_read_only_tenant_refuses_changes_but_shows_pages(app, world, platform, client_as):
    admin = client_as(Role.BUREAU_ADMIN, "a")
    token = csrf_token_for(admin)
    response = change_status(platform, world.a.tenant_id, "read_only")
    assert response.status_code == 303
    with app.app_context(), tenant_scope(find_tenant(app, "alpha")):
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "tenant.status"))
        assert event.actor_id == world.platform_admin_id and event.reason == "contract ended"
        assert '"read_only"' in event.after and '"active"' in event.before

    for path in ("/t/alpha/dashboard", "/t/alpha/members/", "/t/alpha/audit/", "/t/alpha/", "/t/alpha/account/tokens/"):
        assert admin.get(path).status_code == 200, path
    before = table_snapshot(app)
    blocked = admin.post("/t/alpha/account/tokens/", data={"csrf_token": token, "name": "late token"})
    assert blocked.status_code == 403
    assert "read-only" in in_english(admin).post(
        "/t/alpha/members/new", data={"csrf_token": token, "login": "13811113333", "display_name": "x",
                                      "role": "owner", "initial_password": NEW_ADMIN_PASSWORD}).text
    api = admin.post("/api/v1/t/alpha/tokens", json={"name": "x"}, headers={"X-CSRFToken": token})
    assert api.status_code == 403 and api.json["error"]["code"] == "tenant_read_only"
    bearer = app.test_client().post("/api/v1/t/alpha/tokens", json={"name": "x"},
                                    headers={"Authorization": f"Bearer {world.a.token_secret}"})
    assert bearer.status_code == 403
    assert table_snapshot(app) == before
    # The other tenant is untouched, and signing out still works.
    beta_admin = client_as(Role.BUREAU_ADMIN, "b")
    created = beta_admin.post("/t/beta/account/tokens/", data={"csrf_token": csrf_token_for(beta_admin), "name": "ok"})
    assert created.status_code == 200
    assert admin.post("/logout", data={"csrf_token": token}).status_code == 302


def test_suspended_tenant_pages_are_forbidden(app, world, platform, client_as):
    admin = in_english(client_as(Role.BUREAU_ADMIN, "a"))
    assert change_status(platform, world.a.tenant_id, "suspended").status_code == 303
    for path in ("/t/alpha/dashboard", "/t/alpha/members/", "/t/alpha/audit/", "/t/alpha/account/tokens/"):
        page = admin.get(path)
        assert page.status_code == 403, path
        assert "This tenant is suspended" in page.text
    assert app.test_client().get("/t/alpha/").status_code == 403
    api = app.test_client().get("/api/v1/t/alpha/me", headers={"Authorization": f"Bearer {world.a.token_secret}"})
    assert api.status_code == 403 and api.json["error"]["code"] == "tenant_suspended"
    assert app.test_client().get("/t/beta/").status_code == 200
    # Reactivated, everything is back.
    assert change_status(platform, world.a.tenant_id, "active").status_code == 303
    assert admin.get("/t/alpha/dashboard").status_code == 200


def platform_urls(app) -> list[tuple[str, str]]:
    """Every (method, URL) of the platform blueprint, with made-up ids filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/platform"):
            continue
        url = rule.rule.replace("<int:tenant_id>", "1").replace("<int:user_id>", "1").replace("<int:plan_id>", "1")
        url = re.sub(r"<any\([^)]*\):state>", "off", url)
        assert "<" not in url, f"fill in the arguments of {rule.rule}"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


def test_platform_rules_are_all_covered(app):
    urls = platform_urls(app)
    assert ("GET", "/platform/") in urls and ("POST", "/platform/tenants/new") in urls
    assert ("POST", "/platform/tenants/1/status") in urls and ("POST", "/platform/users/1/active/off") in urls


@pytest.mark.parametrize("who", [Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.OWNER, "outsider"])
def test_platform_area_is_invisible_to_everyone_else(app, world, client_as, who):
    if who == "outsider":
        client = app.test_client()
        assert login(client, world.outsider_login).status_code == 302
    else:
        client = client_as(who, "a")
    token = csrf_token_for(client)
    before = table_snapshot(app)
    for method, url in platform_urls(app):
        data = {"csrf_token": token, "status": "suspended", "reason": "attack", "slug": "evil", "kind": "bureau",
                "name_zh": "x", "time_zone": "Asia/Shanghai", "admin_login": "13811114444", "admin_name": "x",
                "admin_password": NEW_ADMIN_PASSWORD}
        response = client.open(url, method=method, data=data if method == "POST" else None)
        assert response.status_code == 404, (method, url, response.status_code)
    assert table_snapshot(app) == before


def test_platform_area_sends_anonymous_visitors_to_login(app, world):
    response = app.test_client().get("/platform/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
