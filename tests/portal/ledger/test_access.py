"""Who records, reads and signs off, across firms, streets and tenants; bad input; the frozen quarter."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from portal.extensions import db
from portal.ledger.models import LedgerEntry, LedgerStatement, LedgerVoucher
from tenants import across_tenants
from tenants.roles import Role
from tests.factories import World
from tests.portal.ledger.helpers import build_others, entry_form, png_bytes, signed_in, token_of

TODAY = "2026-08-15 02:00:00"  # 10:00 in Shanghai, 2026 Q3: Q2 has ended and awaits sign-off


APP = {}


@pytest.fixture(autouse=True)
def _remember_app(app):
    APP["app"] = app


def count(model) -> int:
    with APP["app"].app_context(), across_tenants("test: counting rows"):
        found = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        db.session.remove()
        return found


def post_entry(client, slug, community_id, **overrides):
    url = f"/t/{slug}/ledger/communities/{community_id}/entries/new"
    data = entry_form(**overrides)
    data["csrf_token"] = token_of(client, url)
    return client.post(url, data=data)


@pytest.fixture
def others(app, world):
    return build_others(app, world)


def test_the_firm_records_and_the_entry_shows_on_its_ledger(app, world: World):
    with freeze_time(TODAY):
        client = signed_in(app, world.a.logins[Role.FIRM_STAFF])
        response = post_entry(client, "alpha", world.a.community_id)
        assert response.status_code == 303, response.text
        page = client.get(f"/t/alpha/ledger/communities/{world.a.community_id}")
        assert "1,234.50" in page.text
    with app.app_context(), across_tenants("test"):
        entry = db.session.scalar(sa.select(LedgerEntry).where(LedgerEntry.counterparty == "电梯广告公司"))
        assert entry.amount_fen == 123450 and entry.contract_id == world.a.contract_id


def test_firm_x_staff_cannot_record_in_firm_y_community(app, world: World, others):
    with freeze_time(TODAY):
        client = signed_in(app, world.a.logins[Role.FIRM_STAFF])
        before = count(LedgerEntry)
        assert post_entry(client, "alpha", others.community_y_id).status_code == 404  # not theirs to see
        assert client.get(f"/t/alpha/ledger/communities/{others.community_y_id}").status_code == 404
        staff_y = signed_in(app, others.firm_y_staff)
        assert post_entry(staff_y, "alpha", world.a.community_id).status_code == 404
        assert post_entry(staff_y, "alpha", others.community_y_id).status_code == 303
        assert count(LedgerEntry) == before + 1


def test_the_bureau_records_only_where_no_firm_serves(app, world: World, others):
    with freeze_time(TODAY):
        bureau = signed_in(app, world.a.logins[Role.BUREAU_STAFF])
        page = bureau.get(f"/t/alpha/ledger/communities/{world.a.community_id}/entries/new")
        assert page.status_code == 200 and "kept by its property firm" in page.text and 'name="amount"' not in page.text
        assert post_entry(bureau, "alpha", world.a.community_id).status_code == 403
        assert post_entry(bureau, "alpha", others.community_z_id).status_code == 303


def test_an_officer_sees_her_street_not_another(app, world: World, others):
    officer_x = signed_in(app, world.a.logins[Role.AREA_OFFICER])
    officer_y = signed_in(app, others.officer_y)
    assert officer_x.get(f"/t/alpha/ledger/communities/{world.a.community_id}").status_code == 200
    assert officer_y.get(f"/t/alpha/ledger/communities/{world.a.community_id}").status_code == 404
    assert officer_y.get(f"/t/alpha/ledger/entries/{world.a.entry_id}").status_code == 404
    assert officer_y.get(f"/t/alpha/ledger/vouchers/{world.a.voucher_id}").status_code == 404
    overview = officer_y.get("/t/alpha/ledger/?quarter=2026Q2")
    assert overview.status_code == 200 and "另一小区" in overview.text and world.a.sentinel not in overview.text
    assert officer_x.get("/t/alpha/ledger/overview.csv?quarter=2026Q2").status_code == 200


def test_vouchers_are_served_to_readers_only(app, world: World):
    reader = signed_in(app, world.a.logins[Role.COMMITTEE_MEMBER])
    served = reader.get(f"/t/alpha/ledger/vouchers/{world.a.voucher_id}")
    assert served.status_code == 200 and served.data.startswith(b"\x89PNG")
    assert "sandbox" in served.headers["Content-Security-Policy"]
    anonymous = app.test_client()
    assert anonymous.get(f"/t/alpha/ledger/vouchers/{world.a.voucher_id}").status_code == 302  # to the sign-in page
    assert signed_in(app, world.a.logins[Role.OWNER]).get(f"/t/alpha/ledger/vouchers/{world.a.voucher_id}").status_code == 403
    other_tenant = signed_in(app, world.b.logins[Role.BUREAU_ADMIN])
    assert other_tenant.get(f"/t/alpha/ledger/vouchers/{world.a.voucher_id}").status_code == 404
    assert other_tenant.get(f"/t/beta/ledger/vouchers/{world.a.voucher_id}").status_code == 404
    public = anonymous.get(f"/t/alpha/revenue/{world.a.community_id}")
    assert public.status_code == 200 and "/vouchers/" not in public.text


@pytest.mark.parametrize("field, value, message", [
    ("amount", "-5", "positive"), ("amount", "1.005", "two decimals"), ("amount", "1e9", "digits only"),
    ("amount", "200000000", "100,000,000"), ("amount", "", "Enter the amount"),
    ("entry_date", "2026-02-30", "YYYY-MM-DD"), ("entry_date", "2027-01-01", "future"),
    ("entry_date", "1999-12-31", "2000"), ("entry_date", "2026-03-01", "signed off and closed"),
    ("category", "no_such", "Not a valid choice"), ("counterparty", "", "Name who paid"),
    ("account_type", "personal", "Not a valid choice"),
])
def test_bad_entries_are_refused_naming_the_field(app, world: World, field, value, message):
    with freeze_time(TODAY):
        client = signed_in(app, world.a.logins[Role.FIRM_STAFF])
        before = count(LedgerEntry)
        response = post_entry(client, "alpha", world.a.community_id, **{field: value})
        assert response.status_code == 400
        assert message in response.text
        assert f'id="{field}-error"' in response.text
        assert count(LedgerEntry) == before


@pytest.mark.parametrize("payload, message", [
    (b"GIF89a not a voucher", "only JPEG"), (b"", "empty"), (b"%PDF-1.4 /JavaScript (x) %%EOF", "scripts"),
    (b"\x89PNG\r\n\x1a\n broken", "cannot be read"),
])
def test_bad_vouchers_are_refused_and_nothing_is_saved(app, world: World, payload, message):
    with freeze_time(TODAY):
        client = signed_in(app, world.a.logins[Role.FIRM_STAFF])
        before = (count(LedgerEntry), count(LedgerVoucher))
        url = f"/t/alpha/ledger/communities/{world.a.community_id}/entries/new"
        data = {**entry_form(), "csrf_token": token_of(client, url), "voucher": (io.BytesIO(payload), "v.jpg")}
        response = client.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code == 400 and message in response.text
        assert (count(LedgerEntry), count(LedgerVoucher)) == before
        entry_url = f"/t/alpha/ledger/entries/{world.a.entry_id}"
        response = client.post(f"{entry_url}/vouchers", content_type="multipart/form-data",
                               data={"csrf_token": token_of(client, entry_url), "voucher": (io.BytesIO(payload), "v.png")})
        assert response.status_code == 400 and message in response.text
        assert count(LedgerVoucher) == before[1]
        good = client.post(f"{entry_url}/vouchers", content_type="multipart/form-data",
                           data={"csrf_token": token_of(client, entry_url), "voucher": (io.BytesIO(png_bytes()), "v.png")})
        assert good.status_code == 303 and count(LedgerVoucher) == before[1] + 1


def test_sign_off_by_the_committee_freezes_the_quarter(app, world: World):
    url = f"/t/alpha/ledger/communities/{world.a.community_id}/statements/2026/2"
    with freeze_time(TODAY):
        firm = signed_in(app, world.a.logins[Role.FIRM_STAFF])
        assert post_entry(firm, "alpha", world.a.community_id, entry_date="2026-06-30", amount="10").status_code == 303
        # The firm cannot sign off; the officer cannot where a committee exists; the committee can.
        for role, status in ((Role.FIRM_STAFF, 403), (Role.AREA_OFFICER, 403), (Role.OWNER, 403)):
            client = signed_in(app, world.a.logins[role])
            assert client.post(f"{url}/sign-off", data={"csrf_token": token_of(client, "/t/alpha/dashboard")}).status_code == status
        committee = signed_in(app, world.a.logins[Role.COMMITTEE_MEMBER])
        response = committee.post(f"{url}/sign-off", data={"csrf_token": token_of(committee, url)})
        assert response.status_code == 303
        again = committee.post(f"{url}/sign-off", data={"csrf_token": token_of(committee, url)})
        assert again.status_code == 409
        with app.app_context(), across_tenants("test"):
            row = db.session.scalar(sa.select(LedgerStatement).where(LedgerStatement.quarter == 2,
                                                                     LedgerStatement.tenant_id == world.a.tenant_id))
            assert row.income_fen == 5_000_00 + 10_00 and row.closing_fen == 1_234_50 + 5_010_00
            assert row.signed_by_capacity and row.signed_by_id == world.a.users[Role.COMMITTEE_MEMBER]
        refused = post_entry(firm, "alpha", world.a.community_id, entry_date="2026-06-01")
        assert refused.status_code == 400 and "signed off and closed" in refused.text
        # A reversal of an entry of the closed quarter is dated today, in an open quarter.
        entry_url = f"/t/alpha/ledger/entries/{world.a.entry_id}"
        reversed_ = firm.post(f"{entry_url}/reverse", data={"csrf_token": token_of(firm, entry_url), "reason": "重复录入"})
        assert reversed_.status_code == 303
        second = firm.post(f"{entry_url}/reverse", data={"csrf_token": token_of(firm, entry_url), "reason": "again"})
        assert second.status_code == 400 and "reversed already" in second.text
        # The signed figures did not move.
        page = committee.get(url)
        assert "5,010.00" in page.text


def test_a_quarter_not_ended_or_out_of_order_is_not_signed(app, world: World, others):
    with freeze_time(TODAY):
        committee = signed_in(app, world.a.logins[Role.COMMITTEE_MEMBER])
        url = f"/t/alpha/ledger/communities/{world.a.community_id}/statements/2026/3"
        assert committee.post(f"{url}/sign-off", data={"csrf_token": token_of(committee, url)}).status_code == 409
        bureau = signed_in(app, world.a.logins[Role.BUREAU_STAFF])
        for day in ("2026-01-10", "2026-04-10"):
            assert post_entry(bureau, "alpha", others.community_z_id, entry_date=day).status_code == 303
        # No committee in the commercial complex: the officer of its street signs off, in order.
        officer = signed_in(app, world.a.logins[Role.AREA_OFFICER])
        base = f"/t/alpha/ledger/communities/{others.community_z_id}/statements/2026"
        out_of_order = officer.post(f"{base}/2/sign-off", data={"csrf_token": token_of(officer, f"{base}/2")})
        assert out_of_order.status_code == 409 and "2026Q1" in out_of_order.text
        assert officer.post(f"{base}/1/sign-off", data={"csrf_token": token_of(officer, f"{base}/1")}).status_code == 303
        assert officer.post(f"{base}/2/sign-off", data={"csrf_token": token_of(officer, f"{base}/2")}).status_code == 303
        # The other street's officer may not.
        officer_y = signed_in(app, others.officer_y)
        assert officer_y.post(f"{base}/3/sign-off", data={"csrf_token": token_of(officer_y, "/t/alpha/dashboard")}).status_code == 404


def test_categories_are_renamed_and_retired_never_deleted(app, world: World):
    admin = signed_in(app, world.a.logins[Role.BUREAU_ADMIN])
    url = f"/t/alpha/ledger/categories/{world.a.category_id}"
    token = token_of(admin, "/t/alpha/ledger/settings")
    assert admin.post(f"{url}/edit", data={"csrf_token": token, "name_zh": "停车场收益", "name_en": ""}).status_code == 303
    assert admin.post(f"{url}/retire", data={"csrf_token": token}).status_code == 303
    page = admin.get("/t/alpha/ledger/settings")
    assert "停车场收益" in page.text and "Retired" in page.text
    with freeze_time(TODAY):
        firm = signed_in(app, world.a.logins[Role.FIRM_STAFF])
        response = post_entry(firm, "alpha", world.a.community_id, category="parking")
        assert response.status_code == 400
    refused = admin.post("/t/alpha/ledger/settings", data={"csrf_token": token, "min_repair_percent": "150"})
    assert refused.status_code == 400 and "0 to 100" in refused.text
    assert admin.post("/t/alpha/ledger/settings", data={"csrf_token": token, "repair_fund_low": "y",
                                                        "min_repair_percent": "60"}).status_code == 303
    assert signed_in(app, world.a.logins[Role.BUREAU_STAFF]).get("/t/alpha/ledger/settings").status_code == 403


def test_in_a_firm_tenant_the_project_team_records_and_the_branch_manager_signs(app, world: World):
    """A firm's own tenant: its project staff record for their project, its branch manager signs off (no committee)."""
    with freeze_time(TODAY):
        staff = signed_in(app, world.c.logins[Role.PROJECT_STAFF])
        assert post_entry(staff, "firmco", world.c.community_id, entry_date="2026-07-02").status_code == 303
        base = f"/t/firmco/ledger/communities/{world.c.community_id}/statements/2026"
        manager = signed_in(app, world.c.logins[Role.AREA_OFFICER])
        response = manager.post(f"{base}/2/sign-off", data={"csrf_token": token_of(manager, f"{base}/2")})
        assert response.status_code == 303
        assert "Signed off" in manager.get(f"{base}/2").text
        # Another tenant's project staff see nothing of it.
        outsider = signed_in(app, world.b.logins[Role.FIRM_STAFF])
        assert outsider.get(f"/t/firmco/ledger/communities/{world.c.community_id}").status_code == 404
