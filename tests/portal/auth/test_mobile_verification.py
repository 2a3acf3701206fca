"""Verifying one's mobile number on the account page: the code through the sender, wrong, expired, over-tried
and throttled codes, changing the number, and nothing that tells whether a number has an account."""
from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from portal.auth.models import User
from portal.extensions import db
from tenants.roles import Role
from tests.conftest import login, table_snapshot
from tests.factories import PASSWORD
from tests.portal.auth.mobile_helpers import (
    NOW,
    code_rows,
    enter_code,
    last_code,
    send_code,
    user_row,
    wrong,
)
from tests.portal.pages import field_error, flashes, in_english, page_text, zh

FREE_NUMBER = "13955550001"


@pytest.fixture
def clock():
    """Every test here runs on a frozen clock, from before its sign-in (sessions and counters follow it)."""
    with freeze_time(NOW) as frozen:
        yield frozen


@pytest.fixture
def owner(app, world, clock):
    """Tenant A's owner, signed in, reading English pages."""
    client = in_english(app.test_client())
    assert login(client, world.a.logins[Role.OWNER]).status_code == 302
    return client


def test_the_account_page_shows_the_number_and_that_it_is_not_verified(owner, world):
    page = owner.get("/account")
    assert page.status_code == 200
    text = page_text(page.text)
    assert world.a.logins[Role.OWNER] in text and "Not verified" in text
    assert 'href="/account/mobile"' in page.text and 'href="/account/password"' in page.text
    assert 'href="/account"' in page.text  # the menu's "My account"


def test_a_code_sent_through_the_sender_verifies_the_number(app, world, owner, outbox, clock):
    mobile = world.a.logins[Role.OWNER]
    response = send_code(owner, mobile)  # one's own number: no password needed
    assert response.status_code == 303 and response.headers["Location"] == "/account/mobile"
    assert f"A code is on its way to {mobile}. It is valid for 10 minutes." in flashes(owner.get("/account/mobile").text)
    (message,) = outbox.to(mobile)
    assert "verification code" in message.text and "10 minutes" in message.text
    code = last_code(outbox, mobile)
    (row,) = code_rows(app, mobile)
    assert code not in row.secret_hash and len(row.secret_hash) == 64  # only a keyed hash is stored
    assert (row.purpose, row.user_id) == ("account", world.a.users[Role.OWNER])

    response = enter_code(owner, f" {code} ")
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    assert user_row(app, world.a.users[Role.OWNER]) == (mobile, NOW)
    page = owner.get("/account").text
    assert f"Your mobile number {mobile} is verified." in flashes(page) and "Verified" in page_text(page)
    # The code is spent: the same code again (after asking anew, so a code form is open) is refused.
    clock.tick(dt.timedelta(minutes=2))
    send_code(owner, mobile)
    assert enter_code(owner, code).status_code == 400


def test_full_width_digits_are_the_same_code(app, world, owner, outbox):
    mobile = world.a.logins[Role.OWNER]
    send_code(owner, mobile)
    code = last_code(outbox, mobile)
    full_width = "".join(chr(ord(d) + 0xFEE0) for d in code)  # what a Chinese input method may type
    assert enter_code(owner, full_width).status_code == 303
    assert user_row(app, world.a.users[Role.OWNER])[1] is not None


def test_a_wrong_code_is_refused_and_counted(app, world, owner, outbox):
    mobile = world.a.logins[Role.OWNER]
    send_code(owner, mobile)
    code = last_code(outbox, mobile)
    response = enter_code(owner, wrong(code))
    assert response.status_code == 400
    assert field_error(response.text, "code").startswith("The code is not correct, has expired")
    assert user_row(app, world.a.users[Role.OWNER])[1] is None
    assert [r.attempts for r in code_rows(app, mobile)] == [1]


def test_a_code_expires_after_ten_minutes(app, world, owner, outbox, clock):
    mobile = world.a.logins[Role.OWNER]
    send_code(owner, mobile)
    code = last_code(outbox, mobile)
    clock.tick(dt.timedelta(minutes=10, seconds=1))
    response = enter_code(owner, code)
    assert response.status_code == 400 and "has expired" in field_error(response.text, "code")
    assert user_row(app, world.a.users[Role.OWNER])[1] is None


def test_five_wrong_guesses_kill_the_code(app, world, owner, outbox):
    mobile = world.a.logins[Role.OWNER]
    send_code(owner, mobile)
    code = last_code(outbox, mobile)
    for _ in range(5):
        assert enter_code(owner, wrong(code)).status_code == 400
    response = enter_code(owner, code)
    assert response.status_code == 400 and "tried too often" in field_error(response.text, "code")
    assert user_row(app, world.a.users[Role.OWNER])[1] is None


