"""Adding a member is an invitation: it reveals nothing about accounts elsewhere and attaches nobody without consent."""
from __future__ import annotations

import re

import pytest

from tenants.roles import Role
from tests.conftest import csrf_token_for, table_snapshot
from tests.factories import csrf_from
from tests.portal.members.test_members import NEW_PASSWORD, add_form, audit_events, memberships_of
from tests.portal.pages import flashes, in_english, login


@pytest.fixture
def admin(client_as):
    return in_english(client_as(Role.BUREAU_ADMIN, "a"))


def masked(text: str, *typed: str) -> str:
    """A page without what legitimately differs: CSRF tokens, ids in links, and the login the admin typed."""
    text = re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1CSRF", text)
    text = re.sub(r'value="[^"]{40,}"', 'value="CSRF"', text)
    text = re.sub(r"/members/\d+/", "/members/N/", text)
    text = re.sub(r"reason-\d+", "reason-N", text)
    for value in typed:
        text = text.replace(value, "TYPED")
    return text


def invite(admin, login_name: str, role: str = "bureau_admin"):
    return admin.post("/t/alpha/members/new", data=add_form(admin, login=login_name, role=role))


def test_inviting_an_account_of_another_tenant_looks_like_inviting_a_new_person(app, world, client_as):
    """Tenant B's administrator and a number nobody uses: the same answer, flash, list and audit shape."""
    foreign, fresh = world.b.logins[Role.BUREAU_ADMIN], "13822229999"
    seen = {}
    for login_name in (foreign, fresh):
        admin = in_english(client_as(Role.BUREAU_ADMIN, "a"))
        response = invite(admin, login_name)
        page = admin.get("/t/alpha/members/")
        seen[login_name] = (response.status_code, masked(" ".join(flashes(page.text)), login_name),
                            masked(page.text, login_name))
        # The tenant never sees the name or other login of the account behind the typed login.
        assert f"bureau_admin-{world.b.sentinel}" not in page.text
    assert seen[foreign][0] == seen[fresh][0] == 302
    assert seen[foreign][1] == seen[fresh][1]
    invited = [e for e in audit_events(app, world, "member.invited")]
    assert len(invited) == 2
    assert [set(__import__("json").loads(e.after)) for e in invited] == [{"login", "role", "area", "firm", "community",
                                                                           "active"}] * 2
    # The members API lists members only, not open invitations (so no account's name leaks there).
    token = world.a.token_secret
    api = app.test_client().get("/api/v1/t/alpha/members", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and f"bureau_admin-{world.b.sentinel}" not in api.text


def test_bad_input_gets_the_same_answer_for_existing_and_new_accounts(app, world, admin):
    foreign, fresh = world.b.logins[Role.BUREAU_ADMIN], "13822229999"
    for password in ("", "password123", "short"):
        answers = []
        for login_name in (foreign, fresh):
            response = admin.post("/t/alpha/members/new",
                                  data=add_form(admin, login=login_name, role="bureau_staff", initial_password=password))
            answers.append((response.status_code, masked(response.text, login_name)))
        assert answers[0] == answers[1] and answers[0][0] == 400, password


def test_another_tenants_administrator_is_not_attached_without_accepting(app, world, admin, client_as):
    foreign_id = world.b.users[Role.BUREAU_ADMIN]
    assert invite(admin, world.b.logins[Role.BUREAU_ADMIN]).status_code == 302
    person = in_english(client_as(Role.BUREAU_ADMIN, "b"))
    # Until accepted: no access, no membership in force, not even for the administrator's "reactivate".
    assert person.get("/t/alpha/dashboard").status_code == 404
    [pending] = memberships_of(app, world, foreign_id)
    assert not pending.is_active
    token = csrf_from(admin.get("/t/alpha/members/").text)
    before = table_snapshot(app)
    admin.post(f"/t/alpha/members/{pending.id}/active/on", data={"csrf_token": token, "reason": "force it"})
    assert table_snapshot(app) == before and person.get("/t/alpha/dashboard").status_code == 404
    # Nobody else can answer it: another account does not even see it.
    stranger = in_english(client_as(Role.BUREAU_STAFF, "a"))
    assert stranger.get("/account/tenants").status_code == 302  # straight to their one tenant: nothing to answer
    response = stranger.post(f"/account/invitations/{pending.id}/accept", data={"csrf_token": csrf_token_for(stranger)})
    assert response.status_code == 303 and table_snapshot(app) == before
    # The person sees it after signing in and declines: it is gone, and nothing was attached.
    page = person.get("/account/tenants")
    assert page.status_code == 200 and "Invitations for you" in page.text and "Bureau administrator" in page.text
    declined = person.post(f"/account/invitations/{pending.id}/decline", data={"csrf_token": csrf_from(page.text)})
    assert declined.status_code == 303
    assert memberships_of(app, world, foreign_id) == []
    assert person.get("/t/alpha/dashboard").status_code == 404
    assert len(audit_events(app, world, "member.invitation_declined")) == 1


def test_the_administrator_can_withdraw_an_open_invitation(app, world, admin):
    assert invite(admin, "13822228888", role="bureau_staff").status_code == 302
    page = admin.get("/t/alpha/members/").text
    assert "Open invitations" in page and "13822228888" in page
    invitations = page[page.index("Open invitations"):]
    row = invitations[invitations.index("<strong>13822228888</strong>"):]
    path = re.search(r'action="(/t/alpha/members/\d+/active/off)"', row).group(1)
    assert re.search(r'<button type="submit">Withdraw</button>', row)
    assert admin.post(path, data={"csrf_token": csrf_from(page), "reason": "typo"}).status_code == 303
    assert "13822228888" not in admin.get("/t/alpha/members/").text
    person = app.test_client()
    assert login(person, "13822228888", NEW_PASSWORD).status_code == 302
    assert "Invitations for you" not in person.get("/account/tenants").text
