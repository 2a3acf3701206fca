"""The demo shows mobile verification: hengan requires it with its members verified, gaotang does not."""
from __future__ import annotations

import re

import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from tenants.models import Tenant
from tests.portal.demo.test_demo import loaded, printed_accounts  # noqa: F401  (the fixture)
from tests.portal.pages import in_english, login, page_text


def states(app) -> tuple[dict, dict]:
    with app.app_context():
        required = {t.slug: t.require_verified_mobile for t in db.session.scalars(sa.select(Tenant))}
        verified = {u.mobile: u.mobile_verified for u in db.session.scalars(sa.select(User)) if u.mobile}
        db.session.remove()
    return required, verified


def test_hengan_requires_it_and_every_printed_login_still_goes_straight_in(app, loaded):  # noqa: F811
    required, verified = states(app)
    assert required == {"gaotang": False, "hengan": True}
    # hengan's members and the bureau administrator are verified; the other gaotang accounts show the other state.
    assert verified["13900000011"] and verified["13900000004"] and verified["13900000001"]
    assert not verified["13900000006"] and not verified["13900000002"]
    password, _ = printed_accounts(loaded)
    for identifier, landing in (("13900000011", "/t/hengan/dashboard"), ("13900000006", "/t/gaotang/dashboard")):
        client = in_english(app.test_client())
        login(client, identifier, password)
        assert client.get(landing).status_code == 200, identifier


def test_the_demo_owner_is_offered_verification_and_hengan_has_slips(app, loaded):  # noqa: F811
    password, _ = printed_accounts(loaded)
    client = in_english(app.test_client())
    login(client, "13900000006", password)
    assert "Not verified" in page_text(client.get("/account").text)
    admin = in_english(app.test_client())
    login(admin, "13900000011", password)
    settings = admin.get("/t/hengan/settings/").text
    (checkbox,) = re.findall(r'<input[^>]*name="require_verified_mobile"[^>]*>', settings)
    assert " checked" in checkbox
    assert admin.get("/t/hengan/register").status_code == 200
    register = in_english(app.test_client()).get("/t/hengan/register").text
    assert 'action="/t/hengan/register/code"' in register
