"""The tenant setting "members must verify their mobile number": who changes it, its audit, and its effect on
pages, the API and unit binding, in that tenant only."""
from __future__ import annotations

import pytest
from freezegun import freeze_time

from portal.auth.models import User
from portal.extensions import db
from tenants.models import Tenant, TenantStatus
from tenants.roles import Role, roles_for
from tests.conftest import csrf_token_for, login, table_snapshot
from tests.factories import PASSWORD
from tests.portal.auth.mobile_helpers import (
    NOW,
    enter_code,
    last_code,
    mark_verified,
    require_verified_mobile,
    send_code,
)
from tests.portal.owners.helpers import audit_actions, bindings_of
from tests.portal.pages import field_error, flashes, in_english, page_text, zh

SETTINGS = "/t/alpha/settings/"

# Tenants A and B are bureaus (the firm tenant C has its own roles).
BUREAU_ROLES = roles_for("bureau")


def required(app, tenant_id: int) -> bool:
    with app.app_context():
        value = db.session.get(Tenant, tenant_id).require_verified_mobile
        db.session.remove()
        return value


def save(client, on: bool, slug: str = "alpha"):
    data = {"csrf_token": csrf_token_for(client, "/account/password")}
    if on:
        data["require_verified_mobile"] = "y"
    return client.post(f"/t/{slug}/settings/", data=data)


@pytest.fixture
def admin(app, world, client_as):
    return in_english(client_as(Role.BUREAU_ADMIN, "a"))


# --- the setting ----------------------------------------------------------------------------------

def test_off_by_default_and_shown_with_the_figures(app, world, admin):
    assert required(app, world.a.tenant_id) is False
    page = admin.get(SETTINGS)
    assert page.status_code == 200
    text = page_text(page.text)
    assert "Members must verify their mobile number with a code" in text
    assert 'name="require_verified_mobile"' in page.text and "checked" not in page.text
    # Six members (one per role), none verified yet; codes go to the log on a server without an SMS gateway.
    assert "Members 6" in " ".join(text.split()) and "With a verified number 0" in " ".join(text.split())
    assert 'href="/t/alpha/settings/"' in admin.get("/t/alpha/dashboard").text  # linked from the dashboard


def test_turning_it_on_needs_the_administrators_own_verified_number(app, world, admin):
    before = table_snapshot(app)
    response = save(admin, True)
    assert response.status_code == 400
    assert field_error(response.text, "require_verified_mobile").startswith("Verify your own mobile number first")
    assert table_snapshot(app) == before and required(app, world.a.tenant_id) is False


def test_on_and_off_are_audited_with_readable_sentences(app, world, admin):
    mark_verified(app, world.a.users[Role.BUREAU_ADMIN])
    response = save(admin, True)
    assert response.status_code == 303 and response.headers["Location"] == SETTINGS
    assert "Members now verify their mobile number with a code before going on." in flashes(admin.get(SETTINGS).text)
    assert required(app, world.a.tenant_id) is True
    assert save(admin, True).status_code == 303  # the same again: nothing to record
    assert "Nothing changed." in flashes(admin.get(SETTINGS).text)
    assert save(admin, False).status_code == 303 and required(app, world.a.tenant_id) is False
    events = audit_actions(app, world.a.tenant_id, "tenant.mobile_verification")
    admin_id = world.a.users[Role.BUREAU_ADMIN]
    assert [(a, actor, kind, oid) for a, actor, kind, oid, _r in events] == [
        ("tenant.mobile_verification_required", admin_id, "tenant", str(world.a.tenant_id)),
        ("tenant.mobile_verification_optional", admin_id, "tenant", str(world.a.tenant_id))]
    log = admin.get("/t/alpha/audit/").text
    assert "required every member to verify their mobile number with a code" in log
    assert "stopped requiring members to verify their mobile number" in log
    chinese = app.test_client()
    login(chinese, world.a.logins[Role.BUREAU_ADMIN])
    log = chinese.get("/t/alpha/audit/").text
    assert zh("required every member to verify their mobile number with a code") in log
    assert zh("stopped requiring members to verify their mobile number") in log


