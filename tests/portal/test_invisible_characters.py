"""Names and texts refuse invisible control and format characters: a right-to-left override (U+202E) makes
"张三<U+202E>gpj.exe" read "张三exe.jpg", zero-width characters make two names look the same. Line breaks
only in text areas.

One rule (portal.validation.forbidden_char) behind the forms, the JSON schemas and the roster import.
"""
from __future__ import annotations

import io

import pytest

from portal.validation import forbidden_char, has_control_chars
from tenants.roles import Role
from tests.conftest import csrf_token_for
from tests.factories import World
from tests.portal.pages import field_error, in_english, page_text
from tests.portal.roster.helpers import building_name, csv_bytes
from tests.portal.roster.test_import_pages import problems_table
from tests.routewalk import changed_tables, db_state

REFUSED = {
    "right-to-left override": "\u202e", "left-to-right embedding": "\u202a", "pop directional": "\u202c",
    "left-to-right isolate": "\u2066", "pop isolate": "\u2069", "left-to-right mark": "\u200e",
    "right-to-left mark": "\u200f", "arabic letter mark": "\u061c", "zero-width space": "\u200b",
    "zero-width non-joiner": "\u200c", "zero-width joiner": "\u200d", "byte order mark": "\ufeff",
    "soft hyphen (Cf)": "\u00ad", "NUL": "\x00", "escape": "\x1b", "tab": "\t", "line feed": "\n",
    "carriage return": "\r", "DEL": "\x7f", "C1 control": "\x85", "line separator": "\u2028",
    "private use (Co)": "\ue000", "surrogate (Cs)": "\ud800",
}


@pytest.mark.parametrize("char", REFUSED.values(), ids=REFUSED.keys())
def test_each_invisible_character_is_refused_and_named(char):
    assert forbidden_char(f"张三{char}丰") == char
    assert has_control_chars(f"{char}abc")


@pytest.mark.parametrize("text", ["张三丰", "O'Brien-Smith", "１号楼　甲", "Zoë Ø", "名称 with spaces", "😀", ""])
def test_ordinary_text_passes(text):
    assert forbidden_char(text) is None


def test_line_breaks_only_where_the_field_is_multi_line():
    assert forbidden_char("第一行\r\n第二行") == "\r"
    assert forbidden_char("第一行\r\n第二行", multiline=True) is None
    assert forbidden_char("第一行\n\u202e第二行", multiline=True) == "\u202e"
    assert forbidden_char("a\tb", multiline=True) == "\t"


def test_a_form_names_the_character_and_saves_nothing(app, world: World, client_as):
    admin = in_english(client_as(Role.BUREAU_ADMIN, "a"))
    before = db_state(app)
    response = admin.post("/t/alpha/members/new", data={
        "csrf_token": csrf_token_for(admin), "login": "13800000004", "display_name": "张三\u202egpj.exe",
        "initial_password": "Fresh-Password-2026", "role": "owner", "area_id": "", "firm_id": "", "community_id": ""})
    assert response.status_code == 400
    assert "Remove the invisible character U+202E" in field_error(response.text, "display_name")
    assert changed_tables(before, db_state(app)) == []


def test_a_form_in_chinese_by_default(app, world: World, client_as):
    admin = client_as(Role.BUREAU_ADMIN, "a")
    response = admin.post("/t/alpha/firms/new", data={
        "csrf_token": csrf_token_for(admin), "name": "新\u200b物业", "credit_code": "91370000000000009G"})
    assert response.status_code == 400
    assert "请删除不可见字符 U+200B" in field_error(response.text, "name")


@pytest.mark.parametrize("path, body, field", [
    ("/areas", {"kind": "street", "name": "街道\u202e"}, "name"),
    ("/tokens", {"name": "laptop\u2066"}, "name"),
    ("/firms", {"name": "物业\ufeff", "credit_code": "91370000000000009G"}, "name"),
])
def test_api_schemas_refuse_them_naming_the_field(app, world: World, client_as, path, body, field):
    if path == "/tokens":  # tokens are created from a browser session only
        client = client_as(Role.BUREAU_ADMIN, "a")
        headers = {"X-CSRFToken": csrf_token_for(client)}
    else:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {world.a.token_secret}"}
    before = db_state(app)
    response = client.post(f"/api/v1/t/alpha{path}", json=body, headers={**headers, "Accept-Language": "en"})
    assert response.status_code == 422, response.text
    assert field in response.json["error"]["fields"], response.json
    assert "U+" in " ".join(response.json["error"]["fields"][field])
    assert changed_tables(before, db_state(app)) == []


def test_a_checklist_item_keeps_line_breaks_but_not_overrides(app, world: World):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {world.a.token_secret}"
    url = f"/api/v1/t/alpha/checklists/items/{world.a.item_id}"
    kept = client.patch(url, json={"text_zh": "第一行\n第二行"})
    assert kept.status_code == 200 and kept.json["text_zh"] == "第一行\n第二行"
    refused = client.patch(url, json={"text_zh": "第一行\u202e第二行"}, headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert "U+202E" in " ".join(refused.json["error"]["fields"]["text_zh"])


def test_a_roster_cell_with_an_override_is_refused_naming_row_and_column(app, world: World, client_as):
    admin = in_english(client_as(Role.BUREAU_ADMIN, "a"))
    b = building_name(world.a)
    data = csv_bytes([[b, "1", "301", 3, "80"], [b, "1", "3\u202e02", 3, "80"]])
    url = f"/t/alpha/roster/{world.a.community_id}/import"
    before = db_state(app)
    page = admin.post(url, data={"file": (io.BytesIO(data), "roster.csv"), "csrf_token": csrf_token_for(admin)},
                      content_type="multipart/form-data")
    assert page.status_code == 400
    assert "Nothing was imported" in page_text(page.text)
    assert [(row, column) for row, column, reason in problems_table(page.text)
            if "Remove the invisible character U+202E" in reason] == [("3", "房号")]
    assert changed_tables(before, db_state(app)) == []
