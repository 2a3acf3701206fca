"""Mobile numbers are mainland numbers (11 digits, 1[3-9]…) wherever one is typed; friendly spellings are normalised."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db as _db
from portal.validation import is_mobile, normalise_login
from tests.portal.owners.test_register import register
from tests.portal.pages import field_error, in_english

REFUSED = [
    "1380000000",      # 10 digits
    "138000000000",    # 12 digits
    "12800000000",     # no mainland mobile starts 12
    "10086000000",     # nor 10
    "1380000000a",
    "١٣٨٠٠٠٠٠٠٠٠",     # Arabic-Indic digits: digits to Python, not to a phone
    "+1 13800000000",
]
ACCEPTED = {
    "13800000000": "13800000000",
    "+86 138-0000-0000": "13800000000",
    "１３８００００００００": "13800000000",  # full-width, as a Chinese input method types them
    "＋８６ １９９１２３４５６７８": "19912345678",
}


@pytest.mark.parametrize("typed", REFUSED)
def test_not_a_mainland_mobile(typed):
    assert not is_mobile(normalise_login(typed))


@pytest.mark.parametrize(("typed", "stored"), ACCEPTED.items())
def test_friendly_spellings_are_normalised(typed, stored):
    assert normalise_login(typed) == stored and is_mobile(stored)


@pytest.mark.parametrize("typed", REFUSED)
def test_registration_refuses_it_naming_the_field(app, world, typed):
    client = in_english(app.test_client())
    response = register(client, code=world.a.claim_code, mobile=typed)
    assert response.status_code == 400
    assert field_error(response.text, "mobile") == "Enter an 11-digit mainland mobile number."


@pytest.mark.parametrize("typed", ["12800000000", "١٣٨٠٠٠٠٠٠٠٠"])
def test_the_reset_request_refuses_it_naming_the_field(app, typed):
    client = in_english(app.test_client())
    from tests.conftest import csrf_token_for

    response = client.post("/account/reset", data={"csrf_token": csrf_token_for(client, "/account/reset"),
                                                   "identifier": typed})
    assert response.status_code == 400
    assert "11-digit mainland mobile number" in field_error(response.text, "identifier")


def test_a_full_width_number_registers_as_ascii(app, world):
    response = register(in_english(app.test_client()), code=world.a.claim_code, mobile="１３８５５５５６６６６")
    assert response.status_code == 303, response.text
    with app.app_context():
        assert _db.session.scalar(sa.select(User.mobile).where(User.mobile == "13855556666")) == "13855556666"
        _db.session.remove()
