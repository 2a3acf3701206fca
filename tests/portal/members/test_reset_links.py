"""An administrator's one-time reset link for a member: shown once, works once, expires, audited, own tenant only."""
from __future__ import annotations

import datetime as dt
import re

from freezegun import freeze_time

from tenants.roles import Role
from tests.conftest import csrf_token_for, login
from tests.factories import PASSWORD
from tests.portal.owners.helpers import audit_actions
from tests.portal.pages import flashes, in_english

NEW_PASSWORD = "a fresh and rather long passphrase"
NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)
LINK_RE = re.compile(r'href="(http://localhost/account/reset/link/[A-Za-z0-9_-]{43})"')


def issue(admin, membership_id: int, slug: str = "alpha"):
    return admin.post(f"/t/{slug}/members/{membership_id}/reset-link",
                      data={"csrf_token": csrf_token_for(admin, f"/t/{slug}/members/")})


def set_password(client, link: str, password: str = NEW_PASSWORD):
    path = link.removeprefix("http://localhost")
    # A dead link's page has no form: the session's token comes from the sign-in page then.
    return client.post(path, data={"csrf_token": csrf_token_for(client, "/login"), "new_password": password,
                                   "confirm_password": password})


def test_the_link_sets_the_password_once_and_is_audited(app, world, client_as):
    w = world.a
    with freeze_time(NOW):
        admin = in_english(client_as(Role.BUREAU_ADMIN, "a"))
        owner = app.test_client()
        assert login(owner, w.logins[Role.OWNER]).status_code == 302
        assert owner.get("/t/alpha/my/units").status_code == 200
        page = issue(admin, w.memberships[Role.OWNER])
        assert page.status_code == 200
        assert "works once, for 24 hours" in page.text
        link = LINK_RE.search(page.text).group(1)
        assert admin.get("/t/alpha/members/").text.count(link) == 0  # shown once, not on the list afterwards
        anonymous = app.test_client()
        assert set_password(anonymous, link).status_code == 303
        assert set_password(app.test_client(), link, "yet another long passphrase").status_code == 404
        assert login(app.test_client(), w.logins[Role.OWNER], NEW_PASSWORD).status_code == 302
        assert owner.get("/t/alpha/my/units").status_code == 302  # the member's old session is over
    actions = audit_actions(app, w.tenant_id, "member.reset_link")
    assert [(a[0], a[1], a[2], a[3]) for a in actions] == [
        ("member.reset_link_issued", w.users[Role.BUREAU_ADMIN], "user", str(w.users[Role.OWNER]))]


def test_the_link_expires_after_24_hours(app, world, client_as):
    with freeze_time(NOW) as clock:
        admin = client_as(Role.BUREAU_ADMIN, "a")
        link = LINK_RE.search(issue(admin, world.a.memberships[Role.OWNER]).text).group(1)
        clock.tick(dt.timedelta(hours=24, seconds=1))
        assert app.test_client().get(link.removeprefix("http://localhost")).status_code == 404
        assert set_password(app.test_client(), link).status_code == 404
    assert login(app.test_client(), world.a.logins[Role.OWNER], PASSWORD).status_code == 302


def test_a_member_of_another_tenant_is_not_found(app, world, client_as):
    admin = client_as(Role.BUREAU_ADMIN, "a")
    assert issue(admin, world.b.memberships[Role.OWNER]).status_code == 404
    assert audit_actions(app, world.b.tenant_id, "member.reset_link") == []
    assert audit_actions(app, world.a.tenant_id, "member.reset_link") == []


def test_only_administrators_issue_links(app, world, client_as):
    staff = client_as(Role.BUREAU_STAFF, "a")
    assert issue(staff, world.a.memberships[Role.OWNER]).status_code == 403


def test_no_link_for_an_account_that_also_belongs_elsewhere(app, world, client_as):
    """A tenant's administrator must not take over an account through which another tenant is run."""
    from portal.extensions import db
    from tenants import tenant_scope
    from tenants.models import Membership, Tenant

    with app.app_context():
        with tenant_scope(db.session.get(Tenant, world.b.tenant_id)):
            db.session.add(Membership(user_id=world.a.users[Role.OWNER], role=Role.OWNER, is_active=True))
            db.session.commit()
        db.session.remove()
    admin = in_english(client_as(Role.BUREAU_ADMIN, "a"))
    response = issue(admin, world.a.memberships[Role.OWNER])
    assert response.status_code == 303
    assert "alone manages" in flashes(admin.get("/t/alpha/members/").text)[0]
    assert audit_actions(app, world.a.tenant_id, "member.reset_link") == []
