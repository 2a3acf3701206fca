"""The import pages: upload → preview (encoding, counts, every bad row) → import all or nothing."""
from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.extensions import db as _db
from tenants import across_tenants
from tenants.roles import Role
from tests.conftest import csrf_token_for, table_snapshot
from tests.factories import World
from tests.portal.pages import in_english, page_text
from tests.portal.roster.helpers import HEADER_EN, building_name, csv_bytes, units_of, xlsx_bytes
from tests.routewalk import changed_tables, db_state


def upload(client, world: World, data: bytes, name: str = "roster.csv", key: str = "a", slug: str | None = None):
    w = world[key]
    url = f"/t/{slug or w.slug}/roster/{w.community_id}/import"
    return client.post(url, data={"file": (io.BytesIO(data), name), "csrf_token": csrf_token_for(client)},
                       content_type="multipart/form-data")


def token_in(page: str) -> str:
    match = re.search(r'name="upload"[^>]*value="([0-9a-f]{32})"|value="([0-9a-f]{32})"[^>]*name="upload"', page)
    assert match, "the preview has no import button"
    return match.group(1) or match.group(2)


def confirm(client, world: World, token: str, key: str = "a", slug: str | None = None):
    w = world[key]
    url = f"/t/{slug or w.slug}/roster/{w.community_id}/import/confirm"
    return client.post(url, data={"upload": token, "csrf_token": csrf_token_for(client)})


@pytest.fixture
def admin(client_as):
    return in_english(client_as(Role.BUREAU_ADMIN, "a"))


def good_rows(world: World) -> list[list]:
    b = building_name(world.a)
    return [[b, "1", "101", 1, "88.50"],          # the world's unit, identical → unchanged
            [b, "1", "102", 1, "95.00"],          # the world's second unit, new area → update
            [b, "2", "201", 2, "70.25"],          # new
            [b, "", "301", "", "60"]]             # new, no entrance, no floor


def imported_events(app) -> list[AuditEvent]:
    with app.app_context(), across_tenants("test reads audit"):
        rows = list(_db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "roster.imported")))
        _db.session.remove()
    return rows


@pytest.mark.parametrize("encoding, bom, label", [("utf-8", False, "UTF-8"), ("utf-8", True, "UTF-8 (BOM)"),
                                                  ("gbk", False, "GBK")])
def test_good_csv_previews_then_imports(app, world: World, admin, encoding, bom, label):
    data = csv_bytes(good_rows(world), encoding=encoding, bom=bom)
    before = db_state(app)
    page = upload(admin, world, data)
    assert page.status_code == 200, page_text(page.text)
    text = page_text(page.text)
    assert f"encoding detected: {label}" in text
    assert re.search(r"Rows in the file\s+4\s+New units\s+2\s+Updated units\s+1\s+Unchanged\s+1", text), text
    assert "missing from this file are kept, not deleted" in text
    # The preview wrote nothing to the units; it only audited the kept upload.
    assert changed_tables(before, db_state(app)) == ["audit_events"]

    response = confirm(admin, world, token_in(page.text))
    assert response.status_code == 303
    done = admin.get(response.headers["Location"])
    assert "Roster imported: 2 new, 1 updated, 1 unchanged." in page_text(done.text)
    units = units_of(app, world.a.community_id)
    assert units[("1", "101")] == (1, Decimal("88.50"))
    assert units[("1", "102")] == (1, Decimal("95.00"))
    assert units[("2", "201")] == (2, Decimal("70.25"))
    assert units[("", "301")] == (None, Decimal("60.00"))
    events = imported_events(app)
    assert len(events) == 1 and '"inserted": 2' in events[0].after and '"updated": 1' in events[0].after


