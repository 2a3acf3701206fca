"""The satisfaction list over HTTP: the bureau drafts, edits and publishes; the public reads it with no personal
data; nobody else edits; other tenants see nothing; the JSON API and the Excel export."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from portal.auth.models import User
from portal.extensions import db
from portal.satisfaction import services
from portal.satisfaction.models import SatisfactionList
from tenants.roles import Role
from tests.conftest import csrf_token_for
from tests.portal.satisfaction.helpers import NOW, firm, resolved
from tests.portal.tickets.helpers import in_tenant, user

SECRET_TEXT = "张三丰反映3栋2单元501漏水，电话13812345678，身份证420302199001011234"
SECRETS = ("张三丰", "3栋2单元501", "13812345678", "420302199001011234")


@pytest.fixture
def september(app, world):
    """September 2026 of tenant A: two resolved cases, one describing the owner's name, unit, mobile, ID number;
    the draft made (both chosen)."""
    with app.app_context(), in_tenant(world.a) as tenant:
        import datetime as dt

        owner = db.session.get(User, world.a.users[Role.OWNER])
        owner.display_name = "张三丰"
        at = dt.datetime(2026, 9, 15, 4, tzinfo=dt.timezone.utc)
        f = firm(tenant, "晨光物业", "91420300MA0000001A")
        resolved(tenant, world.a, at=at, rating=5, description=SECRET_TEXT, firm_id=f.id)
        resolved(tenant, world.a, at=at, rating=2, description="电梯异响", firm_id=f.id)
        lst = services.generate_draft(tenant=tenant, actor=user(world.a, Role.BUREAU_ADMIN),
                                      month=dt.date(2026, 9, 1), min_cases=2, min_firm_cases=1, now=NOW)
        list_id = lst.id
        entry_ids = [e.id for e in services.entries_of(lst)]
        db.session.commit()
        db.session.remove()
    return list_id, entry_ids


def _save(client, list_id, texts: dict):
    data = {"csrf_token": csrf_token_for(client, f"/t/alpha/satisfaction-lists/{list_id}"), "entry": list(texts)}
    for entry_id, (problem, outcome) in texts.items():
        data[f"include-{entry_id}"] = "on"
        data[f"problem-{entry_id}"] = problem
        data[f"outcome-{entry_id}"] = outcome
    return client.post(f"/t/alpha/satisfaction-lists/{list_id}", data=data)


def _publish(client, list_id, reason=""):
    return client.post(f"/t/alpha/satisfaction-lists/{list_id}/publish", data={
        "csrf_token": csrf_token_for(client, f"/t/alpha/satisfaction-lists/{list_id}"), "reason": reason})


def test_the_bureau_drafts_a_month_from_the_index(app, world, client_as):
    admin = client_as(Role.BUREAU_STAFF)
    page = admin.get("/t/alpha/satisfaction-lists/")
    assert page.status_code == 200 and "满意度榜单" in page.text
    token = csrf_token_for(admin, "/t/alpha/satisfaction-lists/")
    bad = admin.post("/t/alpha/satisfaction-lists/", data={"csrf_token": token, "month": "2026-13",
                                                          "min_cases": "20", "min_firm_cases": "5"})
    assert bad.status_code == 400 and "2026-10" in bad.text
    future = admin.post("/t/alpha/satisfaction-lists/", data={"csrf_token": token, "month": "2099-01",
                                                             "min_cases": "20", "min_firm_cases": "5"})
    assert future.status_code == 400
    made = admin.post("/t/alpha/satisfaction-lists/", data={"csrf_token": token, "month": "2026-08",
                                                           "min_cases": "20", "min_firm_cases": "5"})
    assert made.status_code == 303
    page = admin.get(made.headers["Location"])
    assert page.status_code == 200 and "2026-08" in page.text
    # The month has no case: said plainly.
    assert "少于" in page.text or "没有" in page.text


def test_edit_warn_refuse_then_publish_and_the_public_sees_no_personal_data(app, world, client_as, september):
    list_id, entry_ids = september
    admin = client_as(Role.BUREAU_ADMIN)
    page = admin.get(f"/t/alpha/satisfaction-lists/{list_id}")
    assert page.status_code == 200
    for secret in SECRETS:
        assert secret not in page.text
    # The editor puts a mobile number back: saved with a warning, publishing refused naming the case and the rule.
    saved = _save(admin, list_id, {entry_ids[0]: ("业主来电13812345678反映漏水", "已修复"),
                                   entry_ids[1]: ("电梯异响", "已检修")})
    assert saved.status_code == 303
    page = admin.get(f"/t/alpha/satisfaction-lists/{list_id}")
    assert "手机号码" in page.text
    refused = _publish(admin, list_id)
    assert refused.status_code == 409
    with app.app_context(), in_tenant(world.a):
        lst = db.session.get(SatisfactionList, list_id)
        reference = services.entries_of(lst)[0].ticket.reference
        assert lst.published_version == 0
    assert reference in refused.text and "手机号码" in refused.text
    assert _save(admin, list_id, {entry_ids[0]: ("业主反映卫生间漏水", "已更换水管"),
                                  entry_ids[1]: ("电梯异响", "已检修")}).status_code == 303
    assert _publish(admin, list_id).status_code == 303
    # Anonymous visitors: the months, the list, the export; no personal data anywhere.
    public = app.test_client()
    months = public.get("/t/alpha/public/satisfaction")
    assert months.status_code == 200 and "/t/alpha/public/satisfaction/2026-09" in months.text
    listed = public.get("/t/alpha/public/satisfaction/2026-09")
    assert listed.status_code == 200 and "晨光物业" in listed.text and "业主反映卫生间漏水" in listed.text
    assert "第 1 名" in listed.text or "第1名" in listed.text
    for secret in SECRETS:
        assert secret not in listed.text
    export = public.get("/t/alpha/public/satisfaction/2026-09/export.xlsx")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.data))
    cells = " ".join(str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row)
    assert "业主反映卫生间漏水" in cells and "晨光物业" in cells
    assert not any(secret in cells for secret in SECRETS)
    # A correction: the reason is required, then shown; version 1 stays readable.
    assert _save(admin, list_id, {entry_ids[0]: ("业主反映卫生间漏水（更正）", "已更换水管"),
                                  entry_ids[1]: ("电梯异响", "已检修")}).status_code == 303
    assert _publish(admin, list_id).status_code == 400
    assert _publish(admin, list_id, reason="更正第一条").status_code == 303
    listed = public.get("/t/alpha/public/satisfaction/2026-09")
    assert "更正第一条" in listed.text and "（更正）" in listed.text
    first = public.get("/t/alpha/public/satisfaction/2026-09?version=1")
    assert first.status_code == 200 and "（更正）" not in first.text
    assert public.get("/t/alpha/public/satisfaction/2026-09?version=9").status_code == 404
    # The API's open data says the same.
    data = public.get("/api/v1/t/alpha/public/satisfaction-lists/2026-09").get_json()
    assert data["version"] == 2 and data["reason"] == "更正第一条" and data["ranking"][0]["rank"] == 1
    assert not any(secret in str(data) for secret in SECRETS)
    assert public.get("/api/v1/t/alpha/public/satisfaction-lists/2026-09?version=1").get_json()["version"] == 1
    months = public.get("/api/v1/t/alpha/public/satisfaction-lists").get_json()
    assert {"month": "2026-09", "version": 2} in months


def test_a_draft_is_not_public(app, world, september):
    public = app.test_client()
    assert public.get("/t/alpha/public/satisfaction/2026-09").status_code == 404
    assert public.get("/t/alpha/public/satisfaction/2026-09/export.xlsx").status_code == 404
    assert public.get("/api/v1/t/alpha/public/satisfaction-lists/2026-09").status_code == 404
    assert public.get("/t/alpha/public/satisfaction/nonsense").status_code == 404


@pytest.mark.parametrize("role", [Role.AREA_OFFICER, Role.FIRM_STAFF, Role.OWNER, Role.COMMITTEE_MEMBER])
def test_other_roles_cannot_see_or_edit_drafts(app, world, client_as, september, role):
    list_id, entry_ids = september
    other = client_as(role)
    assert other.get("/t/alpha/satisfaction-lists/").status_code == 403
    assert other.get(f"/t/alpha/satisfaction-lists/{list_id}").status_code == 403
    token = csrf_token_for(other)
    assert other.post(f"/t/alpha/satisfaction-lists/{list_id}", data={
        "csrf_token": token, "entry": [str(entry_ids[0])], f"problem-{entry_ids[0]}": "x"}).status_code == 403
    assert other.post(f"/t/alpha/satisfaction-lists/{list_id}/publish", data={"csrf_token": token}).status_code == 403
    with app.app_context(), in_tenant(world.a):
        assert db.session.get(SatisfactionList, list_id).published_version == 0


def test_another_tenant_gets_not_found(app, world, client_as, september):
    list_id, _entries = september
    other = client_as(Role.BUREAU_ADMIN, "b")
    assert other.get(f"/t/beta/satisfaction-lists/{list_id}").status_code == 404
    assert other.get(f"/t/alpha/satisfaction-lists/{list_id}").status_code == 404
    # Tenant B's own September list (the world's) says nothing of tenant A's.
    assert "晨光物业" not in app.test_client().get("/t/beta/public/satisfaction/2026-09").text
    assert app.test_client().get("/t/beta/public/satisfaction/2026-11").status_code == 404


def test_the_api_drafts_edits_and_refuses_to_publish_personal_data(app, world, client_as, september):
    list_id, entry_ids = september
    admin = client_as(Role.BUREAU_ADMIN)
    token = csrf_token_for(admin)
    draft = admin.get(f"/api/v1/t/alpha/satisfaction-lists/{list_id}")
    assert draft.status_code == 200 and len(draft.get_json()["entries"]) == 2
    edited = admin.patch(f"/api/v1/t/alpha/satisfaction-lists/{list_id}", headers={"X-CSRFToken": token},
                         json={"entries": [{"id": entry_ids[0], "problem_text": "找3栋2单元501的李先生"}]})
    assert edited.status_code == 200
    entry = next(e for e in edited.get_json()["entries"] if e["id"] == entry_ids[0])
    assert entry["findings"] == ["unit"]
    refused = admin.post(f"/api/v1/t/alpha/satisfaction-lists/{list_id}/publish", headers={"X-CSRFToken": token}, json={})
    assert refused.status_code == 409 and entry["reference"] in refused.get_json()["error"]["message"]
    again = admin.post("/api/v1/t/alpha/satisfaction-lists", headers={"X-CSRFToken": token}, json={"month": "2026-09"})
    assert again.status_code == 409
    owner = client_as(Role.OWNER)
    assert owner.get(f"/api/v1/t/alpha/satisfaction-lists/{list_id}").status_code == 403
