"""The privacy notice: its own page linked from every footer, consented to at owner registration (time stored)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from freezegun import freeze_time

from portal.auth.models import User
from portal.extensions import db as _db
from tests.portal.owners.test_register import register
from tests.portal.pages import field_error, in_english

NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)


def test_the_notice_says_what_why_who_how_long_and_how_to_delete(client):
    page = in_english(client).get("/privacy")
    assert page.status_code == 200
    for heading in ("What is collected", "Why", "Who sees it", "How long it is kept", "Deletion"):
        assert heading in page.text


def test_every_page_links_to_the_notice(client):
    for path in ("/login", "/t/alpha/register", "/account/reset"):
        assert 'href="/privacy"' in client.get(path).text, path


def consent_of(app, mobile: str):
    with app.app_context():
        value = _db.session.scalar(sa.select(User.privacy_consent_at).where(User.mobile == mobile))
        _db.session.remove()
    return value


def test_registration_without_consent_is_refused_and_creates_nothing(app, world):
    client = in_english(app.test_client())
    response = register(client, code=world.a.claim_code, mobile="13855556666", privacy_consent="")
    assert response.status_code == 400
    assert "tick the box" in field_error(response.text, "privacy_consent")
    with app.app_context():
        assert _db.session.scalar(sa.select(User).where(User.mobile == "13855556666")) is None
        _db.session.remove()


def test_registration_stores_the_consent_time(app, world):
    client = in_english(app.test_client())
    with freeze_time(NOW):
        response = register(client, code=world.a.claim_code, mobile="13855556666")
    assert response.status_code == 303, response.text
    assert consent_of(app, "13855556666") == NOW
