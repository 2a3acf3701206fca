"""Export in the import format (re-imports as all unchanged), the community list and the units pages."""
from __future__ import annotations

import io
import re

import pytest

from tenants.roles import Role
from tests.conftest import csrf_token_for
from tests.factories import World
from tests.portal.pages import in_english, page_text
from tests.portal.roster.helpers import building_name, csv_bytes, units_of
from tests.portal.roster.test_import_pages import confirm, token_in, upload


@pytest.fixture
def admin(client_as):
    return in_english(client_as(Role.BUREAU_ADMIN, "a"))


def seed_units(admin, world: World, count: int = 120) -> None:
    b = building_name(world.a)
    rows = [[b, "3", f"{n:04d}", n % 30 + 1, f"{50 + n % 70}.{n % 100:02d}"] for n in range(count)]
    page = upload(admin, world, csv_bytes(rows))
    assert confirm(admin, world, token_in(page.text)).status_code == 303


def test_csv_export_has_a_bom_chinese_headers_and_reimports_unchanged(app, world: World, admin):
    seed_units(admin, world)
    response = admin.get(f"/t/alpha/roster/{world.a.community_id}/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf" + "楼栋,单元,房号,楼层,建筑面积\r\n".encode())
    text = data.decode("utf-8-sig")
    assert f"{building_name(world.a)},1,101,1,88.50" in text
    assert len(text.strip().splitlines()) == 1 + 122
    before = units_of(app, world.a.community_id)
    page = upload(admin, world, data, name="export.csv")
    assert page.status_code == 200
    assert re.search(r"New units\s+0\s+Updated units\s+0\s+Unchanged\s+122", page_text(page.text)), page_text(page.text)
    assert "encoding detected: UTF-8 (BOM)" in page_text(page.text)
    assert confirm(admin, world, token_in(page.text)).status_code == 303
    assert units_of(app, world.a.community_id) == before


def test_xlsx_export_reimports_unchanged(app, world: World, admin):
    from openpyxl import load_workbook

    seed_units(admin, world, 30)
    response = admin.get(f"/t/alpha/roster/{world.a.community_id}/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    data = response.get_data()
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("楼栋", "单元", "房号", "楼层", "建筑面积")
    assert rows[1][:4] == (building_name(world.a), "1", "101", 1)  # rooms stay text
    page = upload(admin, world, data, name="export.xlsx")
    assert re.search(r"New units\s+0\s+Updated units\s+0\s+Unchanged\s+32", page_text(page.text)), page_text(page.text)


def test_index_lists_communities_with_unit_counts_and_links(app, world: World, admin, client_as):
    page = admin.get("/t/alpha/roster/")
    assert page.status_code == 200
    text = page_text(page.text)
    assert f"小区{world.a.sentinel}" in text and world.b.sentinel not in page.text
    assert re.search(rf"小区{world.a.sentinel}.*?\s2\s", text, re.S)
    assert f'/t/alpha/roster/{world.a.community_id}/import' in page.text
    # Viewers see the units read-only: no import or export links.
    officer = in_english(client_as(Role.AREA_OFFICER, "a"))
    page = officer.get("/t/alpha/roster/")
    assert page.status_code == 200 and f"/roster/{world.a.community_id}/units" in page.text
    assert "/import" not in page.text and "/export" not in page.text
    assert officer.get(f"/t/alpha/roster/{world.a.community_id}/units").status_code == 200
    assert officer.get(f"/t/alpha/roster/{world.a.community_id}/import").status_code == 403
    assert officer.get(f"/t/alpha/roster/{world.a.community_id}/export.csv").status_code == 403


def test_owner_cannot_see_rosters(client_as, world: World):
    owner = client_as(Role.OWNER, "a")
    assert owner.get("/t/alpha/roster/").status_code == 403
    assert owner.get(f"/t/alpha/roster/{world.a.community_id}/units").status_code == 403


def test_units_are_paginated_and_filterable_by_building(app, world: World, admin):
    seed_units(admin, world, 120)
    url = f"/t/alpha/roster/{world.a.community_id}/units"
    first = page_text(admin.get(url).text)
    assert "1–50 of 122" in first and "1 / 3" in first
    assert "101" in first
    last = admin.get(url + "?page=3")
    assert last.status_code == 200 and "3 / 3" in page_text(last.text)
    assert admin.get(url + "?page=4").status_code == 404
    filtered = admin.get(url + f"?building={world.a.building_id}")
    assert "of 122" in page_text(filtered.text)
    searched = page_text(admin.get(url + "?q=0119").text)
    assert "1–1 of 1" in searched  # the room numbers are searched
    assert admin.get(url + f"?building={world.b.building_id}").status_code == 404
    assert admin.get(url + "?building=abc").status_code == 404
    assert admin.get(url + "?page=abc").status_code == 200  # a junk page number shows page 1


def test_get_import_page_shows_the_form(world: World, admin):
    page = admin.get(f"/t/alpha/roster/{world.a.community_id}/import")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text and 'type="file"' in page.text
    assert '<label for="file">' in page.text
    assert csrf_token_for(admin)


@pytest.mark.parametrize("roster_format", ["csv", "xlsx"])
def test_exports_are_never_stored_by_a_browser_or_proxy(app, world: World, admin, roster_format):
    response = admin.get(f"/t/alpha/roster/{world.a.community_id}/export.{roster_format}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
