"""Member administration: adding people, changing roles and bindings, deactivating, and the audit trail."""
from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from tenants import tenant_scope
from tenants.models import Membership, Tenant
from tenants.roles import Role
from tests.conftest import table_snapshot
from tests.factories import PASSWORD, csrf_from
from tests.portal.pages import csrf_token_for, field_error, flashes, in_english, login

NEW_PASSWORD = "a long and unusual first password"


@pytest.fixture
def admin(client_as):
    return in_english(client_as(Role.BUREAU_ADMIN, "a"))


def add_form(client, **fields) -> dict:
    data = {"csrf_token": csrf_token_for(client, "/t/alpha/members/new"), "login": "13822223333",
            "display_name": "新成员", "initial_password": NEW_PASSWORD, "role": "owner",
            "area_id": "None", "firm_id": "None", "community_id": "None"}
    data.update({k: str(v) for k, v in fields.items()})
    return data


def edit_form(client, membership_id: int, **fields) -> dict:
    data = {"csrf_token": csrf_token_for(client, f"/t/alpha/members/{membership_id}/edit"), "role": "owner",
            "area_id": "None", "firm_id": "None", "community_id": "None", "reason": ""}
    data.update({k: str(v) for k, v in fields.items()})
    return data


def memberships_of(app, world, user_id: int, key: str = "a") -> list[Membership]:
    with app.app_context():
        tenant = db.session.get(Tenant, world[key].tenant_id)
        with tenant_scope(tenant):
            rows = db.session.scalars(sa.select(Membership).where(Membership.user_id == user_id)
                                      .order_by(Membership.id)).all()
            db.session.expunge_all()
            return rows


def audit_events(app, world, action: str, key: str = "a") -> list[AuditEvent]:
    with app.app_context():
        tenant = db.session.get(Tenant, world[key].tenant_id)
        with tenant_scope(tenant):
            rows = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                      .order_by(AuditEvent.id)).all()
            db.session.expunge_all()
            return rows


def user_by_mobile(app, mobile: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.mobile == mobile))
        db.session.expunge_all()
        return user


def accept_all(client) -> None:
    """The invited person accepts every invitation shown after signing in."""
    page = client.get("/account/tenants").text
    for path in re.findall(r'action="(/account/invitations/\d+/accept)"', page):
        assert client.post(path, data={"csrf_token": csrf_from(page)}).status_code == 303


def test_add_new_account_who_then_signs_in_accepts_and_sees_the_role(app, world, admin):
    response = admin.post("/t/alpha/members/new", data=add_form(admin, role="firm_staff", firm_id=world.a.firm_id))
    assert response.status_code == 302, response.text
    assert flashes(admin.get(response.headers["Location"]).text)[0].startswith("Invitation recorded.")
    user = user_by_mobile(app, "13822223333")
    assert user is not None and user.display_name == "新成员"
    [membership] = memberships_of(app, world, user.id)
    assert (membership.role, membership.firm_id, membership.is_active) == (Role.FIRM_STAFF, world.a.firm_id, False)
    [event] = audit_events(app, world, "member.invited")
    assert event.actor_id == world.a.users[Role.BUREAU_ADMIN] and event.object_id == str(membership.id)
    assert json.loads(event.after) == {"login": "13822223333", "role": "firm_staff", "area": None,
                                       "firm": world.a.firm_id, "community": None, "active": False}

    member = in_english(app.test_client())
    assert login(member, "13822223333", NEW_PASSWORD).status_code == 302
    assert member.get("/t/alpha/dashboard").status_code == 404  # not a member before accepting
    accept_all(member)
    dashboard = member.get("/t/alpha/dashboard")
    assert dashboard.status_code == 200
    assert "Property firm staff" in dashboard.text and "新成员" in dashboard.text
    assert member.get("/t/beta/dashboard").status_code == 404
    [accepted] = audit_events(app, world, "member.invitation_accepted")
    assert accepted.actor_id == user.id


