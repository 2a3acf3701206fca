"""The 12345 import: upload → preview (encoding, counts, every bad row) → import all or nothing; tickets with
source 12345 due within 5 working days; the review list; re-import changes nothing."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.extensions import db as _db
from portal.hotline.models import HotlineOrder, OrderState
from portal.tickets.models import Ticket, TicketSource
from tenants import across_tenants
from tenants.roles import Role
from tests.factories import World
from tests.portal.hotline.helpers import confirm, csv_bytes, import_rows, rows_for, token_in, upload, xlsx_bytes
from tests.portal.pages import in_english, page_text
from tests.routewalk import changed_tables, db_state

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def admin(client_as):
    return in_english(client_as(Role.BUREAU_ADMIN, "a"))


def orders(app) -> list[HotlineOrder]:
    with app.app_context(), across_tenants("test reads orders"):
        found = list(_db.session.scalars(sa.select(HotlineOrder).where(HotlineOrder.imported_by_id.is_not(None))
                                         .order_by(HotlineOrder.order_number)))  # not the world's own
        for o in found:
            _db.session.expunge(o)
        _db.session.remove()
    return found


def tickets_of(app, ids) -> dict[int, Ticket]:
    with app.app_context(), across_tenants("test reads tickets"):
        found = {t.id: t for t in _db.session.scalars(sa.select(Ticket).where(Ticket.id.in_(ids)))}
        for t in found.values():
            _db.session.expunge(t)
        _db.session.remove()
    return found


@pytest.mark.parametrize("encoding, bom, label", [("utf-8", True, "UTF-8 (BOM)"), ("gbk", False, "GBK")])
def test_preview_then_import_matches_communities_and_sends_the_rest_to_review(app, world: World, admin, encoding, bom,
                                                                               label):
    preview = upload(admin, "alpha", csv_bytes(rows_for(world.a), encoding=encoding, bom=bom))
    text = page_text(preview.text)
    assert preview.status_code == 200, text
    assert f"encoding detected: {label}" in text
    assert "Tickets to create 2" in " ".join(text.split()) and "To the review list 1" in " ".join(text.split())
    assert "not read and not stored" in text
    assert orders(app) == []  # a preview writes nothing
    done = confirm(admin, "alpha", token_in(preview.text))
    assert done.status_code == 303
    found = orders(app)
    assert [(o.order_number, o.state) for o in found] == [
        ("GD001", OrderState.TICKETED), ("GD002", OrderState.TICKETED), ("GD003", OrderState.REVIEW)]
    tickets = tickets_of(app, [o.ticket_id for o in found if o.ticket_id])
    first = tickets[found[0].ticket_id]
    assert first.source == TicketSource.CITY_HOTLINE and first.community_id == world.a.community_id
    assert first.filed_at == dt.datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI)
    # A complaint category allows 7 working days; a 12345 work order 5: the National Day week and the make-up
    # Saturday (10 October) counted, due at 16:00 on Tuesday 13 October.
    assert first.resolve_due_at == dt.datetime(2026, 10, 13, 16, 0, tzinfo=SHANGHAI)
    assert first.caller_phone == "13800138000" and found[0].caller_phone == ""  # moved to the ticket
    assert found[2].caller_phone == "13900139000"  # kept while in review only
    assert "【12345 GD001】" in first.description
    with app.app_context(), across_tenants("test looks for names"):
        dumped = repr([tuple(r) for r in _db.session.execute(sa.select(HotlineOrder.__table__))])
        dumped += repr([tuple(r) for r in _db.session.execute(sa.select(Ticket.__table__))])
        _db.session.remove()
    assert "张三丰" not in dumped and "李四光" not in dumped  # the caller's name is never stored
    review = admin.get("/t/alpha/hotline/review")
    assert "GD003" in review.text and "139****9000" not in review.text
    order_page = admin.get(f"/t/alpha/hotline/orders/{found[2].id}")
    assert "139****9000" in order_page.text and "13900139000" not in order_page.text
    ticket_page = admin.get(f"/t/alpha/tickets/{first.id}")
    assert "138****8000" in ticket_page.text and "13800138000" not in ticket_page.text


def test_xlsx_with_excel_dates_imports(app, world: World, admin):
    rows = rows_for(world.a)[:1]
    rows[0][1] = dt.datetime(2026, 9, 30, 16, 0)
    done = import_rows(admin, "alpha", xlsx_bytes(rows), "12345.xlsx")
    assert done.status_code == 303
    assert [o.state for o in orders(app)] == [OrderState.TICKETED]


def test_reimport_changes_nothing_and_says_so(app, world: World, admin):
    data = csv_bytes(rows_for(world.a))
    assert import_rows(admin, "alpha", data).status_code == 303
    before = db_state(app)
    preview = upload(admin, "alpha", data)
    text = " ".join(page_text(preview.text).split())
    assert "Imported before 3" in text and "importing it again changes nothing" in text
    # The kept upload is audited (who uploaded what); nothing else is written until the confirmation.
    assert changed_tables(before, db_state(app)) == ["audit_events"]
    before = db_state(app)
    done = confirm(admin, "alpha", token_in(preview.text))
    assert done.status_code == 303
    assert "Nothing changed: all 3 work orders of the file were imported before." in page_text(
        admin.get(done.headers["Location"]).text)
    assert changed_tables(before, db_state(app)) == []


def refused(app, client, data: bytes, name: str = "12345.csv") -> list[tuple[str, str, str]]:
    """Upload a bad file: 400, nothing written; the problems listed as (row, column, problem)."""
    import re

    before = db_state(app)
    response = upload(client, "alpha", data, name)
    assert response.status_code == 400, response.text[:500]
    assert "Nothing was imported" in response.text or "未导入任何数据" in response.text
    assert changed_tables(before, db_state(app)) == []
    body = response.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    cells = re.findall(r"<tr><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td></tr>", body, re.S)
    import html

    return [tuple(html.unescape(c).strip() for c in row) for row in cells]


def test_wrong_header_names_the_columns(app, world: World, admin):
    problems = refused(app, admin, csv_bytes([["GD1", "2026-09-30 16:00", "x"]], header=["编号", "受理时间", "内容"]))
    assert problems[0][0] == "1" and 'Unknown column "编号"' in problems[0][2]
    assert any("工单编号" in p[1] and "missing from the header row" in p[2] for p in problems)
    assert any("诉求内容" in p[1] for p in problems)


def test_ten_thousand_gbk_rows_with_a_bad_row_at_the_end_import_nothing(app, world: World, admin):
    rows = [[f"GD{n:06d}", "2026-09-30 16:00", "投诉", "", "", f"小区{world.a.sentinel}", "", "噪声扰民", "", ""]
            for n in range(9_999)]
    rows.append(["GD999999", "2026-13-40 25:00", "投诉", "", "", "", "", "噪声扰民", "", ""])
    problems = refused(app, admin, csv_bytes(rows, encoding="gbk"))
    assert problems == [("10001", "受理时间", 'Write the time as 2026-11-30 09:15 (year-month-day hour:minute), not '
                                             '"2026-13-40 25:00".')]
    assert orders(app) == []


def test_every_bad_row_is_named_in_chinese(app, world: World, client_as):
    zh = client_as(Role.BUREAU_STAFF, "a")
    rows = rows_for(world.a) + [
        ["", "2026-09-30 16:00", "投诉", "", "", "", "", "内容", "", ""],
        ["GD001", "2026-09-30 16:00", "投诉", "", "", "", "", "内容", "", ""],
        ["GD 9", "昨天", "吐槽", "", "很急", "", "", "", "abc", ""],
    ]
    problems = refused(app, zh, csv_bytes(rows, encoding="gbk"))
    rows_named = [p[0] for p in problems]
    assert rows_named == ["5", "6", "7", "7", "7", "7", "7", "7"], problems
    assert problems[0][1] == "工单编号" and "工单编号" in problems[0][2] or "缺少" in problems[0][2]
    assert all(not any(ch.isascii() and ch.isalpha() for ch in p[2].replace("GD", "").replace("abc", ""))
               for p in problems), problems  # the rules read in Chinese


def test_the_upload_is_bounded_before_anything_is_parsed(app, world: World, admin, monkeypatch):
    from portal.hotline import importing

    def never(*args, **kwargs):
        raise AssertionError("parsed a file over the limit")

    monkeypatch.setattr(importing, "preview_file", never)
    big = b"x" * (10 * 1024 * 1024 + 1)
    response = upload(admin, "alpha", big)
    assert response.status_code in (400, 413)
    assert "larger than 10 MB" in page_text(response.text)


def test_the_readers_stop_a_crafted_file_early(app, world: World, admin):
    long_line = ("GD1," * 5000).encode()
    problems = refused(app, admin, csv_bytes([]) + long_line)
    assert problems and "longer than" in problems[0][2]


def test_a_confirmation_needs_the_uploaders_token(app, world: World, admin, client_as):
    preview = upload(admin, "alpha", csv_bytes(rows_for(world.a)))
    token = token_in(preview.text)
    staff = client_as(Role.BUREAU_STAFF, "a")
    assert confirm(staff, "alpha", token).status_code == 404
    assert orders(app) == []


def test_templates_download_and_reimport_as_one_work_order(app, world: World, admin):
    for fmt in ("csv", "xlsx"):
        got = admin.get(f"/t/alpha/hotline/import/template.{fmt}")
        assert got.status_code == 200 and got.headers["Content-Disposition"].startswith("attachment")
        preview = upload(admin, "alpha", got.data, f"template.{fmt}")
        assert preview.status_code == 200, page_text(preview.text)[:800]
        assert "Work orders in the file 1" in " ".join(page_text(preview.text).split())


def test_matching_by_name_then_by_names_in_the_address():
    from portal.hotline.importing import Matcher
    from portal.hotline.models import MatchProblem

    matcher = Matcher.__new__(Matcher)
    matcher.by_name = {"阳光花园": [1], "阳光花园二期": [2], "金城花园": [3], "重名小区": [4, 5]}
    assert matcher.match("阳光花园", "") == (1, None)
    assert matcher.match(" 阳光花园 二期", "") == (2, None)                   # spaces ignored
    assert matcher.match("", "幸福路阳光花园二期3栋") == (2, None)            # the longer name wins over its part
    assert matcher.match("", "金城花园与阳光花园之间") == (None, MatchProblem.AMBIGUOUS)
    assert matcher.match("重名小区", "") == (None, MatchProblem.AMBIGUOUS)
    assert matcher.match("新城小区", "新城路1号") == (None, MatchProblem.NONE)
