"""Password storage and policy (R21): Argon2id at or above the OWASP floor, upgraded on login, no truncation."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, Type

from portal.auth import services as auth_services
from portal.auth.models import User
from portal.auth.passwords import common_passwords, hash_password, needs_rehash, password_problem, verify_password
from portal.config import ProductionConfig
from portal.extensions import db
from tenants.roles import Role
from tests.conftest import csrf_token_for, login
from tests.factories import PASSWORD

HASH_RE = re.compile(r"^\$(?P<type>argon2(?:id|i|d))\$v=(?P<v>\d+)\$m=(?P<m>\d+),t=(?P<t>\d+),p=(?P<p>\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$")
FLOOR_M, FLOOR_T = 19456, 2  # OWASP Password Storage Cheat Sheet: Argon2id, 19 MiB, t=2, p=1


def parameters(stored: str) -> dict:
    match = HASH_RE.match(stored)
    assert match, f"not an Argon2 PHC string: {stored[:30]}…"
    return {"type": match["type"], "m": int(match["m"]), "t": int(match["t"]), "p": int(match["p"])}


def below_floor(stored: str) -> bool:
    params = parameters(stored)
    return params["type"] != "argon2id" or params["m"] < FLOOR_M or params["t"] < FLOOR_T


def test_new_accounts_get_argon2id_at_or_above_the_floor(app_ctx):
    user = auth_services.create_user(display_name="新用户", password="a fresh long passphrase", mobile="13800000001")
    params = parameters(user.password_hash)
    assert params["type"] == "argon2id" and params["m"] >= FLOOR_M and params["t"] >= FLOOR_T and params["p"] >= 1


def test_no_stored_hash_is_below_the_floor(app_ctx, world):
    hashes = db.session.scalars(sa.select(User.password_hash)).all()
    weak = [h for h in hashes if below_floor(h)]
    print(f"passwords stored_hashes={len(hashes)} hashes_below_floor={len(weak)}")
    assert hashes and not weak


def test_production_profile_is_rfc9106_low_memory(app, app_ctx, monkeypatch):
    assert ProductionConfig.PASSWORD_HASH_PROFILE == "production"
    monkeypatch.setitem(app.config, "PASSWORD_HASH_PROFILE", "production")
    params = parameters(hash_password("a production passphrase"))
    assert params == {"type": "argon2id", "m": 65536, "t": 3, "p": 4}


@pytest.mark.parametrize("password, acceptable", [
    ("x" * 7, False),
    ("x" * 8, True),
    ("长城长城长城长城", True),  # eight characters, any script
    ("x" * 64, True),
    ("x" * 128, True),
    ("x" * 129, False),
    ("correct horse battery staple", True),
    ("alllowercase", True),  # no composition rules
])
def test_length_policy(app_ctx, password, acceptable):
    assert (password_problem(password) is None) is acceptable


def test_common_passwords_are_refused(app_ctx):
    listed = sorted(p for p in common_passwords() if len(p) >= 8)  # long enough to pass the length rule
    assert {"12345678", "1q2w3e4r", "qwertyuiop"} <= set(listed)
    assert all(password_problem(p) is not None for p in listed)
    assert password_problem("Qwertyuiop") is not None  # the check ignores case
    assert password_problem("1Q2W3E4R") is not None


def test_password_equal_to_the_login_is_refused(app_ctx):
    assert password_problem("13912345678", identifiers=("13912345678", "")) is not None
    assert password_problem("Someone@Example.org", identifiers=("", "someone@example.org")) is not None
    assert password_problem("13912345678", identifiers=("13900000000", "")) is None


@pytest.mark.parametrize("new_password, field_message", [
    ("short7!", "at least 8"),
    (None, "mobile number or e-mail"),  # None: the user's own mobile number
    ("12345678", "too common"),
])
def test_password_change_form_applies_the_policy(app, world, client_as, new_password, field_message):
    client = client_as(Role.OWNER, "a")
    client.set_cookie("portal_lang", "en")
    new_password = new_password or world.a.logins[Role.OWNER]
    response = client.post("/account/password", data={
        "csrf_token": csrf_token_for(client), "current_password": PASSWORD,
        "new_password": new_password, "confirm_password": new_password,
    })
    assert response.status_code in (200, 400)
    assert field_message in response.text
    assert login(app.test_client(), world.a.logins[Role.OWNER]).status_code == 302  # unchanged


def test_long_passwords_are_not_truncated(app_ctx):
    first = "".join(chr(ord("a") + i % 26) for i in range(100))
    second = first[:89] + ("#" if first[89] != "#" else "%") + first[90:]
    assert len(first) == len(second) == 100 and first != second and first[:89] == second[:89]
    stored = hash_password(first)
    assert verify_password(stored, first)
    assert not verify_password(stored, second)
    assert not verify_password(stored, first[:72])  # the bcrypt cut-off


def test_weaker_hash_is_upgraded_on_successful_login(app, world):
    user_id = world.a.users[Role.OWNER]
    weak = PasswordHasher(type=Type.ID, time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with app.app_context():
        assert needs_rehash(weak)
        db.session.get(User, user_id).password_hash = weak
        db.session.commit()

    client = app.test_client()
    assert login(client, world.a.logins[Role.OWNER], "wrong password here").status_code != 302
    with app.app_context():
        assert db.session.get(User, user_id).password_hash == weak  # a failed login changes nothing
    assert login(client, world.a.logins[Role.OWNER]).status_code == 302
    with app.app_context():
        upgraded = db.session.get(User, user_id).password_hash
        assert upgraded != weak and not below_floor(upgraded) and not needs_rehash(upgraded)
        assert verify_password(upgraded, PASSWORD)
    assert login(app.test_client(), world.a.logins[Role.OWNER]).status_code == 302


def test_current_hashes_need_no_rehash(app_ctx):
    assert not needs_rehash(hash_password("a current passphrase"))
    assert needs_rehash("scrypt:32768:8:1$salt$deadbeef")  # anything not Argon2id is replaced
