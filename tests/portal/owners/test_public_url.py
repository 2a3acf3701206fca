"""Printed slips and QR codes carry the public address (tenant setting → PORTAL_PUBLIC_URL → request host)."""
from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.config import ConfigError, DevelopmentConfig
from portal.extensions import db
from portal.public_url import PublicUrlError, normalise_public_url
from tenants import tenant_scope
from tenants.models import Tenant
from tenants.roles import Role
from tests.conftest import table_snapshot
from tests.portal.owners.helpers import active_codes, make_other_community
from tests.portal.owners.qr_decode import decode_qr_svg
from tests.portal.pages import csrf_token_for, field_error, in_english, login, page_text

INTRANET = "http://192.168.1.20:8000"


@pytest.fixture
def admin(client_as):
    return in_english(client_as(Role.BUREAU_ADMIN, "a"))


@pytest.fixture
def platform(app, world):
    client = in_english(app.test_client())
    assert login(client, world.platform_admin_login).status_code == 302
    return client


def printed_sheet(app, world, client, **get_kwargs):
    """Issue codes for a new building of tenant A and return (print page, {code: slip html})."""
    other = make_other_community(app, world.a.tenant_id, units=2)
    base = f"/t/alpha/claim-codes/{other.community_id}/buildings/{other.building_id}"
    client.post(base + "/issue", data={"csrf_token": csrf_token_for(client, "/t/alpha/claim-codes/")})
    if "base_url" in get_kwargs:  # the same browser session, opened at another address of the server
        host = get_kwargs["base_url"].split("//")[1].split(":")[0]
        for name in ("portal_session", "portal_lang"):
            client.set_cookie(name, client.get_cookie(name).value, domain=host)
    response = client.get(base + "/print", **get_kwargs)
    assert response.status_code == 200
    codes = [active_codes(app, world.a.tenant_id, u)[0] for u in other.unit_ids]
    slips = re.findall(r'<article class="slip".*?</article>', response.text, re.S)
    by_code = {code: next(s for s in slips if code in s) for code in codes}
    return response.text, by_code


def qr_texts(slip: str) -> list[str]:
    return [decode_qr_svg(svg) for svg in re.findall(r"<svg .*?</svg>", slip, re.S)]


def test_slips_and_qr_codes_carry_the_configured_public_url(app, world, admin, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", INTRANET)
    # The administrator browses from the server itself: that address must not reach the paper.
    page, slips = printed_sheet(app, world, admin, base_url="http://127.0.0.1:5000")
    for code, slip in slips.items():
        assert qr_texts(slip) == [f"{INTRANET}/t/alpha/register?code={code}"]
        assert f"{INTRANET}/t/alpha/register" in page_text(slip)
    assert "127.0.0.1" not in page
    assert "No public address is set" not in page
    assert f"Links and QR codes point to {INTRANET}." in page_text(page)


def test_the_tenant_setting_wins_over_the_server_setting(app, world, admin, platform, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", INTRANET)
    url = f"/platform/tenants/{world.a.tenant_id}/public-url"
    response = platform.post(url, data={"csrf_token": csrf_token_for(platform, url),
                                        "public_url": " HTTPS://Portal.Gaotang.GOV.cn/portal/ "})
    assert response.status_code == 303
    _page, slips = printed_sheet(app, world, admin)
    for code, slip in slips.items():
        assert qr_texts(slip) == [f"https://portal.gaotang.gov.cn/portal/t/alpha/register?code={code}"]
    # Tenant B has no setting of its own: the server's address.
    with app.app_context():
        assert db.session.get(Tenant, world.b.tenant_id).public_url is None
        tenant = db.session.get(Tenant, world.a.tenant_id)
        with tenant_scope(tenant):
            (event,) = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "tenant.public_url")).all()
            assert (event.actor_id, json.loads(event.after)) == (world.platform_admin_id,
                                                     {"public_url": "https://portal.gaotang.gov.cn/portal"})


