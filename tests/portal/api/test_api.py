"""The JSON API: personal tokens (JSON and HTML), tenant binding, JSON errors in both languages, OpenAPI coverage."""
from __future__ import annotations

import hashlib
import re

import pytest
import sqlalchemy as sa

from portal.api import tokens as token_service
from portal.api.models import ApiToken
from portal.auth.models import User
from portal.extensions import db
from tenants import across_tenants, tenant_scope
from tenants.models import Membership, Tenant
from tenants.roles import Role
from tests.conftest import table_snapshot
from tests.portal.pages import csrf_token_for, in_english, zh


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def stored_tokens(app) -> list[ApiToken]:
    with app.app_context(), across_tenants("test reads every token"):
        rows = db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)).all()
        db.session.expunge_all()
        return rows


@pytest.fixture
def session_client(client_as):
    """Tenant A's firm staff member, signed in through the browser login, with a CSRF token at hand."""
    client = client_as(Role.FIRM_STAFF, "a")
    client.csrf = csrf_token_for(client)
    return client


# --- creating tokens ---------------------------------------------------------------------------


def test_create_with_session_and_csrf_header_returns_the_secret_once(app, world, session_client):
    response = session_client.post("/api/v1/t/alpha/tokens", json={"name": "nightly export"},
                                   headers={"X-CSRFToken": session_client.csrf})
    assert response.status_code == 201, response.text
    body = response.json
    secret = body["token"]
    assert secret.startswith("spp_") and len(secret) >= 40
    assert body["name"] == "nightly export" and body["revoked_at"] is None
    assert secret.startswith(body["prefix"]) and len(body["prefix"]) < len(secret) / 3

    [token] = [t for t in stored_tokens(app) if t.id == body["id"]]
    assert token.user_id == world.a.users[Role.FIRM_STAFF] and token.tenant_id == world.a.tenant_id
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", token.token_hash)
    stored_text = " ".join(str(getattr(token, c.key)) for c in ApiToken.__table__.columns)
    assert secret not in stored_text

    listing = session_client.get("/api/v1/t/alpha/tokens")
    assert listing.status_code == 200
    assert [t["name"] for t in listing.json] == ["nightly export"]
    assert set(listing.json[0]) == {"id", "name", "prefix", "created_at", "revoked_at"}
    assert secret not in listing.text and token.token_hash not in listing.text

    me = app.test_client().get("/api/v1/t/alpha/me", headers=bearer(secret))
    assert me.status_code == 200
    assert me.json["id"] == world.a.users[Role.FIRM_STAFF] and me.json["roles"] == ["firm_staff"]


def test_create_with_session_but_no_csrf_header_is_refused(app, session_client):
    before = table_snapshot(app)
    response = session_client.post("/api/v1/t/alpha/tokens", json={"name": "x"})
    assert response.status_code == 400
    assert response.is_json and response.json["error"]["code"] == "bad_request"
    assert table_snapshot(app) == before


def test_a_token_cannot_create_tokens(app, world):
    """Only a signed-in browser session mints tokens: a leaked token cannot make itself a successor."""
    client = app.test_client()
    before = table_snapshot(app)
    response = client.post("/api/v1/t/alpha/tokens", json={"name": "second"}, headers=bearer(world.a.token_secret))
    assert response.status_code == 403, response.text
    assert response.json["error"]["code"] == "browser_session_required" and "token" not in response.json
    assert table_snapshot(app) == before
    # Still allowed with the same token: reading and revoking its own tokens.
    assert client.get("/api/v1/t/alpha/tokens", headers=bearer(world.a.token_secret)).status_code == 200


def test_me_reports_every_role_held(app, world):
    with app.app_context():
        tenant = db.session.get(Tenant, world.a.tenant_id)
        with tenant_scope(tenant):
            db.session.add(Membership(user_id=world.a.users[Role.BUREAU_ADMIN], role=Role.OWNER))
            db.session.commit()
    me = app.test_client().get("/api/v1/t/alpha/me", headers=bearer(world.a.token_secret))
    assert me.json["roles"] == ["bureau_admin", "owner"]


