"""The common-password list: a published top list of well over 10,000 entries, shipped as a data file."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask_babel import force_locale

import portal.auth
from portal.auth.passwords import common_passwords, password_problem
from tenants.roles import Role
from tests.conftest import csrf_token_for, login
from tests.factories import PASSWORD

LIST_FILE = Path(portal.auth.__file__).with_name("common_passwords.txt")


def test_the_list_is_a_named_published_top_list_of_over_ten_thousand():
    lines = LIST_FILE.read_text(encoding="utf-8").splitlines()
    header = " ".join(line for line in lines if line.startswith("#"))
    assert "@zxcvbn-ts/language-common" in header and "MIT licence" in header
    entries = [line for line in lines if line and not line.startswith("#")]
    assert len(entries) >= 10_000
    assert len(common_passwords()) == len(set(entries))
    assert all(entry == entry.lower().strip() for entry in entries)


@pytest.mark.parametrize("password", ["basketball", "michelle", "jennifer", "starwars", "Liverpool",
                                      "MANCHESTER", "zaq12wsx", "woaini1314"])
def test_well_known_passwords_are_refused_whatever_their_case(app_ctx, password):
    with force_locale("en"):
        assert str(password_problem(password)) == "This password is too common; choose another."


def test_a_password_not_on_the_list_still_passes(app_ctx):
    assert password_problem("Sunshine Property 7 Lanes") is None


def test_the_password_form_refuses_a_listed_password(app, world, client_as):
    client = client_as(Role.OWNER, "a")
    client.set_cookie("portal_lang", "en")
    response = client.post("/account/password", data={
        "csrf_token": csrf_token_for(client), "current_password": PASSWORD,
        "new_password": "Basketball", "confirm_password": "Basketball",
    })
    assert response.status_code in (200, 400)
    assert "This password is too common; choose another." in response.text
    assert login(app.test_client(), world.a.logins[Role.OWNER]).status_code == 302  # unchanged
