"""API tokens end with the password, the account and the membership they were made under (and stay ended)."""
from __future__ import annotations

import sqlalchemy as sa

from portal.api import tokens as token_service
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from tenants import across_tenants, tenant_scope
from tenants.models import Membership, Tenant
from tenants.roles import Role
from tests.conftest import csrf_token_for
from tests.factories import PASSWORD

NEW_PASSWORD = "another long and unusual password"


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def answers(app, secret: str, slug: str = "alpha") -> int:
    return app.test_client().get(f"/api/v1/t/{slug}/me", headers=bearer(secret)).status_code


def revocations(app, tenant_id: int, user_id: int) -> list[str]:
    """The reasons of the ``api_token.revoked_all`` audit events about ``user_id`` in one tenant."""
    with app.app_context(), across_tenants("test reads the audit log"):
        rows = db.session.scalars(sa.select(AuditEvent.reason).where(
            AuditEvent.tenant_id == tenant_id, AuditEvent.action == "api_token.revoked_all",
            AuditEvent.object_id == str(user_id))).all()
        db.session.remove()
        return list(rows)


def issue(app, tenant_id: int, user_id: int, name: str = "script") -> str:
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        with tenant_scope(tenant):
            _token, secret = token_service.issue_token(tenant=tenant, user=db.session.get(User, user_id), name=name)
            db.session.commit()
        db.session.remove()
    return secret


def test_a_password_change_ends_every_token_of_the_account(app, world, client_as):
    w = world.a
    assert answers(app, w.token_secret) == 200
    admin = client_as(Role.BUREAU_ADMIN, "a")
    response = admin.post("/account/password", data={"csrf_token": csrf_token_for(admin), "current_password": PASSWORD,
                                                     "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302, response.text
    assert answers(app, w.token_secret) == 401
    # It cannot mint a successor either.
    created = app.test_client().post("/api/v1/t/alpha/tokens", json={"name": "successor"}, headers=bearer(w.token_secret))
    assert created.status_code == 401
    assert revocations(app, w.tenant_id, w.users[Role.BUREAU_ADMIN]) == ["password_changed"]


def test_disabling_the_account_ends_its_tokens_and_re_enabling_does_not_bring_them_back(app, world, client_as):
    w = world.a
    user_id = w.users[Role.BUREAU_ADMIN]
    platform = client_as_platform(app, world)
    token = csrf_token_for(platform)
    off = platform.post(f"/platform/users/{user_id}/active/off", data={"csrf_token": token, "reason": "left the bureau"})
    assert off.status_code in (302, 303), off.text
    assert answers(app, w.token_secret) == 401
    on = platform.post(f"/platform/users/{user_id}/active/on", data={"csrf_token": token, "reason": "came back"})
    assert on.status_code in (302, 303), on.text
    assert answers(app, w.token_secret) == 401
    assert revocations(app, w.tenant_id, user_id) == ["account_disabled"]
    # A new token made after re-enabling works: the account itself is fine again.
    assert answers(app, issue(app, w.tenant_id, user_id)) == 200


def test_deactivating_a_membership_ends_the_tokens_in_that_tenant_only(app, world, client_as):
    w = world.a
    staff_id = w.users[Role.FIRM_STAFF]
    here = issue(app, w.tenant_id, staff_id)
    with app.app_context():  # the same person also works for tenant B
        with tenant_scope(db.session.get(Tenant, world.b.tenant_id)):
            db.session.add(Membership(user_id=staff_id, role=Role.BUREAU_STAFF))
            db.session.commit()
        db.session.remove()
    there = issue(app, world.b.tenant_id, staff_id)
    assert answers(app, here) == 200 and answers(app, there, "beta") == 200

    admin = client_as(Role.BUREAU_ADMIN, "a")
    membership_id = w.memberships[Role.FIRM_STAFF]
    token = csrf_token_for(admin, "/t/alpha/members/")
    off = admin.post(f"/t/alpha/members/{membership_id}/active/off", data={"csrf_token": token, "reason": "contract ended"})
    assert off.status_code == 303
    assert answers(app, here) == 401
    assert answers(app, there, "beta") == 200
    admin.post(f"/t/alpha/members/{membership_id}/active/on", data={"csrf_token": token, "reason": "back"})
    assert answers(app, here) == 401
    assert revocations(app, w.tenant_id, staff_id) == ["membership_deactivated"]
    assert revocations(app, world.b.tenant_id, staff_id) == []


def test_a_token_is_checked_at_use_even_if_nothing_revoked_it(app, world):
    """Belt and braces: state changed behind the services' back still ends the token at its next use."""
    w = world.a
    user_id = w.users[Role.BUREAU_ADMIN]
    with app.app_context(), across_tenants("test changes the membership directly"):
        db.session.execute(sa.update(Membership).where(Membership.id == w.memberships[Role.BUREAU_ADMIN])
                           .values(is_active=False))
        db.session.commit()
        db.session.remove()
    assert answers(app, w.token_secret) == 401
    with app.app_context(), across_tenants("test restores the membership"):
        db.session.execute(sa.update(Membership).where(Membership.id == w.memberships[Role.BUREAU_ADMIN])
                           .values(is_active=True))
        user = db.session.get(User, user_id)
        from portal.db import utcnow

        user.password_changed_at = utcnow()  # a password set by some other path
        db.session.commit()
        db.session.remove()
    assert answers(app, w.token_secret) == 401


def client_as_platform(app, world):
    from tests.conftest import login

    client = app.test_client()
    assert login(client, world.platform_admin_login).status_code == 302
    return client