def test_an_existing_account_keeps_its_password_and_must_accept(app, world, admin):
    response = admin.post("/t/alpha/members/new", data=add_form(admin, login=world.outsider_login, role="owner"))
    assert response.status_code == 302, response.text
    [membership] = memberships_of(app, world, world.outsider_id)
    assert membership.role == Role.OWNER and not membership.is_active
    person = in_english(app.test_client())
    assert login(person, world.outsider_login, NEW_PASSWORD).status_code != 302  # the typed password is not theirs
    assert login(person, world.outsider_login, PASSWORD).status_code == 302
    assert person.get("/t/alpha/dashboard").status_code == 404
    accept_all(person)
    assert "Owner" in person.get("/t/alpha/dashboard").text


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"initial_password": ""}, "initial_password", "Enter an initial password."),
        ({"initial_password": "password123"}, "initial_password", "too common"),
        ({"login": "12345"}, "login", "11-digit mainland mobile number"),
        ({"display_name": ""}, "display_name", "Enter the person's name."),
        ({"role": "area_officer"}, "area_id", "This role must be bound to one; choose it."),
        ({"role": "firm_staff"}, "firm_id", "This role must be bound to one; choose it."),
        ({"role": "committee_member"}, "community_id", "This role must be bound to one; choose it."),
        ({"role": "emperor"}, "role", "Not a valid choice"),
    ],
)
def test_add_refuses_bad_input_with_a_field_error(app, world, admin, fields, field, message):
    before = table_snapshot(app)
    response = admin.post("/t/alpha/members/new", data=add_form(admin, **fields))
    error = field_error(response.text, field)
    assert error is not None and message in error, (field, error)
    assert table_snapshot(app) == before


@pytest.mark.parametrize("role, field", [("area_officer", "area_id"), ("firm_staff", "firm_id"),
                                         ("committee_member", "community_id")])
def test_binding_into_the_other_tenant_is_refused(app, world, admin, role, field):
    foreign = {"area_id": world.b.area_id, "firm_id": world.b.firm_id, "community_id": world.b.community_id}[field]
    before = table_snapshot(app)
    response = admin.post("/t/alpha/members/new", data=add_form(admin, role=role, **{field: foreign}))
    assert "No such entry" in (field_error(response.text, field) or "")
    assert table_snapshot(app) == before

    owner_membership = world.a.memberships[Role.OWNER]
    response = admin.post(f"/t/alpha/members/{owner_membership}/edit",
                          data=edit_form(admin, owner_membership, role=role, **{field: foreign}))
    assert "No such entry" in (field_error(response.text, field) or "")
    [unchanged] = memberships_of(app, world, world.a.users[Role.OWNER])
    assert unchanged.role == Role.OWNER and unchanged.area_id is None and unchanged.firm_id is None
    assert audit_events(app, world, "member.changed") == []


def test_edit_role_and_binding_is_audited_with_before_and_after(app, world, admin):
    membership_id = world.a.memberships[Role.OWNER]
    user_id = world.a.users[Role.OWNER]
    response = admin.post(f"/t/alpha/members/{membership_id}/edit",
                          data=edit_form(admin, membership_id, role="committee_member",
                                         community_id=world.a.community_id, reason="elected"))
    assert response.status_code == 302, response.text
    [membership] = memberships_of(app, world, user_id)
    assert (membership.role, membership.community_id) == (Role.COMMITTEE_MEMBER, world.a.community_id)
    [event] = audit_events(app, world, "member.changed")
    assert event.reason == "elected" and event.actor_id == world.a.users[Role.BUREAU_ADMIN]
    assert json.loads(event.before)["role"] == "owner" and json.loads(event.before)["community"] is None
    assert json.loads(event.after)["role"] == "committee_member"
    assert json.loads(event.after)["community"] == world.a.community_id

    # Changing to a role that needs another binding drops the old one.
    response = admin.post(f"/t/alpha/members/{membership_id}/edit",
                          data=edit_form(admin, membership_id, role="area_officer", area_id=world.a.office_id,
                                         community_id=world.a.community_id))
    assert response.status_code == 302
    [membership] = memberships_of(app, world, user_id)
    assert (membership.role, membership.area_id, membership.community_id) == (Role.AREA_OFFICER, world.a.office_id, None)

    member = in_english(app.test_client())
    assert login(member, world.a.logins[Role.OWNER]).status_code == 302
    assert "Street/community officer" in member.get("/t/alpha/dashboard").text