def test_owner_may_not_create_tokens(app, world, client_as):
    owner = client_as(Role.OWNER, "a")
    before = table_snapshot(app)
    response = owner.post("/api/v1/t/alpha/tokens", json={"name": "x"}, headers={"X-CSRFToken": csrf_token_for(owner)})
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert owner.get("/t/alpha/account/tokens/").status_code == 403
    assert table_snapshot(app) == before


# --- what a token can and cannot reach ----------------------------------------------------------


def test_token_is_bound_to_its_tenant(app, world):
    client = app.test_client()
    assert client.get("/api/v1/t/alpha/me", headers=bearer(world.a.token_secret)).status_code == 200
    for path in ("/api/v1/t/beta/me", "/api/v1/t/beta/tokens", "/api/v1/t/beta/members", "/api/v1/t/beta/audit-events"):
        response = client.get(path, headers=bearer(world.a.token_secret))
        assert response.status_code == 401, path
        assert response.json["error"]["code"] == "unauthorized"
        assert world.b.sentinel not in response.text


def test_token_does_not_open_html_pages(app, world):
    response = app.test_client().get("/t/alpha/dashboard", headers=bearer(world.a.token_secret))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("secret", ["", "spp_", "spp_not-a-real-token", "garbage", "spp_" + "x" * 200])
def test_unknown_tokens_are_401(app, world, secret):
    response = app.test_client().get("/api/v1/t/alpha/me", headers=bearer(secret))
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


def test_anonymous_is_401(app, world):
    response = app.test_client().get("/api/v1/t/alpha/me")
    assert response.status_code == 401 and response.is_json


def test_revoked_token_is_401(app, world):
    client = app.test_client()
    response = client.delete(f"/api/v1/t/alpha/tokens/{world.a.token_id}", headers=bearer(world.a.token_secret))
    assert response.status_code == 204
    assert client.get("/api/v1/t/alpha/me", headers=bearer(world.a.token_secret)).status_code == 401
    [token] = [t for t in stored_tokens(app) if t.id == world.a.token_id]
    assert token.revoked_at is not None


def test_disabled_users_token_is_401(app, world):
    with app.app_context():
        db.session.get(User, world.a.users[Role.BUREAU_ADMIN]).is_active = False
        db.session.commit()
    response = app.test_client().get("/api/v1/t/alpha/me", headers=bearer(world.a.token_secret))
    assert response.status_code == 401


def test_deactivated_membership_token_is_refused(app, world):
    with app.app_context():
        tenant = db.session.get(Tenant, world.a.tenant_id)
        with tenant_scope(tenant):
            db.session.get(Membership, world.a.memberships[Role.BUREAU_ADMIN]).is_active = False
            db.session.commit()
    response = app.test_client().get("/api/v1/t/alpha/me", headers=bearer(world.a.token_secret))
    # The token no longer authenticates anyone (checked at use): 401, as for a revoked token.
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


def test_someone_elses_token_cannot_be_revoked(app, world):
    with app.app_context():
        tenant = db.session.get(Tenant, world.a.tenant_id)
        staff = db.session.get(User, world.a.users[Role.BUREAU_STAFF])
        with tenant_scope(tenant):
            token, staff_secret = token_service.issue_token(tenant=tenant, user=staff, name="staff token")
            db.session.commit()
            staff_token_id = token.id
    client = app.test_client()
    for token_id in (staff_token_id, world.b.token_id, 999999):
        response = client.delete(f"/api/v1/t/alpha/tokens/{token_id}", headers=bearer(world.a.token_secret))
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert all(t.revoked_at is None for t in stored_tokens(app))
    assert client.get("/api/v1/t/alpha/me", headers=bearer(staff_secret)).status_code == 200
    # The other user's token is not in my listing either.
    names = [t["name"] for t in client.get("/api/v1/t/alpha/tokens", headers=bearer(world.a.token_secret)).json]
    assert names == [f"token{world.a.sentinel}"]


def test_members_and_audit_stay_in_the_tenant(app, world):
    client = app.test_client()
    members = client.get("/api/v1/t/alpha/members", headers=bearer(world.a.token_secret))
    assert members.status_code == 200
    assert {m["user_id"] for m in members.json} == set(world.a.users.values())
    audit = client.get("/api/v1/t/alpha/audit-events", headers=bearer(world.a.token_secret))
    assert audit.status_code == 200
    assert world.a.audit_event_id in {e["id"] for e in audit.json}
    assert world.b.sentinel not in audit.text and world.b.sentinel not in members.text