def test_without_a_setting_the_sheet_warns_that_the_address_is_local(app, world, admin, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", None)
    page, slips = printed_sheet(app, world, admin, base_url="http://127.0.0.1:5000")
    text = page_text(page)
    assert ("No public address is set, so the links and QR codes carry http://127.0.0.1:5000, a local address "
            "that only this computer can open.") in text
    for code, slip in slips.items():  # the last resort still prints a working link for this computer
        assert qr_texts(slip) == [f"http://127.0.0.1:5000/t/alpha/register?code={code}"]


def test_without_a_setting_a_network_host_is_flagged_as_unchecked(app, world, admin, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", None)
    page, _slips = printed_sheet(app, world, admin, base_url="http://10.0.0.5:8000")
    assert ("The links and QR codes carry http://10.0.0.5:8000, the address this page was opened at."
            in page_text(page))


@pytest.mark.parametrize("raw, expected", [
    ("http://192.168.1.20:8000", "http://192.168.1.20:8000"),
    ("https://portal.example.gov.cn/", "https://portal.example.gov.cn"),
    ("https://Portal.Example.gov.cn/sunshine/portal", "https://portal.example.gov.cn/sunshine/portal"),
    ("http://[fd00::20]:8080", "http://[fd00::20]:8080"),
    ("  ", None),
])
def test_accepted_public_urls_are_normalised(raw, expected):
    assert normalise_public_url(raw) == expected


@pytest.mark.parametrize("raw, rule", [
    ("ftp://192.168.1.20", "Start the address with http:// or https://"),
    ("javascript:alert(1)", "Start the address with http:// or https://"),
    ("192.168.1.20:8000", "Start the address with http:// or https://"),
    ("http:/192.168.1.20", "Start the address with http:// or https://"),
    ("http://admin:secret@192.168.1.20", "must not contain a user name or password"),
    ("http://evil.example@192.168.1.20", "must not contain a user name or password"),
    ("http://192.168.1.20/?next=x", "must not contain ? or #"),
    ("http://192.168.1.20/#x", "must not contain ? or #"),
    ("http://192.168.1.20/portal/../admin", "may only hold plain names"),
    ("http://192.168.1.20//evil.example", "may only hold plain names"),
    ("http://192.168.1.20\\evil.example", "Spaces, backslashes and control characters"),
    ("http://192.168.1.20/por tal", "Spaces, backslashes and control characters"),
    ("http://192.168.1.20\r\nX-Evil: 1", "Spaces, backslashes and control characters"),
    ("http://192.168.1.20\u200b", "Spaces, backslashes and control characters"),
    ("http://exa_mple.cn", "Give a host name or IP address"),
    ("http://", "Give a host name or IP address"),
    ("http://192.168.1.20:99999", "The port must be a number"),
    ("http://192.168.1.20:0", "The port must be a number"),
    ("http://" + "a" * 200 + ".cn", "Use at most 200 characters"),
])
def test_refused_public_urls_name_the_rule(raw, rule):
    with pytest.raises(PublicUrlError) as error:
        normalise_public_url(raw)
    assert rule in str(error.value.message)


def test_the_platform_form_refuses_a_bad_address_and_changes_nothing(app, world, platform):
    url = f"/platform/tenants/{world.a.tenant_id}/public-url"
    before = table_snapshot(app)
    response = platform.post(url, data={"csrf_token": csrf_token_for(platform, url),
                                        "public_url": "http://evil.example@192.168.1.20"})
    assert response.status_code == 400
    assert field_error(response.text, "public_url") == "The address must not contain a user name or password."
    assert table_snapshot(app) == before


def test_only_the_platform_administrator_sets_the_address(app, world, admin):
    url = f"/platform/tenants/{world.a.tenant_id}/public-url"
    assert admin.get(url).status_code in (403, 404)


def test_a_bad_server_setting_stops_the_start(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "http://192.168.1.20/a/../b")
    config = DevelopmentConfig()
    with pytest.raises(ConfigError) as error:
        config.finalise(str(tmp_path))
    assert "PORTAL_PUBLIC_URL" in str(error.value) and "plain names" in str(error.value)
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "http://192.168.1.20:8000/")
    config = DevelopmentConfig()
    config.finalise(str(tmp_path))
    assert config.PUBLIC_URL == "http://192.168.1.20:8000"
