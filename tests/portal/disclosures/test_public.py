"""The public side: front-door search, the board page (ETag, 304, cache), history and diff, verification,
poster with its QR code, open data (CSV, XLSX, JSON), and never an owner's personal data."""
from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from portal.extensions import db
from tests.portal.disclosures.helpers import in_tenant, publish_all, tenant_of


@pytest.fixture
def board(app, world):
    with app.app_context(), in_tenant(world.a):
        board = publish_all(tenant_of(world.a))
        db.session.commit()
        return {"id": board.id, "community_id": board.community_id, "head": board.head_hash}


def test_home_is_the_front_door_with_search(app, world, board, client):
    assert 'type="search"' in client.get("/t/alpha/").text  # the plain front door: the search box
    home = client.get("/t/alpha/?page=1")
    assert home.status_code == 200 and "新小区" in home.text and f"小区{world.a.sentinel}" in home.text
    assert "/t/alpha/board/" in home.text
    found = client.get("/t/alpha/?q=新小区")
    assert "新小区" in found.text and f"小区{world.a.sentinel}" not in found.text
    by_firm = client.get(f"/t/alpha/?q=物业{world.a.sentinel}")  # the firm's name finds both its communities
    assert "新小区" in by_firm.text and f"小区{world.a.sentinel}" in by_firm.text
    by_street = client.get(f"/t/alpha/?q=街道{world.a.sentinel}")
    assert "新小区" in by_street.text
    assert client.get("/t/alpha/?q=" + "x" * 101).status_code == 400


def test_board_page_etag_and_conditional_request(app, board, client):
    url = f"/t/alpha/board/{board['community_id']}/"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    assert "public" in first.headers["Cache-Control"]
    assert "85" in first.text or "0.85" in first.text
    assert "12358" in first.text and "<script" not in first.text
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_history_diff_and_verify(app, world, board, client):
    history = client.get(f"/t/alpha/board/{world.a.community_id}/history")
    assert history.status_code == 200
    version = client.get(f"/t/alpha/boards/{world.a.board_id}/versions/{world.a.board_seq}")
    assert version.status_code == 200
    assert "0635-0000000" in version.text and "0635-1111111" in version.text and 'class="changed"' in version.text
    assert client.get(f"/t/alpha/boards/{world.a.board_id}/versions/99").status_code == 404
    etag = version.headers["ETag"]
    assert client.get(f"/t/alpha/boards/{world.a.board_id}/versions/{world.a.board_seq}",
                      headers={"If-None-Match": etag}).status_code == 304
    verify = client.get(f"/t/alpha/board/{board['community_id']}/verify")
    assert verify.status_code == 200 and "12" in verify.text


def test_poster_carries_a_qr_code_to_the_online_board(app, board, client):
    poster = client.get(f"/t/alpha/board/{board['community_id']}/poster")
    assert poster.status_code == 200 and "<svg" in poster.text
    assert f"/t/alpha/board/{board['community_id']}/" in poster.text


def test_open_data_csv_xlsx_json(app, board, client):
    rows = list(csv.reader(io.StringIO(client.get(f"/t/alpha/board/{board['community_id']}/export.csv").text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["community", "firm", "contract_id"]
    prices = [r for r in rows if r[10] == "price_fen"]
    assert prices and prices[0][12] == "0.85"
    workbook = load_workbook(io.BytesIO(client.get("/t/alpha/boards/export.xlsx").data), read_only=True)
    assert workbook.active.max_row > 20 if workbook.active.max_row else True
    api = client.get(f"/api/v1/t/alpha/boards/{board['community_id']}")
    assert api.status_code == 200 and api.json["boards"][0]["head_hash"] == board["head"]
    fees = next(s for s in api.json["boards"][0]["sections"] if s["section"] == "fees")
    assert fees["content"]["rows"][0]["price_fen"] == 85
    listing = client.get("/api/v1/t/alpha/boards?q=新小区")
    assert listing.status_code == 200 and listing.json[0]["name"] == "新小区"
    assert json.loads(listing.headers["X-Pagination"])["total"] == 1
    versions = client.get(f"/api/v1/t/alpha/boards/{board['community_id']}/versions?page_size=5")
    assert versions.status_code == 200 and len(versions.json) == 5


def test_no_personal_data_of_owners_on_public_pages(app, world, board, client):
    """The owner's name, the unit, the committee's members and the claim code never reach a public page."""
    private = [f"owner-{world.a.sentinel}", f"主任{world.a.sentinel}", world.a.claim_code, f"1号楼{world.a.sentinel}",
               "6222020000001234567"]
    urls = ["/t/alpha/", f"/t/alpha/board/{world.a.community_id}/", f"/t/alpha/board/{world.a.community_id}/history",
            f"/t/alpha/boards/{world.a.board_id}/versions/{world.a.board_seq}", f"/t/alpha/board/{world.a.community_id}/poster",
            f"/t/alpha/board/{world.a.community_id}/export.csv", "/t/alpha/boards/export.csv",
            f"/api/v1/t/alpha/boards/{world.a.community_id}", "/api/v1/t/alpha/boards",
            f"/api/v1/t/alpha/boards/{world.a.community_id}/versions"]
    for url in urls:
        body = client.get(url).get_data(as_text=True)
        assert not [p for p in private if p in body or json.dumps(p)[1:-1] in body], url


def test_front_door_holds_at_city_scale(app, world, client):
    """3,500 communities: one page of 20, the total counted by the database, a search narrows it."""
    from tests.portal import bulk

    bulk.in_tenant(app, world.a, lambda: bulk.communities(world.a, 3500, "城区小区"))
    page = client.get("/t/alpha/?page=1")
    assert page.status_code == 200 and "3501" in page.text.replace(",", "")
    assert page.text.count('href="/t/alpha/board/') == 20
    last = client.get("/t/alpha/?page=176")
    assert last.status_code == 200 and last.text.count('href="/t/alpha/board/') == 1
    found = client.get("/t/alpha/?q=城区小区3499")
    assert found.text.count('href="/t/alpha/board/') == 1
    api = client.get("/api/v1/t/alpha/boards?q=城区小区&page_size=100")
    assert api.status_code == 200 and len(api.json) == 100
