"""The public ledger page and open data: no sign-in, individuals masked, no notes, no vouchers, no owners;
CSV/XLSX cells never run as formulas; the JSON API is in the OpenAPI document."""
from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from freezegun import freeze_time
from openpyxl import load_workbook

from portal.extensions import db
from portal.ledger import statements
from portal.ledger.models import LedgerEntry
from tenants import tenant_scope
from tenants.models import Tenant
from tenants.roles import Role
from tests.factories import World
from tests.portal.ledger.helpers import entry_form, signed_in, token_of


def test_the_public_page_masks_people_and_shows_no_notes_or_vouchers(app, world: World):
    page = app.test_client().get(f"/t/alpha/revenue/{world.a.community_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "李**" in text and "张**" in text
    for public_name in (f"小区{world.a.sentinel}", f"物业{world.a.sentinel}", f"alpha县住建局{world.a.sentinel}"):
        text = text.replace(public_name, "")
    assert world.a.sentinel not in text
    assert "/vouchers/" not in text and "<script" not in text
    assert "1,234.50" in text and "2026Q1" in text
    assert page.headers["Cache-Control"].startswith("public")


def test_open_data_files_mask_people_and_neutralise_formulas(app, world: World):
    with freeze_time("2026-08-15 02:00:00"):
        firm = signed_in(app, world.a.logins[Role.FIRM_STAFF])
        url = f"/t/alpha/ledger/communities/{world.a.community_id}/entries/new"
        data = {**entry_form(counterparty="=HYPERLINK(\"http://x\")"), "csrf_token": token_of(firm, url)}
        assert firm.post(url, data=data).status_code == 303
    client = app.test_client()
    raw = client.get(f"/t/alpha/revenue/{world.a.community_id}/entries.csv")
    assert raw.status_code == 200 and raw.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(raw.get_data(as_text=True).lstrip("\ufeff"))))
    body = "\n".join(",".join(r) for r in rows[1:])
    assert world.a.sentinel not in body.replace(f"小区{world.a.sentinel}", "")
    assert "'=HYPERLINK" in body and "\n=" not in body
    assert any(r[4] == "5000.00" for r in rows[1:])
    book = load_workbook(io.BytesIO(client.get(f"/t/alpha/revenue/{world.a.community_id}/entries.xlsx").data))
    cells = [c.value for row in book.active.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://x\")" in cells and not any(isinstance(v, str) and v.startswith("=") for v in cells)
    statements_csv = client.get("/t/alpha/revenue/statements.csv").get_data(as_text=True)
    assert "2026Q1" in statements_csv and "1234.50" in statements_csv and world.a.sentinel not in statements_csv.replace(
        f"小区{world.a.sentinel}", "")
    assert client.get("/t/alpha/revenue/statements.xlsx").status_code == 200
    assert client.get("/t/alpha/revenue/entries.csv").status_code == 200


def test_the_json_api_is_public_and_documented(app, world: World):
    client = app.test_client()
    entries = client.get(f"/api/v1/t/alpha/public/ledger/communities/{world.a.community_id}/entries")
    assert entries.status_code == 200
    assert {e["counterparty"] for e in entries.json} == {"张**", "李**"}
    assert all(isinstance(e["amount_fen"], int) for e in entries.json)
    assert entries.json[0]["amount_yuan"] == "5000.00"
    signed = client.get(f"/api/v1/t/alpha/public/ledger/communities/{world.a.community_id}/statements").json
    assert signed[0]["quarter"] == 1 and signed[0]["closing_fen"] == 123450 and world.a.sentinel not in str(signed)
    assert client.get("/api/v1/t/alpha/public/ledger/statements").status_code == 200
    assert client.get(f"/api/v1/t/beta/public/ledger/communities/{world.a.community_id}/entries").status_code == 404
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/api/v1/t/{tenant_slug}/public/ledger/communities/{community_id}/entries" in paths


def test_public_summary_gives_the_latest_signed_statements(app, world: World):
    with app.app_context():
        tenant = db.session.get(Tenant, world.a.tenant_id)
        with tenant_scope(tenant):
            summary = statements.public_summary(tenant, world.a.community_id)
            assert [s["quarter"] for s in summary] == ["2026Q1"]
            assert summary[0]["income_fen"] == 123450 and summary[0]["balance_fen"] == 123450
            assert summary[0]["expense_fen"] == 0 and summary[0]["repair_fund_fen"] == 0
            other = statements.public_summary(db.session.get(Tenant, world.b.tenant_id), world.a.community_id)
            assert other == []
            assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 2
