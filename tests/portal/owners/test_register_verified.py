"""Registering where the tenant requires a verified number: a code to the phone first, then the form with it."""
from __future__ import annotations

import pytest
from freezegun import freeze_time

from tenants.roles import Role
from tests.conftest import table_snapshot
from tests.factories import PASSWORD
from tests.portal.auth.mobile_helpers import NOW, code_rows, last_code, require_verified_mobile, user_row, wrong
from tests.portal.owners.helpers import bindings_of
from tests.portal.owners.test_register import NEW_PASSWORD, form, user_id
from tests.portal.pages import csrf_token_for, field_error, flashes, in_english, login, page_text, zh

MOBILE = "13855556666"


@pytest.fixture
def anon(app, world):
    require_verified_mobile(app, world.a.tenant_id)
    with freeze_time(NOW):
        yield in_english(app.test_client())


def ask_for_code(client, world, mobile: str = MOBILE, code: str | None = None):
    return client.post("/t/alpha/register/code", data={"csrf_token": csrf_token_for(client, "/t/alpha/register"),
                                                       "code": world.a.claim_code if code is None else code,
                                                       "mobile": mobile})


def finish(client, **fields):
    return client.post("/t/alpha/register", data=form(client, **fields))


def test_the_page_asks_for_a_code_first(world, anon):
    page = anon.get(f"/t/alpha/register?code={world.a.claim_code}")
    assert page.status_code == 200
    assert 'action="/t/alpha/register/code"' in page.text and f'value="{world.a.claim_code}"' in page.text
    assert 'name="password"' not in page.text  # nothing else is asked before the number is proved


def test_code_then_form_registers_a_verified_owner(app, world, anon, outbox):
    w = world.a
    response = ask_for_code(anon, world)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/t/alpha/register?code={w.claim_code}"
    page = anon.get(response.headers["Location"]).text
    assert f"A code is on its way to {MOBILE}. It is valid for 10 minutes." in flashes(page)
    assert 'name="verification_code"' in page and f'value="{MOBILE}"' in page and "readonly" in page
    ((row),) = code_rows(app, MOBILE)
    assert (row.purpose, row.user_id) == ("register", None)

    response = finish(anon, code=w.claim_code, verification_code=last_code(outbox, MOBILE))
    assert response.status_code == 303 and response.headers["Location"] == "/t/alpha/my/units"
    new_id = user_id(app, MOBILE)
    assert user_row(app, new_id) == (MOBILE, NOW)
    assert bindings_of(app, w.tenant_id, w.unit2_id) == [(new_id, True)]
    assert anon.get("/t/alpha/my/units").status_code == 200  # verified: not sent to verify again


def test_a_wrong_code_registers_nothing_and_the_right_one_still_works(app, world, anon, outbox):
    ask_for_code(anon, world)
    code = last_code(outbox, MOBILE)
    before = table_snapshot(app)
    response = finish(anon, code=world.a.claim_code, verification_code=wrong(code))
    assert response.status_code == 400
    assert field_error(response.text, "verification_code").startswith("The code is not correct")
    assert user_id(app, MOBILE) is None
    after = table_snapshot(app)
    assert {k: v for k, v in after.items() if after[k] != before[k]} == {}  # no row added (the guess is counted)
    assert [r.attempts for r in code_rows(app, MOBILE)] == [1]
    assert finish(anon, code=world.a.claim_code, verification_code=code).status_code == 303


def test_a_refused_registration_keeps_the_code_for_the_corrected_form(app, world, anon, outbox):
    ask_for_code(anon, world)
    code = last_code(outbox, MOBILE)
    response = finish(anon, code=world.a.claim_code, verification_code=code, password="short", confirm_password="short")
    assert response.status_code == 400 and field_error(response.text, "password")
    assert finish(anon, code=world.a.claim_code, verification_code=code).status_code == 303


def test_the_number_is_the_one_the_code_went_to(app, world, anon, outbox):
    ask_for_code(anon, world)
    response = finish(anon, code=world.a.claim_code, verification_code=last_code(outbox, MOBILE), mobile="13855557777")
    assert response.status_code == 303
    assert user_id(app, "13855557777") is None and user_id(app, MOBILE) is not None


def test_no_code_is_sent_without_a_valid_claim_code(app, world, anon, outbox):
    before = table_snapshot(app)
    response = ask_for_code(anon, world, code="K7QRA-3MXTD-9FHWC")
    assert response.status_code == 400
    assert field_error(response.text, "code").startswith("This claim code is not valid here.")
    assert outbox.sent == [] and table_snapshot(app) == before