def test_edit_without_the_required_binding_names_the_field(app, world, admin):
    membership_id = world.a.memberships[Role.OWNER]
    response = admin.post(f"/t/alpha/members/{membership_id}/edit",
                          data=edit_form(admin, membership_id, role="firm_staff"))
    assert field_error(response.text, "firm_id") == "This role must be bound to one; choose it."
    assert memberships_of(app, world, world.a.users[Role.OWNER])[0].role == Role.OWNER


def test_edit_form_shows_the_current_role(app, world, admin):
    page = admin.get(f"/t/alpha/members/{world.a.memberships[Role.FIRM_STAFF]}/edit")
    assert page.status_code == 200
    assert '<option selected value="firm_staff">' in page.text
    assert f'<option selected value="{world.a.firm_id}">' in page.text


def set_active(client, membership_id: int, state: str, reason: str):
    return client.post(f"/t/alpha/members/{membership_id}/active/{state}",
                       data={"csrf_token": csrf_token_for(client, "/t/alpha/members/"), "reason": reason})


def test_deactivate_and_reactivate_with_a_reason(app, world, admin):
    membership_id = world.a.memberships[Role.FIRM_STAFF]
    user_id = world.a.users[Role.FIRM_STAFF]
    member = app.test_client()
    assert login(member, world.a.logins[Role.FIRM_STAFF]).status_code == 302
    assert member.get("/t/alpha/dashboard").status_code == 200

    refused = set_active(admin, membership_id, "off", "")
    assert refused.status_code == 400 and "Give a reason." in refused.text
    assert memberships_of(app, world, user_id)[0].is_active

    assert set_active(admin, membership_id, "off", "left the firm").status_code == 303
    assert not memberships_of(app, world, user_id)[0].is_active
    assert member.get("/t/alpha/dashboard").status_code == 404
    assert "Inactive" in admin.get("/t/alpha/members/").text
    [event] = audit_events(app, world, "member.deactivated")
    assert event.reason == "left the firm"
    assert json.loads(event.before)["active"] is True and json.loads(event.after)["active"] is False

    assert set_active(admin, membership_id, "on", "came back").status_code == 303
    assert memberships_of(app, world, user_id)[0].is_active
    assert member.get("/t/alpha/dashboard").status_code == 200
    [event] = audit_events(app, world, "member.activated")
    assert event.reason == "came back" and json.loads(event.after)["active"] is True


def test_admin_cannot_remove_own_admin_role_or_deactivate_self(app, world, admin):
    own = world.a.memberships[Role.BUREAU_ADMIN]
    before = table_snapshot(app)
    response = admin.post(f"/t/alpha/members/{own}/edit", data=edit_form(admin, own, role="bureau_staff"))
    assert field_error(response.text, "role") == "You cannot remove your own administrator role."
    response = set_active(admin, own, "off", "bored")
    assert response.status_code == 303
    assert "You cannot deactivate your own membership." in flashes(admin.get(response.headers["Location"]).text)
    [membership] = memberships_of(app, world, world.a.users[Role.BUREAU_ADMIN])
    assert membership.role == Role.BUREAU_ADMIN and membership.is_active
    assert table_snapshot(app) == before
    assert admin.get("/t/alpha/members/").status_code == 200