def test_good_xlsx_with_english_headers_and_numeric_cells(app, world: World, admin):
    b = building_name(world.a)
    data = xlsx_bytes([[b, 1, 101, 1, 88.5], [b, 3, 301, 3, 101.75]], header=HEADER_EN)
    page = upload(admin, world, data, name="名单.xlsx")
    assert page.status_code == 200, page_text(page.text)
    assert "Excel workbook (XLSX)" in page_text(page.text)
    assert confirm(admin, world, token_in(page.text)).status_code == 303
    units = units_of(app, world.a.community_id)
    assert units[("1", "101")] == (1, Decimal("88.50"))  # 88.5 from Excel equals the stored 88.50: unchanged
    assert units[("3", "301")] == (3, Decimal("101.75"))


def test_reimport_of_the_same_file_changes_nothing(app, world: World, admin):
    data = csv_bytes(good_rows(world), encoding="gbk")
    assert confirm(admin, world, token_in(upload(admin, world, data).text)).status_code == 303
    after_first = db_state(app)
    page = upload(admin, world, data)
    assert re.search(r"New units\s+0\s+Updated units\s+0\s+Unchanged\s+4", page_text(page.text))
    response = confirm(admin, world, token_in(page.text))
    assert response.status_code == 303
    assert "0 new, 0 updated, 4 unchanged" in page_text(admin.get(response.headers["Location"]).text)
    # Only the audit of the second upload; units untouched, no second roster.imported event.
    assert changed_tables(after_first, db_state(app)) == ["audit_events"]
    assert len(imported_events(app)) == 1


def test_an_area_update_is_imported_and_audited(app, world: World, admin):
    b = building_name(world.a)
    page = upload(admin, world, csv_bytes([[b, "1", "101", 1, "89.10"]]))
    assert re.search(r"Updated units\s+1", page_text(page.text))
    assert confirm(admin, world, token_in(page.text)).status_code == 303
    assert units_of(app, world.a.community_id)[("1", "101")] == (1, Decimal("89.10"))
    assert units_of(app, world.a.community_id)[("1", "102")] == (1, Decimal("90.25"))  # not in the file: kept
    assert '"updated": 1' in imported_events(app)[0].after


def problems_table(page: str) -> list[tuple[str, str, str]]:
    body = page.split("Problems in the file", 1)[1]
    cells = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", body, re.S)
    return [tuple(page_text(c).strip() for c in row) for row in cells]


def refused(app, admin, world: World, data: bytes, name: str = "roster.csv"):
    """Upload a bad roster: 400, a table of problems, and nothing written anywhere."""
    before = table_snapshot(app)
    state = db_state(app)
    page = upload(admin, world, data, name=name)
    assert page.status_code == 400, page_text(page.text)[:500]
    assert 'name="upload"' not in page.text  # no import button
    assert "Nothing was imported" in page_text(page.text)
    assert table_snapshot(app) == before and changed_tables(state, db_state(app)) == []
    return problems_table(page.text)


def test_wrong_header_is_refused_naming_the_columns(app, world: World, admin):
    rows = refused(app, admin, world, csv_bytes([["1号楼", "101", "88"]], header=["楼号码", "房号", "面积", "备注"]))
    reasons = " | ".join(r[2] for r in rows)
    assert all(r[0] == "1" for r in rows)
    assert 'Unknown column "楼号码"' in reasons and 'Unknown column "备注"' in reasons
    assert 'The required column "楼栋" (building) is missing' in reasons


def test_missing_header_row_is_refused(app, world: World, admin):
    b = building_name(world.a)
    rows = refused(app, admin, world, csv_bytes([[b, "1", "101", 1, "88.50"]], header=None))
    assert rows and rows[0][0] == "1" and "Unknown column" in rows[0][2]