def test_one_tenants_administrator_cannot_change_anothers_setting(app, world, client_as):
    mark_verified(app, world.b.users[Role.BUREAU_ADMIN])
    b_admin = in_english(client_as(Role.BUREAU_ADMIN, "b"))
    before = table_snapshot(app)
    assert b_admin.get(SETTINGS).status_code == 404
    assert save(b_admin, True, slug="alpha").status_code == 404
    assert table_snapshot(app) == before and required(app, world.a.tenant_id) is False
    # B's own page changes B only.
    assert save(b_admin, True, slug="beta").status_code == 303
    assert (required(app, world.a.tenant_id), required(app, world.b.tenant_id)) == (False, True)


@pytest.mark.parametrize("role", [r for r in BUREAU_ROLES if r != Role.BUREAU_ADMIN], ids=lambda r: r.value)
def test_only_the_administrator_may(app, world, client_as, role):
    client = client_as(role, "a")
    mark_verified(app, world.a.users[role])
    assert client.get(SETTINGS).status_code == 403
    assert save(client, True).status_code == 403 and required(app, world.a.tenant_id) is False


def test_a_read_only_tenant_keeps_its_setting(app, world, admin):
    mark_verified(app, world.a.users[Role.BUREAU_ADMIN])
    with app.app_context():
        db.session.get(Tenant, world.a.tenant_id).status = TenantStatus.READ_ONLY
        db.session.commit()
        db.session.remove()
    assert save(admin, True).status_code == 403 and required(app, world.a.tenant_id) is False


@pytest.mark.parametrize("value", ["", "x" * 10_000, "ab\x00cd", "<script>alert(1)</script>", "9" * 30, "%FF%FE"])
def test_junk_in_the_checkbox_is_never_a_500(app, world, admin, value):
    mark_verified(app, world.a.users[Role.BUREAU_ADMIN])
    response = admin.post(SETTINGS, data={"csrf_token": csrf_token_for(admin, SETTINGS),
                                          "require_verified_mobile": value})
    # A checkbox sent with any text is ticked, as browsers send it; an empty one is not.
    assert response.status_code == 303
    assert required(app, world.a.tenant_id) is bool(value)


# --- its effect -----------------------------------------------------------------------------------

def test_an_unverified_member_is_sent_to_verify_and_comes_back(app, world, outbox):
    require_verified_mobile(app, world.a.tenant_id)
    mobile = world.a.logins[Role.OWNER]
    with freeze_time(NOW):
        owner = in_english(app.test_client())
        login(owner, mobile)
        page = owner.get("/t/alpha/my/units")
        assert page.status_code == 302 and page.headers["Location"] == "/account/mobile?next=/t/alpha/my/units"
        notice = owner.get(page.headers["Location"]).text
        assert "alpha bureau asks every member to verify their mobile number" in page_text(notice)
        assert owner.get("/t/alpha/dashboard").status_code == 302
        assert owner.get("/t/alpha/").status_code == 200  # the public page is public
        send_code(owner, mobile, next_url="/t/alpha/my/units")
        back = enter_code(owner, last_code(outbox, mobile), next_url="/t/alpha/my/units")
        assert back.headers["Location"] == "/t/alpha/my/units"
        assert owner.get("/t/alpha/my/units").status_code == 200


@pytest.mark.parametrize("role", BUREAU_ROLES, ids=lambda r: r.value)
def test_every_role_is_asked_in_that_tenant_only(app, world, client_as, role):
    require_verified_mobile(app, world.a.tenant_id)
    a_member, b_member = client_as(role, "a"), client_as(role, "b")
    assert a_member.get("/t/alpha/dashboard").status_code == 302
    assert b_member.get("/t/beta/dashboard").status_code == 200
    mark_verified(app, world.a.users[role])
    assert a_member.get("/t/alpha/dashboard").status_code == 200