def test_a_new_code_waits_a_minute_and_replaces_the_old_one(app, world, owner, outbox, clock):
    mobile = world.a.logins[Role.OWNER]
    assert send_code(owner, mobile).status_code == 303
    first = last_code(outbox, mobile)
    again = send_code(owner, mobile)
    assert again.status_code == 429 and int(again.headers["Retry-After"]) == 60
    assert field_error(again.text, "mobile") == ("A code was sent a moment ago. Wait a minute before asking for "
                                                 "another one.")
    assert len(outbox.to(mobile)) == 1
    clock.tick(dt.timedelta(seconds=61))
    assert send_code(owner, mobile).status_code == 303
    second = last_code(outbox, mobile)
    assert len(outbox.to(mobile)) == 2
    if second != first:  # one chance in a million that they are the same digits
        assert enter_code(owner, first).status_code == 400  # the older code died with the new one
    assert enter_code(owner, second).status_code == 303


def test_a_number_gets_at_most_five_codes_an_hour(app, world, owner, outbox, clock):
    mobile = world.a.logins[Role.OWNER]
    statuses = []
    for _ in range(6):
        statuses.append(send_code(owner, mobile).status_code)
        clock.tick(dt.timedelta(seconds=61))
    assert statuses == [303] * 5 + [429]
    refused = send_code(owner, mobile)
    assert field_error(refused.text, "mobile") == "Too many codes were asked for. Wait a while and try again."
    assert len(outbox.to(mobile)) == 5
    clock.tick(dt.timedelta(hours=1))
    assert send_code(owner, mobile).status_code == 303


def test_the_limits_count_the_number_whoever_asks(app, world, owner, outbox, client_as):
    """Another account asking for the same number (its new one) waits too: the phone is protected, not the account."""
    assert send_code(owner, FREE_NUMBER, PASSWORD).status_code == 303
    staff = in_english(client_as(Role.BUREAU_STAFF, "a"))
    assert send_code(staff, FREE_NUMBER, PASSWORD).status_code == 429
    assert len(outbox.to(FREE_NUMBER)) == 1


def test_changing_the_number_needs_the_password_and_a_code_sent_to_the_new_number(app, world, owner, outbox):
    old = world.a.logins[Role.OWNER]
    before = table_snapshot(app)
    missing = send_code(owner, FREE_NUMBER)
    assert missing.status_code == 400
    assert field_error(missing.text, "current_password") == "Enter your current password to change your mobile number."
    bad = send_code(owner, FREE_NUMBER, "not my password at all")
    assert field_error(bad.text, "current_password") == "The current password is not correct."
    assert table_snapshot(app) == before and outbox.sent == []

    assert send_code(owner, FREE_NUMBER, PASSWORD).status_code == 303
    assert outbox.to(old) == []  # the code goes to the new number only
    assert enter_code(owner, last_code(outbox, FREE_NUMBER)).status_code == 303
    mobile, verified_at = user_row(app, world.a.users[Role.OWNER])
    assert mobile == FREE_NUMBER and verified_at is not None
    # The number the account no longer signs in with is told, with the new one masked.
    (notice,) = outbox.to(old)
    assert "139****0001" in notice.text and FREE_NUMBER not in notice.text
    assert login(app.test_client(), FREE_NUMBER).status_code == 302
    assert login(app.test_client(), old).status_code == 400


def test_another_accounts_number_is_refused_only_after_its_code_came_back(app, world, owner, outbox):
    taken = world.a.logins[Role.FIRM_STAFF]
    free_client, taken_client = owner, owner
    # Asking for a code: the same answer for a number with an account and one without (no oracle).
    free = send_code(free_client, FREE_NUMBER, PASSWORD)
    free_flash = flashes(free_client.get("/account/mobile").text)
    taken_answer = send_code(taken_client, taken, PASSWORD)
    taken_flash = flashes(taken_client.get("/account/mobile").text)
    assert (free.status_code, free.headers["Location"]) == (taken_answer.status_code, taken_answer.headers["Location"])
    assert [f.replace(FREE_NUMBER, "X") for f in free_flash] == [f.replace(taken, "X") for f in taken_flash]
    # Only the person holding that phone learns that the number is someone else's login.
    before = table_snapshot(app)
    response = enter_code(owner, last_code(outbox, taken))
    assert response.status_code == 409
    assert field_error(response.text, "code").startswith("This number is already the login of another account.")
    assert user_row(app, world.a.users[Role.OWNER]) == (world.a.logins[Role.OWNER], None)
    assert table_snapshot(app) == before