def test_gbk_file_with_bad_areas_duplicates_and_unknown_buildings(app, world: World, admin):
    b = building_name(world.a)
    data = csv_bytes([
        [b, "1", "501", 5, "88.505"],        # row 2: three decimals
        [b, "1", "502", "五", "-3"],          # row 3: floor not a number, area negative
        [b, "1", "503", 5, "abc"],           # row 4: area not a number
        [b, "1", "504", 5, ""],              # row 5: area missing
        [b, "1", "505", 5, "10000"],         # row 6: area too large
        [b, "1", "506", 5, "66"],            # row 7: fine
        [b, "1", "506", 5, "66"],            # row 8: duplicate of row 7
        ["9号楼", "1", "101", 1, "70"],       # row 9: unknown building
        ["", "1", "507", 5, "70"],           # row 10: building missing
        [b, "1", "", 5, "70"],               # row 11: room missing
        [b, "1", "508", 5, "70", "extra"],   # row 12: too many cells
    ], encoding="gbk")
    rows = refused(app, admin, world, data)
    by_row = {}
    for row, column, reason in rows:
        by_row.setdefault(int(row), []).append((column, reason))
    assert "more than 2 decimal places" in by_row[2][0][1] and by_row[2][0][0] == "建筑面积"
    assert {c for c, _ in by_row[3]} == {"楼层", "建筑面积"}
    assert "whole number" in dict(by_row[3])["楼层"] and "more than 0" in dict(by_row[3])["建筑面积"]
    assert "must be a number" in by_row[4][0][1]
    assert "Missing" in by_row[5][0][1]
    assert "less than 10,000" in by_row[6][0][1]
    assert 7 not in by_row
    assert "Duplicate" in by_row[8][0][1] and "row 7" in by_row[8][0][1]
    assert by_row[9] == [("楼栋", 'The building "9号楼" is not registered for this community.')]
    assert by_row[10][0][0] == "楼栋" and "Missing" in by_row[10][0][1]
    assert by_row[11][0][0] == "房号" and "Missing" in by_row[11][0][1]
    assert "more cells" in by_row[12][0][1]


def test_unknown_building_lists_the_registered_ones(app, world: World, admin):
    page = upload(admin, world, csv_bytes([["9号楼", "1", "101", 1, "70"]], encoding="gbk"))
    assert page.status_code == 400
    text = page_text(page.text)
    assert "encoding detected: GBK" in text
    assert "Buildings not registered for this community: 9号楼." in text
    assert f"Registered buildings: {building_name(world.a)}." in text


def test_ten_thousand_rows_with_one_bad_row_at_the_end_import_nothing(app, world: World, admin):
    b = building_name(world.a)
    rows = [[b, str(e), f"{f}{d:02d}", f, "80.00"] for e in range(2, 18) for f in range(1, 26) for d in range(1, 26)]
    rows = rows[:9_999] + [[b, "9", "999", 9, "80.000"]]
    assert len(rows) == 10_000
    problems = refused(app, admin, world, csv_bytes(rows, encoding="gbk"))
    assert problems == [("10001", "建筑面积", 'The floor area "80.000" has more than 2 decimal places.')]
    assert len(units_of(app, world.a.community_id)) == 2


def test_registry_change_between_preview_and_import_imports_nothing(app, world: World, admin):
    """The import validates again: a building renamed after the preview makes the whole import fail."""
    from portal.communities.models import Building
    from tenants.models import Tenant

    b = building_name(world.a)
    page = upload(admin, world, csv_bytes([[b, "7", "701", 7, "70"]]))
    token = token_in(page.text)
    with app.app_context(), across_tenants("test renames a building"):
        _db.session.execute(sa.update(Building).where(Building.id == world.a.building_id).values(name="改名楼"))
        _db.session.commit()
    before = table_snapshot(app)
    response = confirm(admin, world, token)
    assert response.status_code == 400
    assert 'The building "%s" is not registered' % b in page_text(response.text)
    assert table_snapshot(app) == before
    assert Tenant  # imported for clarity of the scenario


