"""Junk in every form and JSON input gets a 400/422 naming the field, never a 500, and writes nothing."""
from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Callable
from urllib.parse import quote, unquote, urlencode

import pytest
import sqlalchemy as sa

from portal.api.models import ApiToken
from portal.extensions import db as _db
from portal.extensions import limiter
from tenants import across_tenants
from tenants.roles import Role
from tests.conftest import csrf_token_for, login
from tests.factories import PASSWORD, World, csrf_from
from tests import routewalk
from tests.routewalk import changed_tables, db_state

NEW_PASSWORD = "a brand new and rather long passphrase"
HTML_PAYLOAD = "<script>alert(1)</script>"
SQL_PAYLOAD = "' OR 1=1 --"
HUGE = "9" * 30
INVALID_UTF8 = b"\xff\xfe\xc3\x28"
# Percent-encoded, as a browser sends bytes of a wrong charset. Werkzeug keeps undecodable escapes as
# the literal text "%FF%FE%C3(", so it is harmless text in a free-text field and junk anywhere else.
# Raw undecodable bytes make Werkzeug drop the whole form body: see test_unreadable_bodies_are_refused.
INVALID_UTF8_QUOTED = "%FF%FE%C3%28"

# The junk every field is tried with, one field at a time, the others valid.
JUNK: dict[str, object] = {
    "empty": "",
    "long": "x" * 10_000,
    "sql": SQL_PAYLOAD,
    "html": HTML_PAYLOAD,
    "nul": "ab\x00cd",
    "control": "ab\x01\x1b[31mcd",
    "bidi": "ab\u202ecd\u200b",  # a right-to-left override and a zero-width space: invisible, misleading
    "huge_int": HUGE,
    "invalid_utf8": INVALID_UTF8_QUOTED,  # sent percent-encoded, unaltered
    "file": "<a file upload where text belongs>",
}

# Which junk each kind of field must refuse; the rest is legitimate input for that kind (a name may
# well read "' OR 1=1 --") and must be stored as typed, never break a query, never render as markup.
ALL = frozenset(JUNK)
REFUSES: dict[str, frozenset[str]] = {
    "text": frozenset({"empty", "long", "nul", "control", "bidi", "file"}),
    "optional_text": frozenset({"long", "nul", "control", "bidi"}),
    "login": ALL,
    "password": ALL,  # the password to check (sign-in, current password): junk is simply wrong
    # Any character may be in a password (no composition rules); only length and the common list
    # count, so the 5-character "nul" and 6-character "bidi" values fail on length and the 10-character
    # "control" one passes.
    "new_password": frozenset({"empty", "long", "nul", "bidi", "file"}),
    "confirmed_password": ALL,  # its twin field keeps the valid value, so any change is a mismatch
    "choice": ALL,
    "binding": ALL,
    "slug": ALL - {"huge_int"},  # digits make a valid slug
    "time_zone": ALL - {"file"},  # left out, it takes its documented default, Asia/Shanghai
    "date": ALL - {"empty", "file"},
    # registry forms
    "required_date": ALL,
    "optional_int": ALL - {"empty", "file"},  # left out or blank, it counts as 0
    "credit_code": ALL,  # 18 characters of the code alphabet with the right check character, nothing else
    "phone": ALL - {"empty", "file"},
    "consent": frozenset({"empty", "file"}),  # a required checkbox: any text sent means ticked
}


@dataclass
class Form:
    """One HTML form: where it posts, who sends it, a valid submission, and the kind of each field."""

    name: str
    url: Callable[[World], str]
    sender: str
    baseline: Callable[[World], dict]
    fields: dict[str, str]
    method: str = "POST"
    # Fields whose error message may stand for a junk value in another field (e.g. sign-in errors
    # are shown on the password, whichever field was wrong).
    error_fields: dict[str, set[str]] = field(default_factory=dict)
    # Extra valid values a field's junk needs to matter (a binding only counts for its role).
    overrides: dict[str, dict] = field(default_factory=dict)