def test_asking_for_a_code_says_nothing_about_existing_accounts(app, world, anon, outbox):
    taken = world.a.logins[Role.FIRM_STAFF]
    other = in_english(app.test_client())
    a, b = ask_for_code(anon, world), ask_for_code(other, world, mobile=taken)
    assert (a.status_code, a.headers["Location"]) == (b.status_code, b.headers["Location"])
    page_a, page_b = anon.get(a.headers["Location"]).text, other.get(b.headers["Location"]).text
    assert [f.replace(MOBILE, "X") for f in flashes(page_a)] == [f.replace(taken, "X") for f in flashes(page_b)]
    assert len(outbox.to(MOBILE)) == len(outbox.to(taken)) == 1


def test_an_existing_account_binds_with_its_password_and_the_code(app, world, anon, outbox):
    existing = world.b.logins[Role.OWNER]  # tenant B's owner, not verified, registering in A
    ask_for_code(anon, world, mobile=existing)
    response = finish(anon, code=world.a.claim_code, mobile=existing, password=PASSWORD, confirm_password=PASSWORD,
                      verification_code=last_code(outbox, existing))
    assert response.status_code == 303
    assert user_row(app, world.b.users[Role.OWNER])[1] is not None
    assert bindings_of(app, world.a.tenant_id, world.a.unit2_id) == [(world.b.users[Role.OWNER], True)]


def test_the_form_without_a_code_asked_for_goes_back_to_the_first_step(app, world, anon):
    before = table_snapshot(app)
    response = finish(anon, code=world.a.claim_code, verification_code="123456")
    assert response.status_code == 400
    assert field_error(response.text, "mobile") == "First have a code sent to your mobile number."
    assert table_snapshot(app) == before


def test_another_number_can_be_chosen(app, world, anon, outbox):
    ask_for_code(anon, world)
    page = anon.get(f"/t/alpha/register?code={world.a.claim_code}").text
    assert f'href="/t/alpha/register?another=1&amp;code={world.a.claim_code}"' in page
    again = anon.get(f"/t/alpha/register?another=1&code={world.a.claim_code}").text
    assert 'action="/t/alpha/register/code"' in again


def test_asking_again_at_once_is_refused(app, world, anon, outbox):
    ask_for_code(anon, world)
    again = ask_for_code(anon, world)
    assert again.status_code == 429
    assert field_error(again.text, "mobile").startswith("A code was sent a moment ago.")
    assert len(outbox.to(MOBILE)) == 1


def test_a_tenant_without_the_requirement_registers_in_one_step_unverified(app, world):
    client = in_english(app.test_client())
    page = client.get("/t/beta/register").text
    assert 'name="password"' in page and 'name="verification_code"' not in page
    data = form(client, "beta", code=world.b.claim_code)
    assert client.post("/t/beta/register", data=data).status_code == 303
    assert user_row(app, user_id(app, MOBILE))[1] is None


def test_the_steps_read_in_chinese(app, world, outbox):
    require_verified_mobile(app, world.a.tenant_id)
    client = app.test_client()
    page = client.get("/t/alpha/register").text
    assert zh("Send a code") in page
    assert zh("Here owners verify their mobile number: we first send a 6-digit code to it by SMS, then you finish "
              "registering with that code.") in page
    ask_for_code(client, world)
    page = client.get(f"/t/alpha/register?code={world.a.claim_code}").text
    assert zh("Code from the SMS") in page and zh("Use another number") in page


def test_junk_in_the_code_steps_is_never_a_500(app, world, anon, outbox):
    from tests.portal.test_bad_input import HTML_PAYLOAD, JUNK

    ask_for_code(anon, world)
    values = [v for k, v in JUNK.items() if k != "file"]
    before = user_id(app, MOBILE)
    for value in values:
        for field in ("code", "mobile"):
            fields = {"code": world.a.claim_code, "mobile": MOBILE, field: value}
            response = anon.post("/t/alpha/register/code", data={"csrf_token": csrf_token_for(anon, "/t/alpha/register"),
                                                                 **fields})
            assert response.status_code in (400, 429), (field, value, response.status_code)
            assert HTML_PAYLOAD not in response.text
        response = finish(anon, code=world.a.claim_code, verification_code=value)
        assert response.status_code in (400, 429), (value, response.status_code)
        assert field_error(response.text, "verification_code") and HTML_PAYLOAD not in response.text
    assert user_id(app, MOBILE) is before is None


def test_an_owner_signed_in_through_registration_sees_no_english_in_chinese(app, world, outbox):
    require_verified_mobile(app, world.a.tenant_id)
    client = app.test_client()
    ask_for_code(client, world)
    assert finish(client, code=world.a.claim_code, verification_code=last_code(outbox, MOBILE)).status_code == 303
    text = page_text(client.get("/account").text)
    assert zh("Verified") in text
    assert login(app.test_client(), MOBILE, NEW_PASSWORD).status_code == 302