@pytest.mark.parametrize("label, data, name, message", [
    ("empty file", b"", "roster.csv", "The file is empty."),
    ("html renamed .csv", b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>\n",
     "roster.csv", "This file is a web page (HTML), not CSV or XLSX."),
    ("binary", bytes(range(256)) * 40, "roster.csv", "This is a binary file, not CSV text"),
    ("png renamed", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "roster.csv", "This file is actually a PNG image"),
    ("png as .xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "roster.xlsx", "This file is actually a PNG image"),
    ("pdf as .xlsx", b"%PDF-1.7\n" + b"\x00" * 100, "roster.xlsx", "This file is actually a PDF document"),
    ("old excel", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "roster.xls", "Old Excel files (.xls) are not supported"),
    ("utf-16", "楼栋,房号,建筑面积\r\n".encode("utf-16"), "roster.csv", "UTF-16 text is not supported"),
    ("damaged xlsx", b"PK\x03\x04" + b"junk" * 100, "roster.xlsx", "damaged"),
    ("zip not xlsx", None, "roster.xlsx", "not an Excel workbook"),
    ("huge line", b"\xe6\xa5\xbc\xe6\xa0\x8b,\xe6\x88\xbf\xe5\x8f\xb7,\xe5\xbb\xba\xe7\xad\x91\xe9\x9d\xa2\xe7\xa7\xaf\r\n"
     + b"a" * 3_000_000 + b"\r\n", "roster.csv", "Row 2 is longer than 4096 characters"),
    ("undecodable bytes", "楼栋,房号,建筑面积\r\n".encode("utf-8") + b"\xff\xfe\xfd,101,80\r\n", "roster.csv",
     "Line 2 is neither UTF-8 nor GBK/GB18030"),
    ("header only", "楼栋,房号,建筑面积\r\n".encode("utf-8"), "roster.csv", "has a header row but no units"),
])
def test_junk_uploads_get_a_clear_message_and_change_nothing(app, world: World, admin, label, data, name, message):
    if data is None:
        buffer = io.BytesIO()
        import zipfile

        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "hi")
        data = buffer.getvalue()
    rows = refused(app, admin, world, data, name=name)
    assert any(message in reason for _row, _col, reason in rows), rows


def test_no_file_or_a_text_field_instead_of_a_file(app, world: World, admin):
    url = f"/t/alpha/roster/{world.a.community_id}/import"
    token = csrf_token_for(admin, url)
    for data in ({"csrf_token": token}, {"csrf_token": token, "file": "楼栋,房号,建筑面积"}):
        response = admin.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code == 400
        assert 'id="file-error">Choose the roster file to upload.' in response.text


def test_a_file_over_the_request_limit_is_refused_clearly(app, world: World, admin):
    before = table_snapshot(app)
    response = upload(admin, world, b"a" * (10 * 1024 * 1024 + 10))
    assert response.status_code == 413
    assert "larger than 10 MB" in page_text(response.text)
    assert table_snapshot(app) == before


def test_upload_token_is_bound_to_user_community_and_tenant(app, world: World, admin, client_as):
    from tests.portal.roster.helpers import stage_upload

    data = csv_bytes([[building_name(world.a), "8", "801", 8, "80"]])
    token = token_in(upload(admin, world, data).text)
    before = table_snapshot(app)
    # Another bureau user of the same tenant cannot use it.
    staff = in_english(client_as(Role.BUREAU_STAFF, "a"))
    response = confirm(staff, world, token)
    assert response.status_code == 404 and "no longer available" in page_text(response.text)
    # Tenant B's administrator cannot, neither under A's slug nor under B's.
    other = in_english(client_as(Role.BUREAU_ADMIN, "b"))
    assert confirm(other, world, token).status_code == 404
    assert confirm(other, world, token, slug="beta").status_code == 404
    # A token staged for B's community under B's tenant is not A's either.
    b_token = stage_upload(app, world.b)
    assert confirm(admin, world, b_token).status_code == 404
    # Nor is a made-up token.
    assert confirm(admin, world, "f" * 32).status_code == 404
    assert table_snapshot(app) == before
    # The owner can still use it, once.
    assert confirm(admin, world, token).status_code == 303
    assert ("8", "801") in units_of(app, world.a.community_id)
    assert confirm(admin, world, token).status_code == 404