def test_a_write_is_not_done_before_verifying(app, world, client_as):
    require_verified_mobile(app, world.a.tenant_id)
    owner = client_as(Role.OWNER, "a")
    token = csrf_token_for(owner, "/account/password")
    before = table_snapshot(app)
    response = owner.post("/t/alpha/my/units", data={"csrf_token": token, "code": world.a.claim_code})
    assert response.status_code == 303 and response.headers["Location"].startswith("/account/mobile?next=")
    assert table_snapshot(app) == before
    assert bindings_of(app, world.a.tenant_id, world.a.unit2_id) == []


def test_binding_a_unit_itself_refuses_an_unverified_owner(app, world):
    """The rule lives in the service too, not only in the page guards."""
    from portal.owners import services
    from tenants import tenant_scope

    require_verified_mobile(app, world.a.tenant_id)
    with app.app_context():
        tenant = db.session.get(Tenant, world.a.tenant_id)
        user = db.session.get(User, world.a.users[Role.OWNER])
        with tenant_scope(tenant), pytest.raises(services.OwnerError) as refused:
            services.claim(tenant=tenant, user=user, code_text=world.a.claim_code)
        assert refused.value.field == "code" and refused.value.status == 403
        db.session.remove()


def test_the_api_refuses_an_unverified_caller_and_shows_the_state(app, world):
    bearer = {"Authorization": f"Bearer {world.a.token_secret}"}
    client = app.test_client()
    me = client.get("/api/v1/t/alpha/me", headers=bearer)
    assert me.status_code == 200 and me.json["mobile_verified"] is False
    require_verified_mobile(app, world.a.tenant_id)
    refused = client.get("/api/v1/t/alpha/me", headers=bearer)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "mobile_not_verified"
    mark_verified(app, world.a.users[Role.BUREAU_ADMIN])
    me = client.get("/api/v1/t/alpha/me", headers=bearer)
    assert me.status_code == 200 and me.json["mobile_verified"] is True


def test_the_account_page_says_which_tenant_asks(app, world, client_as):
    require_verified_mobile(app, world.a.tenant_id)
    owner = in_english(client_as(Role.OWNER, "a"))
    text = page_text(owner.get("/account").text)
    assert "alpha bureau asks every member to verify their mobile number" in text


def test_a_member_without_a_mobile_number_adds_one(app, world, outbox):
    """An e-mail-only member of a tenant that requires it adds a number (with the password) and verifies it."""
    from tests.factories import make_user

    from tenants import tenant_scope
    from tenants.models import Membership

    with app.app_context():
        user = make_user("邮箱用户", email="mail-only@example.org")
        with tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
            db.session.add(Membership(user_id=user.id, role=Role.BUREAU_STAFF))
            db.session.commit()
        db.session.remove()
    require_verified_mobile(app, world.a.tenant_id)
    with freeze_time(NOW):
        client = in_english(app.test_client())
        login(client, "mail-only@example.org")
        assert client.get("/t/alpha/dashboard").status_code == 302
        page = page_text(client.get("/account/mobile").text)
        assert "Your account has no mobile number yet." in page
        assert send_code(client, "13955550002", PASSWORD).status_code == 303
        assert enter_code(client, last_code(outbox, "13955550002")).status_code == 303
        assert client.get("/t/alpha/dashboard").status_code == 200
    assert login(app.test_client(), "13955550002").status_code == 302


def test_the_figures_count_verified_members(app, world, admin):
    for role in (Role.OWNER, Role.FIRM_STAFF):
        mark_verified(app, world.a.users[role])
    mark_verified(app, world.b.users[Role.OWNER])  # another tenant's member does not count here
    text = " ".join(page_text(admin.get(SETTINGS).text).split())
    assert "Members 6" in text and "With a verified number 2" in text


def test_the_settings_page_reads_in_chinese(app, world):
    client = app.test_client()
    login(client, world.a.logins[Role.BUREAU_ADMIN])
    page = client.get(SETTINGS).text
    assert zh("Mobile number verification") in page
    assert zh("Members must verify their mobile number with a code") in page
    assert zh("Settings") in client.get("/t/alpha/dashboard").text
