"""Password reset by a one-time code: works once, expires, limits guesses, reveals no account, ends every session."""
from __future__ import annotations

import datetime as dt
import re

from freezegun import freeze_time

from portal.auth.models import PasswordReset
from portal.extensions import db as _db
from tenants.roles import Role
from tests.conftest import csrf_token_for, login
from tests.factories import PASSWORD
from tests.portal.pages import field_error, flashes, in_english

NEW_PASSWORD = "a fresh and rather long passphrase"
NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)
CODE_RE = re.compile(r"\b(\d{6})\b")


def request_code(client, identifier: str):
    return client.post("/account/reset", data={"csrf_token": csrf_token_for(client, "/account/reset"),
                                               "identifier": identifier})


def enter_code(client, code: str, password: str = NEW_PASSWORD):
    return client.post("/account/reset/code", data={"csrf_token": csrf_token_for(client, "/account/reset/code"),
                                                    "code": code, "new_password": password,
                                                    "confirm_password": password})


def sent_code(outbox, to: str) -> str:
    messages = outbox.to(to)
    assert len(messages) == 1, messages
    return CODE_RE.search(messages[0].text).group(1)


def test_a_code_resets_the_password_once(app, world, outbox):
    mobile = world.a.logins[Role.OWNER]
    client = in_english(app.test_client())
    with freeze_time(NOW):
        response = request_code(client, mobile)
        assert response.status_code == 303
        code = sent_code(outbox, mobile)
        assert "10 minutes" in outbox.sent[0].text
        response = enter_code(client, code)
        assert response.status_code == 303 and response.headers["Location"].endswith("/login")
        assert login(app.test_client(), mobile, NEW_PASSWORD).status_code == 302
        assert login(app.test_client(), mobile, PASSWORD).status_code == 400  # the old password is gone
        # The same code a second time (the session still asks for this address): refused.
        with client.session_transaction() as sess:
            sess["reset_login"] = mobile
        again = enter_code(client, code, "yet another long passphrase")
        assert again.status_code == 400
        assert "not correct, has expired" in field_error(again.text, "code")
    assert login(app.test_client(), mobile, NEW_PASSWORD).status_code == 302


def test_only_a_hash_of_the_code_is_stored(app, world, outbox):
    mobile = world.a.logins[Role.OWNER]
    request_code(app.test_client(), mobile)
    code = sent_code(outbox, mobile)
    with app.app_context():
        (row,) = _db.session.scalars(_db.select(PasswordReset).where(PasswordReset.kind == "code")).all()
        assert code not in row.secret_hash and len(row.secret_hash) == 64
        _db.session.remove()


def test_a_code_expires_after_ten_minutes(app, world, outbox):
    mobile = world.a.logins[Role.OWNER]
    client = in_english(app.test_client())
    with freeze_time(NOW) as clock:
        request_code(client, mobile)
        code = sent_code(outbox, mobile)
        clock.tick(dt.timedelta(minutes=10, seconds=1))
        response = enter_code(client, code)
        assert response.status_code == 400
        assert "has expired" in field_error(response.text, "code")
    assert login(app.test_client(), mobile, PASSWORD).status_code == 302


def test_wrong_codes_are_limited_then_even_the_right_one_fails(app, world, outbox):
    mobile = world.a.logins[Role.OWNER]
    client = in_english(app.test_client())
    with freeze_time(NOW):
        request_code(client, mobile)
        code = sent_code(outbox, mobile)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        for _ in range(5):
            assert enter_code(client, wrong).status_code == 400
        response = enter_code(client, code)
        assert response.status_code == 400
        assert "tried too often" in field_error(response.text, "code")
    assert login(app.test_client(), mobile, PASSWORD).status_code == 302


def test_an_unknown_account_gets_the_same_answer(app, world, outbox):
    known, unknown = in_english(app.test_client()), in_english(app.test_client())
    with freeze_time(NOW):
        a = request_code(known, world.a.logins[Role.OWNER])
        b = request_code(unknown, "13912349876")
        assert (a.status_code, a.headers["Location"]) == (b.status_code, b.headers["Location"])
        page_a, page_b = known.get("/account/reset/code"), unknown.get("/account/reset/code")
        assert flashes(page_a.text)[0].replace(world.a.logins[Role.OWNER], "X") == \
            flashes(page_b.text)[0].replace("13912349876", "X")
        assert outbox.to("13912349876") == []
        # A guessed code for the unknown account: the same refusal as a wrong code for a real one.
        wrong_known = enter_code(known, "000000")
        wrong_unknown = enter_code(unknown, "000000")
        assert wrong_known.status_code == wrong_unknown.status_code == 400
        assert field_error(wrong_known.text, "code") == field_error(wrong_unknown.text, "code")


def test_requests_are_throttled_per_account_alike_for_unknown_accounts(app, world, outbox):
    with freeze_time(NOW):
        for identifier in (world.a.logins[Role.OWNER], "13912349876"):
            statuses = [request_code(in_english(app.test_client()), identifier).status_code for _ in range(4)]
            assert statuses == [303, 303, 303, 429], (identifier, statuses)
    assert len(outbox.to(world.a.logins[Role.OWNER])) == 3


def test_a_new_code_kills_the_previous_one(app, world, outbox):
    mobile = world.a.logins[Role.OWNER]
    client = app.test_client()
    with freeze_time(NOW):
        request_code(client, mobile)
        request_code(client, mobile)
        first, second = (CODE_RE.search(m.text).group(1) for m in outbox.to(mobile))
        if first != second:
            assert enter_code(client, first).status_code == 400
        assert enter_code(client, second).status_code == 303


def test_reset_ends_every_session_and_api_token(app, world, outbox):
    w = world.a
    mobile = w.logins[Role.BUREAU_ADMIN]
    signed_in = app.test_client()
    assert login(signed_in, mobile).status_code == 302
    assert signed_in.get("/t/alpha/dashboard").status_code == 200
    bearer = {"Authorization": f"Bearer {w.token_secret}"}
    assert app.test_client().get("/api/v1/t/alpha/me", headers=bearer).status_code == 200

    client = app.test_client()
    request_code(client, mobile)
    assert enter_code(client, sent_code(outbox, mobile)).status_code == 303

    old = signed_in.get("/t/alpha/dashboard")
    assert old.status_code == 302 and "/login" in old.headers["Location"]
    assert app.test_client().get("/api/v1/t/alpha/me", headers=bearer).status_code == 401


def test_bad_input_is_refused_with_the_field_named(app, world, outbox):
    client = in_english(app.test_client())
    response = request_code(client, "12345")
    assert response.status_code == 400
    assert "11-digit mainland mobile number" in field_error(response.text, "identifier")
    request_code(client, world.a.logins[Role.OWNER])
    short = enter_code(client, sent_code(outbox, world.a.logins[Role.OWNER]), "short")
    assert short.status_code == 400 and field_error(short.text, "new_password")
    # A refused password does not spend the code: it still works.
    assert enter_code(client, sent_code(outbox, world.a.logins[Role.OWNER])).status_code == 303


def test_the_code_page_without_a_request_goes_back_to_the_request_page(client):
    response = client.get("/account/reset/code")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/reset")


def test_the_login_page_links_to_the_reset(client):
    assert 'href="/account/reset"' in client.get("/login").text