def test_a_code_works_only_for_the_account_that_asked_for_it(app, world, owner, outbox, client_as):
    assert send_code(owner, FREE_NUMBER, PASSWORD).status_code == 303
    code = last_code(outbox, FREE_NUMBER)
    staff = in_english(client_as(Role.BUREAU_STAFF, "a"))
    with staff.session_transaction() as session:
        session["mobile_code_to"] = FREE_NUMBER  # as if the staff member had asked for this number
    assert enter_code(staff, code).status_code == 400
    assert user_row(app, world.a.users[Role.BUREAU_STAFF])[0] == world.a.logins[Role.BUREAU_STAFF]


def test_entering_a_code_without_asking_for_one_asks_for_one(app, world, owner):
    before = table_snapshot(app)
    response = enter_code(owner, "123456")
    assert response.status_code == 303 and response.headers["Location"] == "/account/mobile"
    assert "Ask for a code first." in flashes(owner.get("/account/mobile").text)
    assert table_snapshot(app) == before


def test_verifying_returns_to_the_page_that_asked_and_never_off_site(app, world, owner, outbox):
    mobile = world.a.logins[Role.OWNER]
    send_code(owner, mobile, next_url="/t/alpha/my/units")
    response = enter_code(owner, last_code(outbox, mobile), next_url="/t/alpha/my/units")
    assert response.headers["Location"] == "/t/alpha/my/units"

    staff_mobile = world.a.logins[Role.BUREAU_STAFF]
    staff = in_english(app.test_client())
    login(staff, staff_mobile)
    send_code(staff, staff_mobile, next_url="https://evil.example/")
    response = enter_code(staff, last_code(outbox, staff_mobile), next_url="https://evil.example/")
    assert response.headers["Location"] == "/account"


def test_any_change_of_the_number_clears_its_verification(app, world):
    """Whoever changes it (an administrator, an import, the person): the new number is not verified."""
    from portal.db import utcnow

    with app.app_context():
        user = db.session.get(User, world.a.users[Role.OWNER])
        user.mobile_verified_at = utcnow()
        db.session.commit()
        user = db.session.get(User, world.a.users[Role.OWNER])
        user.mobile = user.mobile  # the same number again: still verified
        db.session.commit()
        assert db.session.get(User, world.a.users[Role.OWNER]).mobile_verified_at is not None
        db.session.expire_all()
        user = db.session.get(User, world.a.users[Role.OWNER])
        user.mobile = FREE_NUMBER  # an unloaded old value is loaded first, so this change is seen
        db.session.commit()
        assert db.session.get(User, world.a.users[Role.OWNER]).mobile_verified_at is None
        db.session.remove()


def test_the_pages_and_the_message_read_in_chinese(app, world, outbox):
    client = app.test_client()  # Chinese is the default language
    login(client, world.a.logins[Role.OWNER])
    page = client.get("/account/mobile").text
    assert zh("Mobile number verification") in page and zh("Not verified") in page
    assert zh("Send a code") in page
    send_code(client, world.a.logins[Role.OWNER])
    message = outbox.to(world.a.logins[Role.OWNER])[0].text
    assert "手机验证码" in message and "10 分钟内有效" in message
    page = client.get("/account").text
    assert zh("My account") in page and zh("Verify my mobile number") in page


def test_junk_in_either_form_is_refused_by_name_and_never_a_500(app, world, owner, outbox):
    from tests.portal.test_bad_input import HTML_PAYLOAD, JUNK

    mobile = world.a.logins[Role.OWNER]
    send_code(owner, mobile)
    outbox.sent.clear()
    before = table_snapshot(app)
    for name, value in JUNK.items():
        if name == "file":
            continue
        for field, extra in (("mobile", {}), ("current_password", {"mobile": FREE_NUMBER})):
            data = {"csrf_token": _token(owner), "mobile": mobile, **extra,
                    field: value}
            response = owner.post("/account/mobile/code", data=data)
            assert response.status_code in (400, 429), (field, name, response.status_code)
            assert HTML_PAYLOAD not in response.text
            assert field_error(response.text, field), (field, name)
        response = owner.post("/account/mobile/verify", data={"csrf_token": _token(owner), "code": value})
        assert response.status_code == 400 and field_error(response.text, "code"), (name, response.status_code)
        assert HTML_PAYLOAD not in response.text
    assert outbox.sent == []
    assert user_row(app, world.a.users[Role.OWNER]) == (mobile, None)
    assert table_snapshot(app) == before


def _token(client) -> str:
    from tests.conftest import csrf_token_for

    return csrf_token_for(client, "/account/mobile")
