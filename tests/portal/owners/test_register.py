"""Registering with a claim code: the happy path, refused codes, existing accounts, double use, other tenants."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from tenants import across_tenants
from tenants.roles import Role
from tests.conftest import BACKEND, table_snapshot
from tests.factories import PASSWORD
from tests.portal.owners.helpers import active_codes, audit_actions, bindings_of, codes_of
from tests.portal.pages import csrf_token_for, field_error, flashes, in_english, login

NEW_PASSWORD = "a long and unusual owner password"


def form(client, slug: str = "alpha", **fields) -> dict:
    data = {"csrf_token": csrf_token_for(client, f"/t/{slug}/register"), "code": "", "mobile": "13855556666",
            "display_name": "新业主", "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
            "privacy_consent": "y"}
    data.update(fields)
    return data


def register(client, slug: str = "alpha", **fields):
    return client.post(f"/t/{slug}/register", data=form(client, slug, **fields))


def user_id(app, mobile: str):
    with app.app_context():
        found = db.session.scalar(sa.select(User.id).where(User.mobile == mobile))
        db.session.remove()
        return found


@pytest.fixture
def anon(app):
    return in_english(app.test_client())


def test_get_prefills_the_code_from_the_qr_link(world, anon):
    page = anon.get(f"/t/alpha/register?code={world.a.claim_code}")
    assert page.status_code == 200 and f'value="{world.a.claim_code}"' in page.text


def test_register_binds_the_unit_signs_in_and_shows_it(app, world, anon):
    w = world.a
    typed = w.claim_code.lower().replace("-", " ")  # as people type it
    response = register(anon, code=typed)
    assert response.status_code == 303 and response.headers["Location"] == "/t/alpha/my/units"
    page = anon.get("/t/alpha/my/units").text
    assert "Welcome. Your account is now bound to your unit." in flashes(page)
    assert f"小区{w.sentinel}" in page and "Room 102" in page and "90.25 m²" in page

    new_id = user_id(app, "13855556666")
    ((_cid, status, plain, _issued, used_by, _revoked),) = codes_of(app, w.tenant_id, w.unit2_id)
    assert (status.value, plain, used_by) == ("used", None, new_id)
    assert bindings_of(app, w.tenant_id, w.unit2_id) == [(new_id, True)]
    bound = audit_actions(app, w.tenant_id, "owner.bound")
    assert len(bound) == 1 and bound[0][1] == new_id
    # A real OWNER membership: the dashboard and the community page open for the new account.
    assert anon.get("/t/alpha/dashboard").status_code == 200
    assert anon.get(f"/t/alpha/my/communities/{w.community_id}").status_code == 200
    # The new account signs in with its password like anyone else.
    other = app.test_client()
    assert login(other, "13855556666", NEW_PASSWORD).status_code == 302


def test_the_same_code_a_second_time_is_refused_and_writes_nothing(app, world, anon):
    w = world.a
    assert register(anon, code=w.claim_code).status_code == 303
    second = in_english(app.test_client())
    before = table_snapshot(app)
    response = register(second, code=w.claim_code, mobile="13855557777")
    assert response.status_code == 409  # a conflict with the code's state, as when two race for it
    assert field_error(response.text, "code").startswith("This claim code has already been used.")
    assert table_snapshot(app) == before and user_id(app, "13855557777") is None


def test_revoked_code_is_refused_with_its_own_message(app, world, anon, client_as):
    w = world.a
    admin = client_as(Role.BUREAU_ADMIN, "a")
    admin.post(f"/t/alpha/claim-codes/codes/{w.claim_code_id}/revoke",
               data={"csrf_token": csrf_token_for(admin, "/t/alpha/claim-codes/"), "reason": "lost"})
    before = table_snapshot(app)
    response = register(anon, code=w.claim_code)
    assert response.status_code == 409
    assert field_error(response.text, "code") == ("This claim code has been revoked. Ask your owners' committee or the "
                                                  "housing bureau for a new one.")
    assert table_snapshot(app) == before


@pytest.mark.parametrize("code, message", [
    ("K7QRA-3MXTD-9FHWC", "This claim code is not valid here. Check it against your slip and type it again."),
    ("K7QRA-3MXTD", "A claim code has 15 letters and digits, like K7QRA-3MXTD-9FHWC. Check what you typed."),
    ("K7QRA-3MXTD-9FHW0", "A claim code has 15 letters and digits, like K7QRA-3MXTD-9FHWC. Check what you typed."),
])
def test_unknown_or_mistyped_codes_are_refused(app, world, anon, code, message):
    before = table_snapshot(app)
    response = register(anon, code=code)
    assert response.status_code == 400 and field_error(response.text, "code") == message
    assert table_snapshot(app) == before


def test_one_wrong_character_is_an_unknown_code(app, world, anon):
    w = world.a
    wrong = ("X" if w.claim_code[0] != "X" else "Y") + w.claim_code[1:]
    before = table_snapshot(app)
    response = register(anon, code=wrong)
    assert field_error(response.text, "code").startswith("This claim code is not valid here.")
    assert table_snapshot(app) == before


def test_a_code_of_tenant_a_is_unknown_on_tenant_bs_page(app, world, anon):
    before = table_snapshot(app)
    response = register(anon, slug="beta", code=world.a.claim_code)
    assert response.status_code == 400
    assert field_error(response.text, "code").startswith("This claim code is not valid here.")
    assert table_snapshot(app) == before
    assert active_codes(app, world.a.tenant_id, world.a.unit2_id) == [world.a.claim_code]


def test_an_existing_account_needs_its_own_password(app, world, anon):
    w = world.a
    existing = w.logins[Role.FIRM_STAFF]
    before = table_snapshot(app)
    response = register(anon, code=w.claim_code, mobile=existing, password="not the password at all",
                        confirm_password="not the password at all")
    assert response.status_code == 400
    assert field_error(response.text, "password").startswith("This mobile number cannot be registered with this password.")
    assert table_snapshot(app) == before
    assert anon.get("/t/alpha/my/units").status_code == 302  # not signed in as anyone

    response = register(anon, code=w.claim_code, mobile=existing, password=PASSWORD, confirm_password=PASSWORD,
                        display_name="ignored for existing accounts")
    assert response.status_code == 303
    assert bindings_of(app, w.tenant_id, w.unit2_id) == [(w.users[Role.FIRM_STAFF], True)]
    page = anon.get("/t/alpha/dashboard").text
    assert f"firm_staff-{w.sentinel}" in page and "ignored for existing accounts" not in page


HINT = "If this mobile number already has an account, enter that account's password instead."


def comparable(response, *typed: str) -> str:
    """The page without what legitimately differs: the CSRF token and what the visitor typed."""
    import re

    text = re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1CSRF", response.text)
    for value in typed:
        text = text.replace(value, "TYPED")
    return text


@pytest.mark.parametrize("password", ["password123", "short", "12345678", "quiet harbour lantern 42"])
def test_the_answer_does_not_tell_whether_a_mobile_number_has_an_account(app, world, anon, password):
    """With a valid claim code, an existing number and a free one get the same page for any refused password."""
    w = world.a
    existing, free = w.logins[Role.FIRM_STAFF], "13855550000"
    before = table_snapshot(app)
    pages = []
    for mobile in (existing, free):
        pages.append((mobile, register(anon, code=w.claim_code, mobile=mobile, password=password,
                                       confirm_password=password)))
    if password == "quiet harbour lantern 42":  # a good password: the free number gets an account, as it should
        assert pages[1][1].status_code == 303
        refused = field_error(pages[0][1].text, "password")
        assert refused.startswith("This mobile number cannot be registered with this password.")
        assert "already has an account" not in pages[0][1].text.replace(HINT, "")
        return
    (m1, a), (m2, b) = pages
    assert a.status_code == b.status_code == 400
    assert field_error(a.text, "password") == field_error(b.text, "password")
    assert comparable(a, m1) == comparable(b, m2)
    assert table_snapshot(app) == before


def test_password_policy_and_confirmation_apply_to_new_accounts(app, world, anon):
    before = table_snapshot(app)
    response = register(anon, code=world.a.claim_code, password="short", confirm_password="short")
    assert field_error(response.text, "password") == "Use at least 8 characters."
    response = register(anon, code=world.a.claim_code, confirm_password="something else entirely")
    assert field_error(response.text, "confirm_password") == "The two passwords differ."
    response = register(anon, code=world.a.claim_code, mobile="12345")
    assert field_error(response.text, "mobile") == "Enter an 11-digit mainland mobile number."
    assert table_snapshot(app) == before


def test_owner_adds_a_second_unit_and_sees_it_shared(app, world, client_as):
    w = world.a
    anon = in_english(app.test_client())
    assert register(anon, code=w.claim_code).status_code == 303
    # The world's owner gets a fresh code for the same unit (a household member) and adds it.
    admin = client_as(Role.BUREAU_ADMIN, "a")
    admin.post(f"/t/alpha/claim-codes/{w.community_id}/buildings/{w.building_id}/issue",
               data={"csrf_token": csrf_token_for(admin, "/t/alpha/claim-codes/"), "include_bound": "y"})
    (second_code,) = active_codes(app, w.tenant_id, w.unit2_id)
    owner = in_english(client_as(Role.OWNER, "a"))
    token = csrf_token_for(owner, "/t/alpha/my/units")
    response = owner.post("/t/alpha/my/units", data={"csrf_token": token, "code": "nonsense"})
    assert response.status_code == 400 and field_error(response.text, "code").startswith("A claim code has 15")
    response = owner.post("/t/alpha/my/units", data={"csrf_token": token, "code": second_code})
    assert response.status_code == 303
    page = owner.get("/t/alpha/my/units").text
    assert "Room 101" in page and "Room 102" in page
    assert "This unit is shared with 1 other account. The unit, not the person, casts one vote." in page
    assert sorted(bindings_of(app, w.tenant_id, w.unit2_id)) == sorted([(user_id(app, "13855556666"), True),
                                                                        (w.users[Role.OWNER], True)])
    # The code used a second time by the same owner: refused.
    response = owner.post("/t/alpha/my/units", data={"csrf_token": token, "code": second_code})
    assert field_error(response.text, "code").startswith("This claim code has already been used.")


def test_registration_is_throttled_per_address(app, world):
    client = in_english(app.test_client())
    statuses = [register(client, code="K7QRA-3MXTD-9FHWC", mobile=f"138000001{i:02d}").status_code for i in range(21)]
    assert statuses[:20] == [400] * 20 and statuses[20] == 429
    response = register(client, code=world.a.claim_code)
    assert response.status_code == 429
    assert field_error(response.text, "code") == "Too many attempts from here. Wait a few minutes and try again."
    assert active_codes(app, world.a.tenant_id, world.a.unit2_id) == [world.a.claim_code]


@pytest.mark.skipif(BACKEND != "postgresql", reason="a real race needs PostgreSQL's concurrent transactions")
def test_two_people_racing_with_one_code_only_one_is_bound():
    """Eight threads claim the same code at the same moment, each on its own connection: one binding."""
    from decimal import Decimal

    from portal import create_app
    from portal.audit.models import AuditEvent
    from portal.communities.models import Building, Community, Unit
    from portal.config import TestConfig
    from portal.owners import services
    from portal.owners.codes import generate_code, hash_code
    from portal.owners.models import ClaimCode, UnitBinding
    from tenants import tenant_scope
    from tenants.models import Membership, Tenant, TenantKind

    # A second app on the same database whose sessions really commit (the suite's app runs every
    # test inside one rolled-back connection, where no two transactions can race).
    config = TestConfig()
    config.finalise("/tmp")
    racing_app = create_app(config)
    racers = 8
    with racing_app.app_context():
        tenant = Tenant(slug="race-owners", kind=TenantKind.BUREAU, name_zh="竞速县", name_en="race")
        db.session.add(tenant)
        db.session.flush()
        with tenant_scope(tenant):
            community = Community(name="竞速小区")
            db.session.add(community)
            db.session.flush()
            building = Building(community_id=community.id, name="1号楼")
            db.session.add(building)
            db.session.flush()
            unit = Unit(community_id=community.id, building_id=building.id, room="101", floor_area=Decimal("80"))
            db.session.add(unit)
            db.session.flush()
            code = generate_code()
            db.session.add(ClaimCode(unit_id=unit.id, code_hash=hash_code(code), code_plain=code))
            users = [User(display_name=f"racer{i}", mobile=f"1370000{i:04d}", password_hash="x") for i in range(racers)]
            db.session.add_all(users)
            db.session.commit()
            tenant_id, unit_id, user_ids = tenant.id, unit.id, [u.id for u in users]

    barrier = threading.Barrier(racers)
    outcomes: list[str] = []

    def attempt(uid: int):
        with racing_app.app_context():
            tenant = db.session.get(Tenant, tenant_id)
            with tenant_scope(tenant):
                user = db.session.get(User, uid)
                barrier.wait(timeout=20)
                try:
                    services.claim(tenant=tenant, user=user, code_text=code)
                    db.session.commit()
                    outcomes.append("bound")
                except services.OwnerError as error:
                    db.session.rollback()
                    outcomes.append(f"refused:{error.field}")
            db.session.remove()

    threads = [threading.Thread(target=attempt, args=(uid,)) for uid in user_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert sorted(outcomes) == ["bound"] + ["refused:code"] * (racers - 1)
        with racing_app.app_context(), across_tenants("test reads the race outcome"):
            bindings = db.session.scalars(sa.select(UnitBinding).where(UnitBinding.tenant_id == tenant_id)).all()
            (claim,) = db.session.scalars(sa.select(ClaimCode).where(ClaimCode.tenant_id == tenant_id)).all()
            assert len(bindings) == 1 and bindings[0].unit_id == unit_id
            assert claim.status.value == "used" and claim.used_by_id == bindings[0].user_id and claim.code_plain is None
            db.session.remove()
    finally:
        with racing_app.app_context(), across_tenants("test cleans up the race tenant"):
            # The audit log is append-only (a trigger); this test's own rows go, in this transaction only.
            db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
            for model in (AuditEvent, UnitBinding, ClaimCode, Membership, Unit, Building, Community):
                db.session.execute(sa.delete(model).where(model.tenant_id == tenant_id))
            db.session.execute(sa.delete(User).where(User.id.in_(user_ids)))
            db.session.execute(sa.delete(Tenant).where(Tenant.id == tenant_id))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