def test_bureau_staff_can_list_but_not_change(app, world, client_as):
    staff = client_as(Role.BUREAU_STAFF, "a")
    listing = staff.get("/t/alpha/members/")
    assert listing.status_code == 200
    assert f"{Role.OWNER.value}-{world.a.sentinel}" in listing.text
    assert world.b.sentinel not in listing.text
    assert "/t/alpha/members/new" not in listing.text
    token = csrf_token_for(staff)
    target = world.a.memberships[Role.OWNER]
    before = table_snapshot(app)
    assert staff.get("/t/alpha/members/new").status_code == 403
    assert staff.post("/t/alpha/members/new", data={"csrf_token": token, "login": "13822224444",
                                                    "display_name": "x", "role": "owner",
                                                    "initial_password": NEW_PASSWORD}).status_code == 403
    assert staff.get(f"/t/alpha/members/{target}/edit").status_code == 403
    assert staff.post(f"/t/alpha/members/{target}/edit", data={"csrf_token": token, "role": "bureau_admin"}).status_code == 403
    assert staff.post(f"/t/alpha/members/{target}/active/off", data={"csrf_token": token, "reason": "x"}).status_code == 403
    assert table_snapshot(app) == before


@pytest.mark.parametrize("role", [Role.OWNER, Role.FIRM_STAFF, Role.AREA_OFFICER, Role.COMMITTEE_MEMBER])
def test_other_roles_cannot_see_the_member_list(client_as, role):
    assert client_as(role, "a").get("/t/alpha/members/").status_code == 403


def test_members_of_the_other_tenant_are_out_of_reach(app, world, admin, client_as):
    foreign = world.b.memberships[Role.OWNER]
    token = csrf_token_for(admin)
    before = table_snapshot(app)
    assert admin.get(f"/t/alpha/members/{foreign}/edit").status_code == 404
    assert admin.post(f"/t/alpha/members/{foreign}/edit", data={"csrf_token": token, "role": "owner"}).status_code == 404
    assert admin.post(f"/t/alpha/members/{foreign}/active/off", data={"csrf_token": token, "reason": "x"}).status_code == 404
    # Tenant B's administrator is an outsider in A: the page does not exist for them.
    attacker = client_as(Role.BUREAU_ADMIN, "b")
    assert attacker.get("/t/alpha/members/").status_code == 404
    assert attacker.post("/t/alpha/members/new", data=add_form(admin) | {"csrf_token": csrf_token_for(attacker)}).status_code == 404
    assert table_snapshot(app) == before


def test_adding_the_same_role_twice_is_refused(app, world, admin):
    response = admin.post("/t/alpha/members/new", data=add_form(admin, login=world.a.logins[Role.OWNER], role="owner"))
    assert field_error(response.text, "role") == "This person already has this role here (or an open invitation to it)."


def test_a_person_with_two_roles_is_one_entry_with_both(app, world, admin):
    """The owner of tenant A also sits on the owners' committee: one person, two roles, each with what it is
    bound to and its own actions."""
    with app.app_context(), tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        db.session.add(Membership(user_id=world.a.users[Role.OWNER], role=Role.COMMITTEE_MEMBER,
                                  community_id=world.a.community_id))
        db.session.commit()
    page = admin.get("/t/alpha/members/?page_size=100").text
    name = f"owner-{world.a.sentinel}"
    entries = re.findall(r'<li class="row person[^"]*">(.*?)</ul>', page, re.S)
    mine = [entry for entry in entries if name in entry]
    assert len(mine) == 1
    assert "Owner" in mine[0] and "Owners' committee member" in mine[0]
    assert f"小区{world.a.sentinel}" in mine[0]  # the committee seat's community
    assert len(re.findall(r'/members/\d+/edit', mine[0])) == 2
    # The count above the list counts people, not memberships.
    people = len({u for u in world.a.users.values()})
    assert f"{people}" in re.search(r'class="list-count"[^>]*>(.*?)<', page, re.S).group(1)