# --- the HTML token page ------------------------------------------------------------------------


def test_token_page_shows_the_secret_once_and_revokes(app, world, session_client):
    page = session_client.post("/t/alpha/account/tokens/", data={"csrf_token": session_client.csrf, "name": "laptop"})
    assert page.status_code == 200
    secret = re.search(r'id="new-token"[^>]*value="([^"]+)"', page.text).group(1)
    assert app.test_client().get("/api/v1/t/alpha/me", headers=bearer(secret)).status_code == 200

    again = session_client.get("/t/alpha/account/tokens/")
    assert again.status_code == 200 and "laptop" in again.text
    assert secret not in again.text and 'id="new-token"' not in again.text
    [token] = [t for t in stored_tokens(app) if t.name == "laptop"]
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest() and token.token_hash not in again.text

    action = re.search(r'action="([^"]+/revoke)"', again.text).group(1)
    assert action == f"/t/alpha/account/tokens/{token.id}/revoke"
    revoked = session_client.post(action, data={"csrf_token": session_client.csrf})
    assert revoked.status_code == 303
    assert app.test_client().get("/api/v1/t/alpha/me", headers=bearer(secret)).status_code == 401
    after = session_client.get("/t/alpha/account/tokens/").text
    assert f'action="{action}"' not in after


def test_token_page_refuses_a_blank_name(app, session_client):
    before = table_snapshot(app)
    page = in_english(session_client).post("/t/alpha/account/tokens/", data={"csrf_token": session_client.csrf, "name": ""})
    assert page.status_code == 400
    assert "Name the token" in page.text and 'id="new-token"' not in page.text
    assert table_snapshot(app) == before


def test_token_page_cannot_revoke_someone_elses_token(app, world, session_client):
    for token_id in (world.a.token_id, world.b.token_id):
        response = session_client.post(f"/t/alpha/account/tokens/{token_id}/revoke", data={"csrf_token": session_client.csrf})
        assert response.status_code == 404
    assert all(t.revoked_at is None for t in stored_tokens(app))


# --- JSON errors -------------------------------------------------------------------------------


@pytest.fixture
def post_token(client_as):
    """POST /tokens as tokens are created: tenant A's bureau administrator's browser session with CSRF."""
    client = client_as(Role.BUREAU_ADMIN, "a")
    csrf = csrf_token_for(client)

    def post(client_=None, **kwargs):
        return (client_ or client).post("/api/v1/t/alpha/tokens", headers={"X-CSRFToken": csrf}, **kwargs)

    post.client = client
    return post


@pytest.mark.parametrize(
    "kwargs, status, code, field",
    [
        ({"json": {}}, 422, "invalid", "name"),
        ({"json": {"name": ""}}, 422, "invalid", "name"),
        ({"json": {"name": "   "}}, 422, "invalid", "name"),
        ({"json": {"name": "x" * 81}}, 422, "invalid", "name"),
        ({"json": {"name": "ok\x07"}}, 422, "invalid", "name"),
        ({"json": {"name": 12}}, 422, "invalid", "name"),
        ({"json": {"name": "ok", "colour": "red"}}, 422, "invalid", "colour"),
        ({"json": {"name": "ok", "token_hash": "0" * 64}}, 422, "invalid", "token_hash"),
        ({"json": {"name": "ok", "id": 5}}, 422, "invalid", "id"),
        ({"json": ["name"]}, 422, "invalid", "_schema"),
        ({"data": "name=x", "content_type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type", None),
        ({"data": "{}", "content_type": "text/plain"}, 415, "unsupported_media_type", None),
        ({"data": '{"name": "x"', "content_type": "application/json"}, 400, "bad_request", None),
        ({"data": b"\xff\xfe", "content_type": "application/json"}, 400, "bad_request", None),
    ],
)
def test_bad_bodies_get_json_errors_naming_the_field(app, world, post_token, kwargs, status, code, field):
    before = table_snapshot(app)
    response = post_token(**kwargs)
    assert response.status_code == status, response.text
    assert response.is_json
    error = response.json["error"]
    assert error["code"] == code and error["message"]
    if field:
        assert list(error["fields"]) == [field]
        assert all(isinstance(m, str) and m for m in error["fields"][field])
    else:
        assert "fields" not in error
    assert table_snapshot(app) == before


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/api/v1/nowhere", 404),
    ("GET", "/api/v1/t/alpha/nowhere", 404),
    ("GET", "/api/v1/t/no-such-tenant/me", 404),
    ("POST", "/api/v1/t/alpha/me", 405),
    ("PUT", "/api/v1/t/alpha/tokens", 405),
    ("GET", "/api/v2/t/alpha/me", 404),
])
def test_unknown_api_urls_answer_in_json(app, world, method, path, status):
    response = app.test_client().open(path, method=method, headers=bearer(world.a.token_secret))
    assert response.status_code == status
    assert response.is_json, response.text[:200]
    assert "<html" not in response.text
    assert response.json["error"]["code"] in {"not_found", "method_not_allowed"}