def test_kept_uploads_live_in_a_tenant_folder_under_a_random_name(app, world: World, admin):
    from pathlib import Path

    data = csv_bytes([[building_name(world.a), "8", "802", 8, "80"]])
    token = token_in(upload(admin, world, data, name="../../evil name.csv").text)
    folder = Path(app.instance_path) / "roster_uploads" / f"t{world.a.tenant_id}"
    kept = folder / f"{token}.upload"
    assert kept.read_bytes() == data
    assert not any("evil" in p.name for p in folder.iterdir())
    confirm(admin, world, token)
    assert not kept.exists()


def test_expired_uploads_are_refused_and_deleted(app, world: World, admin, monkeypatch):
    import datetime as dt

    from portal.roster import uploads

    data = csv_bytes([[building_name(world.a), "8", "803", 8, "80"]])
    # The upload's age is measured from a fixed time, not the real clock. Only the upload store's
    # clock is set: the administrator's session was opened at the real time and must stay valid.
    uploaded_at = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.timezone.utc)
    monkeypatch.setattr(uploads, "_now", lambda: uploaded_at)
    token = token_in(upload(admin, world, data).text)
    monkeypatch.undo()
    with app.app_context():
        kept = uploads.tenant_dir(world.a.tenant_id) / f"{token}.upload"
        assert uploads.purge_expired(now=uploaded_at + uploads.EXPIRY / 2) == 0
        assert kept.exists()
        assert uploads.purge_expired(now=uploaded_at + uploads.EXPIRY * 2) >= 1
    assert not kept.exists()
    assert confirm(admin, world, token).status_code == 404


def test_markup_in_the_file_is_shown_as_text(app, world: World, admin):
    payload = "<script>alert(1)</script>"
    data = csv_bytes([[payload, "1", "101", 1, "80"], [building_name(world.a), "1", "109", 1, payload]],
                     header=["楼栋", "单元", "房号", "楼层", "建筑面积"])
    page = upload(admin, world, data)
    assert page.status_code == 400
    assert payload not in page.text
    assert "&lt;script&gt;" in page.text
    header_payload = upload(admin, world, csv_bytes([], header=["楼栋", "房号", "建筑面积", payload]))
    assert payload not in header_payload.text and "&lt;script&gt;" in header_payload.text


def test_csv_named_xlsx_is_read_as_csv_and_the_preview_says_so(app, world: World, admin):
    page = upload(admin, world, csv_bytes(good_rows(world)), name="roster.xlsx")
    assert page.status_code == 200, page_text(page.text)
    text = page_text(page.text)
    assert "This file is actually CSV text, although its name ends in .xlsx" in text
    plain = page_text(upload(admin, world, csv_bytes(good_rows(world))).text)
    assert "actually" not in plain


def test_full_width_digits_and_english_unit_header_import(app, world: World, admin):
    b = building_name(world.a)
    rows = [[b, "１", "１０１", "１", "８８．５０"], [b, "２", "２０１", "２", "９０．５"]]
    page = upload(admin, world, csv_bytes(rows, header=["building", "unit", "room", "floor", "area"]))
    assert page.status_code == 200, page_text(page.text)
    assert confirm(admin, world, token_in(page.text)).status_code in (302, 303)
    units = units_of(app, world.a.community_id)
    assert units[("2", "201")] == (2, Decimal("90.50"))


def test_room_numbers_with_emoji_are_refused(app, world: World, admin):
    b = building_name(world.a)
    rows = refused(app, admin, world, csv_bytes([[b, "1", "101🏠", 1, "88.5"], [b, "1", "10\u200d2", 1, "88.5"]]))
    reasons = " ".join(reason for _row, _col, reason in rows)
    assert "Remove the symbol 🏠 (U+1F3E0)" in reasons and "U+200D" in reasons


def test_the_import_page_lists_the_accepted_headers(world: World, admin):
    text = page_text(admin.get(f"/t/alpha/roster/{world.a.community_id}/import").text)
    assert "Accepted headers" in text
    for name in ("楼栋", "building", "单元", "unit", "房号", "room", "建筑面积", "floor_area"):
        assert name in text