FORMS = [
    Form("login", lambda w: "/login", "anonymous",
         lambda w: {"identifier": w.a.logins[Role.BUREAU_ADMIN], "password": PASSWORD},
         {"identifier": "login", "password": "password"}, error_fields={"identifier": {"identifier", "password"}}),
    Form("password change", lambda w: "/account/password", "owner",
         lambda w: {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
         {"current_password": "password", "new_password": "confirmed_password", "confirm_password": "confirmed_password"},
         error_fields={"new_password": {"new_password", "confirm_password"}}),
    Form("add member", lambda w: "/t/alpha/members/new", "tenant_admin",
         lambda w: {"login": "13800000004", "display_name": "新成员", "initial_password": NEW_PASSWORD, "role": "owner",
                    "area_id": "", "firm_id": "", "community_id": ""},
         {"login": "login", "display_name": "text", "initial_password": "new_password", "role": "choice",
          "area_id": "binding", "firm_id": "binding", "community_id": "binding"},
         overrides={"area_id": {"role": "area_officer"}, "firm_id": {"role": "firm_staff"},
                    "community_id": {"role": "committee_member"}}),
    Form("edit member", lambda w: f"/t/alpha/members/{w.a.memberships[Role.OWNER]}/edit", "tenant_admin",
         lambda w: {"role": "owner", "area_id": "", "firm_id": "", "community_id": "", "reason": "checked"},
         {"role": "choice", "area_id": "binding", "firm_id": "binding", "community_id": "binding",
          "reason": "optional_text"},
         overrides={"area_id": {"role": "area_officer"}, "firm_id": {"role": "firm_staff"},
                    "community_id": {"role": "committee_member"}}),
    Form("deactivate member", lambda w: f"/t/alpha/members/{w.a.memberships[Role.OWNER]}/active/off", "tenant_admin",
         lambda w: {"reason": "moved away"}, {"reason": "text"}),
    Form("create API token", lambda w: "/t/alpha/account/tokens/", "tenant_admin",
         lambda w: {"name": "laptop"}, {"name": "text"}),
    Form("create tenant", lambda w: "/platform/tenants/new", "platform_admin",
         lambda w: {"slug": "gamma", "kind": "bureau", "name_zh": "伽马县住建局", "name_en": "Gamma bureau",
                    "region": "山东", "time_zone": "Asia/Shanghai", "admin_login": "13800000005",
                    "admin_name": "管理员", "admin_password": NEW_PASSWORD},
         {"slug": "slug", "kind": "choice", "name_zh": "text", "name_en": "optional_text", "region": "optional_text",
          "time_zone": "time_zone", "admin_login": "login", "admin_name": "text", "admin_password": "new_password"}),
    Form("tenant status", lambda w: f"/platform/tenants/{w.a.tenant_id}/status", "platform_admin",
         lambda w: {"status": "read_only", "reason": "audit"}, {"status": "choice", "reason": "text"}),
    Form("disable user", lambda w: f"/platform/users/{w.a.users[Role.OWNER]}/active/off", "platform_admin",
         lambda w: {"reason": "left"}, {"reason": "text"}),
    Form("audit filter", lambda w: "/t/alpha/audit/", "tenant_admin", lambda w: {},
         {"action": "optional_text", "actor": "optional_text", "object_type": "optional_text", "date_from": "date",
          "date_to": "date"}, method="GET"),
    Form("owner registration", lambda w: "/t/alpha/register", "anonymous",
         lambda w: {"code": w.a.claim_code, "mobile": "13800000008", "display_name": "新业主", "password": NEW_PASSWORD,
                    "confirm_password": NEW_PASSWORD, "privacy_consent": "y"},
         {"code": "login", "mobile": "login", "display_name": "text", "password": "confirmed_password",
          "confirm_password": "confirmed_password", "privacy_consent": "consent"},
         error_fields={"password": {"password", "confirm_password"}}),
    Form("request a reset code", lambda w: "/account/reset", "anonymous",
         lambda w: {"identifier": w.a.logins[Role.OWNER]}, {"identifier": "login"}),
    Form("send a mobile code (new number)", lambda w: "/account/mobile/code", "owner",
         lambda w: {"mobile": "13800000019", "current_password": PASSWORD},
         {"mobile": "login", "current_password": "password"}),
    Form("send a registration code", lambda w: "/t/alpha/register/code", "anonymous",
         lambda w: {"code": w.a.claim_code, "mobile": "13800000020"}, {"code": "login", "mobile": "login"}),
    Form("add a unit", lambda w: "/t/alpha/my/units", "owner", lambda w: {"code": w.a.claim_code}, {"code": "login"}),
    Form("add a plan", lambda w: "/platform/billing/plans/new", "platform_admin",
         lambda w: {"code": "county_plus", "kind": "bureau", "name_zh": "县级增强版", "name_en": "", "max_communities": "",
                    "monthly_yuan": "2000", "is_active": "y"},
         {"code": "choice", "kind": "choice", "name_zh": "text", "name_en": "optional_text",
          "max_communities": "optional_int", "monthly_yuan": "choice"}),
    Form("revoke a claim code", lambda w: f"/t/alpha/claim-codes/codes/{w.a.claim_code_id}/revoke", "tenant_admin",
         lambda w: {"reason": "slip lost"}, {"reason": "text"}),
    Form("reissue a claim code", lambda w: f"/t/alpha/claim-codes/codes/{w.a.claim_code_id}/reissue", "tenant_admin",
         lambda w: {"reason": "slip lost"}, {"reason": "text"}),
    Form("revoke a binding", lambda w: f"/t/alpha/claim-codes/bindings/{w.a.binding_id}/revoke", "tenant_admin",
         lambda w: {"reason": "moved out"}, {"reason": "text"}),
    Form("add community", lambda w: "/t/alpha/communities/new", "tenant_admin",
         lambda w: {"name": "新小区", "address": "", "area_id": str(w.a.office_id), "service_grade": "grade1",
                    "declared_units": "10", "revenue_bank": "", "revenue_account_name": "", "revenue_account_number": ""},
         {"name": "text", "address": "optional_text", "area_id": "binding", "service_grade": "choice",
          "declared_units": "optional_int"}),
    Form("add firm", lambda w: "/t/alpha/firms/new", "tenant_admin",
         lambda w: {"name": "新物业", "credit_code": "91370000000000009G", "licence_no": "", "contact_name": "",
                    "contact_phone": "", "address": ""},
         {"name": "text", "credit_code": "credit_code", "licence_no": "optional_text", "contact_name": "optional_text",
          "contact_phone": "phone", "address": "optional_text"}),
    Form("owners' committee", lambda w: f"/t/alpha/communities/{w.a.community_id}/committee", "tenant_admin",
         lambda w: {"term_start": "2024-06-01", "term_end": "2027-05-31", "filing_date": "", "filing_ref": ""},
         {"term_start": "required_date", "term_end": "required_date", "filing_date": "date",
          "filing_ref": "optional_text"}),
    Form("end contract", lambda w: f"/t/alpha/contracts/{w.a.contract_id}/end", "tenant_admin",
         lambda w: {"end_date": "2025-12-31", "reason": "合同到期"}, {"end_date": "required_date", "reason": "text"}),
]

UNKNOWN_FIELDS = {"tenant_id": "2", "tenant_slug": "beta", "user_id": "1", "is_platform_admin": "1", "id": HUGE,
                  "zz_unknown": HTML_PAYLOAD}


class _Controls(HTMLParser):
    """Form controls and the error texts they point to (aria-describedby), as a screen reader links them."""

    def __init__(self):
        super().__init__()
        self.controls: list[dict] = []
        self.errors: dict[str, str] = {}
        self._open: tuple[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea"):
            self.controls.append(attrs)
        if "error" in (attrs.get("class") or "").split() and attrs.get("id"):
            self._open = (tag, attrs["id"])
            self.errors[attrs["id"]] = ""

    def handle_endtag(self, tag):
        if self._open and tag == self._open[0]:
            self._open = None

    def handle_data(self, data):
        if self._open:
            self.errors[self._open[1]] += data


def field_errors(page: str) -> dict[str, list[str]]:
    """Field name -> the error messages linked to that field's control (aria-invalid + aria-describedby)."""
    parser = _Controls()
    parser.feed(page)
    found: dict[str, list[str]] = {}
    for control in parser.controls:
        if control.get("aria-invalid") != "true":
            continue
        for ref in (control.get("aria-describedby") or "").split():
            text = parser.errors.get(ref, "").strip()
            if text:
                found.setdefault(control.get("name", ""), []).append(text)
    return found


@contextlib.contextmanager
def rolled_back(app, *clients):
    """One case inside a savepoint that is rolled back afterwards; the clients' cookies are put back too."""
    with app.app_context():
        connection = _db.engines[None]
    saved = [(c, list(c._cookies.values())) for c in clients]
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()
        with app.app_context():
            limiter.reset()
            app.extensions["login_throttle"].reset()
        for client, cookies in saved:
            client._cookies.clear()
            for cookie in cookies:
                client._cookies[(cookie.domain, cookie.path, cookie.key)] = cookie


def english(client):
    client.set_cookie("portal_lang", "en")
    return client


@pytest.fixture
def senders(app, world: World) -> dict:
    made = {}
    for name, identifier in (("tenant_admin", world.a.logins[Role.BUREAU_ADMIN]), ("owner", world.a.logins[Role.OWNER]),
                             ("platform_admin", world.platform_admin_login)):
        client = english(app.test_client())
        assert login(client, identifier).status_code == 302
        made[name] = (client, csrf_token_for(client))
    anon = english(app.test_client())
    made["anonymous"] = (anon, csrf_from(anon.get("/login").text))
    return made


def submit(client, form: Form, url: str, data: dict, token: str, junk_field: str | None = None, junk: str | None = None):
    """Send ``data`` with ``junk`` in ``junk_field`` the way that junk travels (raw bytes, a file, text)."""
    if junk == "invalid_utf8":
        rest = urlencode({k: v for k, v in data.items() if k != junk_field} | ({"csrf_token": token} if token else {}))
        encoded = (rest + "&" if rest else "") + f"{junk_field}={INVALID_UTF8_QUOTED}"
        if form.method == "GET":
            return client.get(f"{url}?{encoded}")
        return client.post(url, data=encoded.encode("ascii"), content_type="application/x-www-form-urlencoded")
    if form.method == "GET":
        return client.get(url, query_string=data)
    data = {**data, "csrf_token": token}
    if junk == "file":
        data = {k: v for k, v in data.items() if k != junk_field}
        data[junk_field] = (io.BytesIO(b"GIF89a junk"), "junk.gif")
        return client.post(url, data=data, content_type="multipart/form-data")
    return client.post(url, data=data)


def cases():
    for form in FORMS:
        for name, kind in form.fields.items():
            for junk in JUNK:
                if form.method == "GET" and junk == "file":
                    continue
                yield form, name, kind, junk


def test_html_forms_refuse_junk_with_a_field_message(app, world: World, senders, record_property):
    problems, refused, accepted = [], 0, 0
    for form, name, kind, junk in cases():
        client, token = senders[form.sender]
        url = form.url(world)
        data = {**form.baseline(world), **form.overrides.get(name, {})}
        value = JUNK[junk]
        if junk not in ("invalid_utf8", "file"):
            data[name] = value
        label = f"{form.name}: {name}={junk}"
        with rolled_back(app, client):
            before = db_state(app)
            response = submit(client, form, url, data, token, name, junk)
            changed = changed_tables(before, db_state(app))
        body = response.get_data(as_text=True)
        if HTML_PAYLOAD in body:
            problems.append(f"{label}: the <script> payload is rendered live")
        if response.status_code >= 500:
            problems.append(f"{label}: {response.status_code}")
            continue
        if junk in REFUSES[kind]:
            refused += 1
            if response.status_code != 400:
                problems.append(f"{label}: status {response.status_code}, expected 400")
            errors = field_errors(body)
            wanted = form.error_fields.get(name, {name})
            if not wanted & set(errors):
                problems.append(f"{label}: no error message linked to {sorted(wanted)} (found {errors})")
            if changed:
                problems.append(f"{label}: refused but changed {changed}")
        else:
            accepted += 1
            if response.status_code not in (200, 302, 303):
                problems.append(f"{label}: legitimate input answered {response.status_code}: {field_errors(body)}")
            elif form.method == "POST" and not changed:
                problems.append(f"{label}: legitimate input was not saved ({response.status_code})")

    summary = f"bad_input html_cases={refused + accepted} refused={refused} accepted_as_text={accepted} problems={len(problems)}"
    print("\n" + summary)
    record_property("bad_input_html", summary)
    assert not problems, summary + "\n" + "\n".join(problems)


def test_unknown_fields_are_ignored_and_do_not_derail_validation(app, world: World, senders):
    problems = []
    for form in FORMS:
        if form.method != "POST":
            continue
        client, token = senders[form.sender]
        first = next(iter(form.fields))
        for label, data, expect_refusal in (
            ("valid + unknown fields", {**form.baseline(world), **UNKNOWN_FIELDS}, False),
            ("junk + unknown fields", {**form.baseline(world), **UNKNOWN_FIELDS, first: "x" * 10_000}, True),
        ):
            with rolled_back(app, client):
                before = db_state(app)
                response = client.post(form.url(world), data={**data, "csrf_token": token})
                changed = changed_tables(before, db_state(app))
            if response.status_code >= 500 or HTML_PAYLOAD in response.get_data(as_text=True):
                problems.append(f"{form.name} ({label}): {response.status_code}")
            elif expect_refusal and (response.status_code != 400 or changed):
                problems.append(f"{form.name} ({label}): {response.status_code}, changed {changed}")
            elif not expect_refusal and (response.status_code not in (200, 302, 303) or not changed):
                problems.append(f"{form.name} ({label}): {response.status_code}, changed {changed}")
    assert not problems, "\n".join(problems)


def test_unreadable_bodies_are_refused(app, world: World, senders):
    """Bodies no form can be read from: raw bytes that aren't UTF-8, and JSON with numbers, lists, objects."""
    problems = []
    for form in FORMS:
        if form.method != "POST":
            continue
        client, token = senders[form.sender]
        baseline = form.baseline(world)
        raw = urlencode({**baseline, "csrf_token": token}).encode("ascii") + b"&" + next(iter(form.fields)).encode() + b"=" + INVALID_UTF8
        bodies = [("raw invalid UTF-8", raw, "application/x-www-form-urlencoded", {})]
        for label, value in (("JSON numbers", 12345), ("JSON huge numbers", 10 ** 30), ("JSON lists", ["a", "b"]),
                             ("JSON objects", {"a": 1}), ("JSON nulls", None)):
            body = json.dumps({name: value for name in baseline} | {"csrf_token": token}).encode()
            bodies.append((label, body, "application/json", {"X-CSRFToken": token}))
        bodies.append(("JSON array", json.dumps([baseline]).encode(), "application/json", {"X-CSRFToken": token}))
        for label, body, content_type, headers in bodies:
            with rolled_back(app, client):
                before = db_state(app)
                response = client.post(form.url(world), data=body, content_type=content_type, headers=headers)
                changed = changed_tables(before, db_state(app))
            page = response.get_data(as_text=True)
            # Werkzeug drops a form body that isn't UTF-8 as a whole, CSRF token included, so that
            # one is refused by the CSRF guard with its page-level message; JSON leaves the fields
            # empty, and each required one says so.
            message = 'class="error"' in page or (label.startswith("raw") and "did not come from this site" in page)
            if response.status_code != 400 or changed or not message:
                problems.append(f"{form.name} ({label}): {response.status_code}, changed {changed}")
    assert not problems, "\n".join(problems)


HUGE_ID_URLS = [
    ("GET", f"/t/alpha/members/{HUGE}/edit"),
    ("POST", f"/t/alpha/members/{HUGE}/edit"),
    ("POST", f"/t/alpha/members/{HUGE}/active/off"),
    ("POST", f"/t/alpha/account/tokens/{HUGE}/revoke"),
    ("POST", f"/platform/tenants/{HUGE}/status"),
    ("POST", f"/platform/users/{HUGE}/active/off"),
    ("DELETE", f"/api/v1/t/alpha/tokens/{HUGE}"),
    ("POST", "/t/alpha/members/2147483648/edit"),  # one past the largest id the database can hold
]


@pytest.mark.parametrize("method, url", HUGE_ID_URLS)
def test_huge_ids_in_urls_are_a_plain_404(app, world: World, senders, method, url):
    client, token = senders["platform_admin" if url.startswith("/platform/") else "tenant_admin"]
    before = db_state(app)
    response = client.open(url, method=method, data={"reason": "x", "role": "owner", "csrf_token": token},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 404, response.text
    assert changed_tables(before, db_state(app)) == []


# JSON: (label, body, content type) -> the field that must be named, or None for a body-level refusal.
NAME_JUNK = {"empty": "", "blank": "   ", "long": "x" * 10_000, "nul": "ab\x00cd", "control": "ab\x01cd",
             "bidi": "ab\u202ecd",
             "integer": 123, "huge integer": 10 ** 30, "float": 1.5, "null": None, "boolean": True, "list": ["x"],
             "object": {"x": 1}}


def json_cases(world: World):
    for label, value in NAME_JUNK.items():
        yield f"name={label}", json.dumps({"name": value}).encode(), "application/json", {"name"}
    yield "missing name", b"{}", "application/json", {"name"}
    extra = {"name": "ok", "tenant_id": world.b.tenant_id, "user_id": world.b.users[Role.BUREAU_ADMIN], "id": 1,
             "token": "spp_forged", "prefix": "spp_forged", "created_at": "2020-01-01T00:00:00Z"}
    yield "unknown and server-set fields", json.dumps(extra).encode(), "application/json", set(extra) - {"name"}
    yield "array", b'[{"name": "x"}]', "application/json", {"_schema"}
    yield "string", b'"name"', "application/json", {"_schema"}
    yield "number", b"42", "application/json", {"_schema"}
    yield "null body", b"null", "application/json", None
    yield "not JSON", b"name=laptop", "application/json", None
    yield "empty body", b"", "application/json", None
    yield "invalid UTF-8", b'{"name": "' + INVALID_UTF8 + b'"}', "application/json", None
    yield "form-encoded", b"name=laptop", "application/x-www-form-urlencoded", None
    yield "no content type", b'{"name": "laptop"}', None, None
    yield "deeply nested", b"[" * 100_000 + b"]" * 100_000, "application/json", None
    yield "5000-digit number", b'{"name": ' + b"9" * 5000 + b"}", "application/json", None
    yield "NaN", b'{"name": NaN}', "application/json", {"name"}


def assert_json_refusal(response, fields: set[str] | None, label: str, problems: list[str]) -> None:
    if response.status_code not in (400, 415, 422) or not response.is_json:
        problems.append(f"{label}: {response.status_code} {response.get_data(as_text=True)[:200]}")
        return
    error = response.json.get("error", {})
    if not (error.get("code") and error.get("message")):
        problems.append(f"{label}: error without code/message: {response.json}")
    if fields is not None:
        named = error.get("fields", {})
        for name in fields:
            messages = named.get(name)
            if response.status_code != 422 or not messages or not all(isinstance(m, str) and m for m in messages):
                problems.append(f"{label}: expected 422 with error.fields.{name}, got {response.status_code} {error}")


def token_session(client_as):
    """Tokens are created from a browser session only: the bureau administrator signed in, CSRF header at hand."""
    client = client_as(Role.BUREAU_ADMIN, "a")
    return client, {"X-CSRFToken": csrf_token_for(client)}


def test_token_api_refuses_junk_json(app, world: World, record_property, client_as):
    client, csrf = token_session(client_as)
    problems, count = [], 0
    for label, body, content_type, fields in json_cases(world):
        before = db_state(app)
        response = client.post("/api/v1/t/alpha/tokens", data=body, content_type=content_type, headers=csrf)
        count += 1
        if response.status_code >= 500:
            problems.append(f"{label}: {response.status_code}")
            continue
        assert_json_refusal(response, fields, label, problems)
        changed = changed_tables(before, db_state(app))
        if changed:
            problems.append(f"{label}: refused but changed {changed}")
    record_property("bad_input_json", f"bad_input json_cases={count} problems={len(problems)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", [SQL_PAYLOAD, HTML_PAYLOAD, "名称 with spaces"])
def test_token_api_stores_odd_but_valid_names_verbatim(app, world: World, name, client_as):
    client, csrf = token_session(client_as)
    response = client.post("/api/v1/t/alpha/tokens", json={"name": name}, headers=csrf)
    assert response.status_code == 201 and response.json["name"] == name
    assert response.mimetype == "application/json"
    with app.app_context(), across_tenants("test reads the stored token"):
        stored = _db.session.scalar(sa.select(ApiToken.name).where(ApiToken.id == response.json["id"]))
        _db.session.remove()
    assert stored == name


AUDIT_QUERY_JUNK = [
    ({"limit": "abc"}, "limit"), ({"limit": ""}, "limit"), ({"limit": "-1"}, "limit"), ({"limit": "0"}, "limit"),
    ({"limit": "201"}, "limit"), ({"limit": HUGE}, "limit"), ({"limit": "1.5"}, "limit"),
    ({"offset": "-1"}, "offset"), ({"offset": HUGE}, "offset"), ({"offset": "abc"}, "offset"),
    ({"page": "0"}, "page"), ({"page": HUGE}, "page"), ({"page": "abc"}, "page"), ({"page_size": "0"}, "page_size"),
    ({"page_size": "101"}, "page_size"), ({"page_size": HUGE}, "page_size"), ({"page_size": ""}, "page_size"),
    ({"action": "x" * 10_000}, "action"), ({"action": "ab\x00cd"}, "action"), ({"action": "ab\x01cd"}, "action"),
    ({"object_type": "x" * 100}, "object_type"), ({"object_type": "ab\x00cd"}, "object_type"),
    ({"zz_unknown": "1"}, "zz_unknown"), ({"tenant_id": str(2)}, "tenant_id"),
]


def test_audit_api_refuses_junk_query_parameters(app, world: World):
    client = app.test_client()
    bearer = {"Authorization": f"Bearer {world.a.token_secret}"}
    problems = []
    for query, name in AUDIT_QUERY_JUNK:
        response = client.get("/api/v1/t/alpha/audit-events", query_string=query, headers=bearer)
        if response.status_code >= 500:
            problems.append(f"{query}: {response.status_code}")
            continue
        assert_json_refusal(response, {name}, f"{sorted(query)}", problems)
    assert not problems, "\n".join(problems)

    # Odd but legitimate filters are data, matched literally: no injection, no wildcard, no error.
    # Tenant A's log holds one "test.seeded" event, three "checklist.published" (the default lists) and four
    # of the world's notice board (three publications, one draft) and one of the owner's objection to it, so a
    # literal match finds them and nothing else does.
    for query, found in (("action=%27%20OR%201%3D1%20--", 0), ("action=%25", 0), ("action=_", 0), ("action=%FF%FE", 0),
                         ("object_type=%3Cscript%3E", 0), ("page_size=100&page=1", 9), ("action=test.", 1)):
        response = client.get(f"/api/v1/t/alpha/audit-events?{query}", headers=bearer)
        assert response.status_code == 200, (query, response.text)
        assert len(response.json) == found, (query, response.json)


def test_html_in_names_is_shown_as_text(app, world: World, senders):
    admin, token = senders["tenant_admin"]
    page = admin.post("/t/alpha/account/tokens/", data={"name": HTML_PAYLOAD, "csrf_token": token})
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and HTML_PAYLOAD not in page.text

    response = admin.post("/t/alpha/members/new", data={
        "login": "13800000006", "display_name": HTML_PAYLOAD, "initial_password": NEW_PASSWORD, "role": "owner",
        "area_id": "", "firm_id": "", "community_id": "", "csrf_token": token})
    assert response.status_code == 302, response.text
    # The name shows once the invited person has accepted (until then the tenant sees only the login).
    invited = app.test_client()
    assert login(invited, "13800000006", NEW_PASSWORD).status_code == 302
    choices = invited.get("/account/tenants").text
    (accept,) = re.findall(r'action="(/account/invitations/\d+/accept)"', choices)
    assert invited.post(accept, data={"csrf_token": csrf_from(choices)}).status_code == 303
    for url in ("/t/alpha/members/", "/t/alpha/audit/", "/t/alpha/dashboard"):
        text = admin.get(url).text
        assert HTML_PAYLOAD not in text, url
    assert "&lt;script&gt;" in admin.get("/t/alpha/members/").text
    members = admin.get("/api/v1/t/alpha/members", headers={"X-CSRFToken": token})
    assert HTML_PAYLOAD in [m["display_name"] for m in members.json]  # JSON carries the text as data
    assert members.mimetype == "application/json" and members.headers["X-Content-Type-Options"] == "nosniff"

    platform, _ = senders["platform_admin"]
    assert HTML_PAYLOAD not in platform.get("/platform/").text


# Numbers a URL or query string may carry that no id, page or count can be: too large for the database,
# negative, and digits of other scripts (full-width, Arabic-Indic) that Python's int() would accept.
BAD_NUMBERS = ("99999999999999999999", "2147483648", "-1", "１２", "٣")
# Query-string numbers read by GET routes (HTML pages and the API's pagination and filters).
QUERY_INT_NAMES = ("page", "page_size", "limit", "offset", "community_id", "firm_id", "area_id", "building",
                   "invitations_page", "managers_page", "users_page", "manager_id", "actor")
INT_CONVERTERS = ("IntegerConverter", "DatabaseIntConverter", "DatabaseIdConverter")


def _walk_client(app, world: World, senders, url: str):
    """The first sender that may open ``url`` (tenant administrator, owner, platform administrator, anyone)."""
    for name in ("tenant_admin", "owner", "platform_admin", "anonymous"):
        client, _token = senders[name]
        if client.get(url).status_code < 400:
            return client
    return None


def _with_raw(rule, values: dict, name: str, raw: str) -> str:
    """The rule's path with ``raw`` written verbatim where ``name`` goes (no converter would build it)."""
    marker = "4242424242"
    path = routewalk.build(rule, {**values, name: int(marker)})
    return path.replace(marker, quote(raw), 1)


def test_bad_numbers_in_paths_and_query_strings_never_answer_500(app, world: World, senders, record_property):
    """Every GET route: each integer path segment, and every known query-string number, with bad numbers."""
    problems, cases, routes = [], 0, 0
    for rule in routewalk.rules(app):
        if "GET" not in rule.methods or rule.endpoint == "static" or routewalk.unmapped_arguments(rule):
            continue
        ids = world.a if routewalk.is_tenant_scoped(rule) else None
        url = next(routewalk.url_variants(rule, slug="alpha", ids=ids, world=world))
        client = _walk_client(app, world, senders, url)
        if client is None:
            continue
        routes += 1
        values = {}
        for name in rule.arguments:
            if name in routewalk.TENANT_OBJECT_ARGS:
                values[name] = routewalk.TENANT_OBJECT_ARGS[name](world.a)
            elif name in routewalk.CHOICE_ARGS:
                values[name] = routewalk.CHOICE_ARGS[name][0]
            elif name == routewalk.SLUG_ARG:
                values[name] = "alpha"
            else:
                values[name] = routewalk.OTHER_ARGS[name](world)[0]
        targets = [_with_raw(rule, values, name, raw) for name, converter in rule._converters.items()
                   if type(converter).__name__ in INT_CONVERTERS for raw in BAD_NUMBERS]
        targets += [f"{url}?{urlencode({name: raw})}" for name in QUERY_INT_NAMES for raw in BAD_NUMBERS]
        for target in targets:
            cases += 1
            response = client.get(target)
            if response.status_code >= 500:
                problems.append(f"GET {unquote(target)}: {response.status_code}")
    summary = f"bad_numbers get_routes={routes} cases={cases} answered_500={len(problems)}"
    print("\n" + summary)
    record_property("bad_numbers", summary)
    assert not problems, summary + "\n" + "\n".join(problems)


def _other_script(number: int, zero: str) -> str:
    return "".join(chr(ord(zero) + int(d)) for d in str(number))


def test_digits_of_other_scripts_in_a_path_name_no_object(app, world: World, senders):
    """Full-width "１２" and Arabic-Indic "١٢" read as 12 by int(): as an id in a URL they match no route."""
    client, _token = senders["tenant_admin"]
    member = world.a.memberships[Role.OWNER]
    assert client.get(f"/t/alpha/members/{member}/edit").status_code == 200
    community = world.a.community_id
    assert client.get(f"/api/v1/t/alpha/communities/{community}").status_code == 200
    for zero in ("０", "٠"):
        assert client.get(quote(f"/t/alpha/members/{_other_script(member, zero)}/edit")).status_code == 404
        assert client.get(quote(f"/api/v1/t/alpha/communities/{_other_script(community, zero)}")).status_code == 404


@pytest.mark.parametrize("raw, expected", [
    ("12", 12), (" 7 ", 7), ("2147483647", 2**31 - 1), ("2147483648", None), ("99999999999999999999", None),
    ("0", None), ("-1", None), ("１２", None), ("٣", None), ("1.5", None), ("1e3", None), ("", None), (None, None),
    (True, None), (10**30, None), (5, 5),
])
def test_bounded_int_takes_only_ascii_numbers_the_database_holds(raw, expected):
    from portal.validation import bounded_int

    assert bounded_int(raw) == expected


def test_bounded_int_reads_full_width_digits_typed_into_a_form():
    from portal.validation import bounded_int

    assert bounded_int("１２", minimum=0, nfkc=True) == 12
    assert bounded_int("٣", minimum=0, nfkc=True) is None  # NFKC keeps Arabic-Indic digits: not a number here


@pytest.mark.parametrize("raw", ["１２", "٣", "99999999999999999999", "-1", "0", "1.5"])
def test_api_ids_in_query_strings_and_json_are_ascii_numbers_in_range(app, world: World, raw):
    """The API's id fields read like the web's: "１２" is not 12 (a filter on it would silently match nothing)."""
    client = app.test_client()
    bearer = {"Authorization": f"Bearer {world.a.token_secret}"}
    listed = client.get("/api/v1/t/alpha/communities", query_string={"area_id": raw}, headers=bearer)
    assert listed.status_code == 422 and "area_id" in listed.json["error"]["fields"], listed.text
    before = db_state(app)
    created = client.post("/api/v1/t/alpha/contracts", headers=bearer, json={
        "firm_id": raw, "community_id": world.a.community_id, "start_date": "2030-01-01", "fee_model": "commission"})
    assert created.status_code == 422 and "firm_id" in created.json["error"]["fields"], created.text
    assert changed_tables(before, db_state(app)) == []