def test_query_errors_name_the_parameter(app, world):
    response = app.test_client().get("/api/v1/t/alpha/audit-events?limit=0&sort=x", headers=bearer(world.a.token_secret))
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"limit", "sort"}


@pytest.mark.parametrize("kwargs, msgid, field, field_msgid", [
    ({"json": {}}, "Some fields are not valid.", "name", "Missing data for required field."),
    ({"json": {"name": "ok", "extra": 1}}, "Some fields are not valid.", "extra", "Unknown field."),
    ({"data": "x", "content_type": "text/plain"}, "Send JSON with Content-Type: application/json.", None, None),
    ({"data": "{", "content_type": "application/json"}, "The body is not valid JSON.", None, None),
])
def test_error_messages_are_chinese_by_default_and_english_on_request(app, world, post_token, kwargs, msgid, field,
                                                                      field_msgid):
    default = post_token(**kwargs).json["error"]
    english = post_token(in_english(post_token.client), **kwargs).json["error"]
    assert english["message"] == msgid
    if field:
        assert english["fields"][field] == [field_msgid]
    # When the zh_CN catalogue (written in parallel) has no entry yet, the default language can only
    # show the English msgid; once it has one, the default must be that Chinese text.
    assert default["message"] == (zh(msgid) or msgid)
    if field:
        assert default["fields"][field] == [zh(field_msgid) or field_msgid]
    if zh(msgid):
        assert default["message"] != english["message"]


def test_not_found_is_chinese_by_default(app, world):
    default = app.test_client().get("/api/v1/nowhere").json["error"]["message"]
    english = in_english(app.test_client()).get("/api/v1/nowhere").json["error"]["message"]
    assert english == "Not found."
    assert default == (zh("Not found.") or "Not found.")


# --- the OpenAPI document ------------------------------------------------------------------------


def flask_to_openapi(rule: str) -> str:
    return re.sub(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule)


def test_openapi_document_is_valid(app):
    from openapi_spec_validator import validate

    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    spec = response.json
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"]
    assert spec["paths"] and spec["components"]["schemas"]
    validate(spec)
    assert {"Me", "Token", "TokenCreated", "Member", "AuditEvent", "Error"} <= set(spec["components"]["schemas"])
    assert "token_hash" not in str(spec["components"]["schemas"])


def test_every_api_route_is_documented(app):
    spec = app.test_client().get("/api/v1/openapi.json").json
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops
                  if method in {"get", "post", "put", "patch", "delete"}}
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served.add((flask_to_openapi(rule.rule), method))
    assert served, "no API routes found"
    missing = sorted(served - documented)
    assert not missing, "undocumented API routes: " + ", ".join(f"{m} {p}" for p, m in missing)
    extra = sorted(documented - served)
    assert not extra, "documented routes the app does not serve: " + ", ".join(f"{m} {p}" for p, m in extra)


def test_documented_path_parameters_match_the_url(app):
    spec = app.test_client().get("/api/v1/openapi.json").json
    for path, operations in spec["paths"].items():
        in_path = set(re.findall(r"{([a-z_]+)}", path))
        common = [p for p in operations.get("parameters", []) if p["in"] == "path"]
        for method, operation in operations.items():
            if method == "parameters":
                continue
            declared = {p["name"] for p in common + operation.get("parameters", []) if p.get("in") == "path"}
            assert declared == in_path, (method, path)
