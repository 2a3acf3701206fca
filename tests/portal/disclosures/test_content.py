"""Bad input: each rule of a section's content is refused with a message naming the field, and nothing is saved."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.disclosures import services
from portal.disclosures.content import DisclosureError, check_fee_notice, clean_content, fen_to_yuan, yuan_to_fen
from portal.disclosures.models import BoardDraft, BoardSection, BoardVersion
from portal.extensions import db
from tenants.roles import Role
from tests.conftest import csrf_token_for, table_snapshot
from tests.portal.disclosures.helpers import SAMPLE, in_tenant

FEE = SAMPLE[BoardSection.FEES]["rows"][0]


@pytest.mark.parametrize("section, data, field", [
    (BoardSection.FEES, {"rows": [dict(FEE, price_fen=-1)]}, "rows.0.price_fen"),
    (BoardSection.FEES, {"rows": [dict(FEE, price_fen=1.5)]}, "rows.0.price_fen"),
    (BoardSection.FEES, {"rows": [dict(FEE, price_fen=True)]}, "rows.0.price_fen"),
    (BoardSection.FEES, {"rows": [dict(FEE, pricing="free")]}, "rows.0.pricing"),
    (BoardSection.FEES, {"rows": [dict(FEE, pricing=["market"])]}, "rows.0.pricing"),
    (BoardSection.FEES, {"rows": [dict(FEE, start_date="2026-02-30")]}, "rows.0.start_date"),
    (BoardSection.FEES, {"rows": [{k: v for k, v in FEE.items() if k != "basis"}]}, "rows.0.basis"),
    (BoardSection.FEES, {"rows": [dict(FEE, colour="red")]}, "rows.0"),
    (BoardSection.FEES, {"rows": []}, "rows"),
    (BoardSection.FEES, {"rows": "x"}, "content"),
    (BoardSection.FEES, [], "content"),
    (BoardSection.IDENTITY, {"fields": {"firm_name": "x\x00"}}, "fields.firm_name"),
    (BoardSection.IDENTITY, {"fields": {"firm_name": "x" * 121}}, "fields.firm_name"),
    (BoardSection.PUBLIC_REVENUE, {"rows": [{"quarter": "2026Q5", "income_fen": 1, "spending_fen": 1, "balance_fen": 0}]},
     "rows.0.quarter"),
    (BoardSection.PUBLIC_REVENUE, {"rows": [{"quarter": "2026Q1", "income_fen": 1, "spending_fen": 1, "balance_fen": 0}] * 2},
     "rows"),
    (BoardSection.FINANCE, {"fields": dict(SAMPLE[BoardSection.FINANCE]["fields"], budget_year=2030)}, "fields.budget_year"),
    (BoardSection.RENOVATIONS, {"rows": [{"building": "1", "work": "x", "start_date": "2026-05-02", "end_date": "2026-05-01"}]},
     "rows.0.end_date"),
    (BoardSection.PARKING, {"fields": {"x": 1}}, "content"),
])
def test_bad_content_names_the_field(section, data, field):
    with pytest.raises(DisclosureError) as refused:
        clean_content(section, data)
    assert refused.value.field == field


def test_money_is_integer_fen_never_float():
    assert yuan_to_fen("12.5") == 1250 and yuan_to_fen("0.01") == 1 and yuan_to_fen("1,234.56") == 123456
    assert yuan_to_fen("1.234") is None and yuan_to_fen("1e3") is None and yuan_to_fen("abc") is None
    assert fen_to_yuan(1250) == "12.50" and fen_to_yuan(5) == "0.05"
    content = clean_content(BoardSection.EXTRA_SERVICES, {"rows": [{"service": "x", "price_fen": "12.30", "unit": "次"}]},
                            money_in="yuan")
    assert content["rows"][0]["price_fen"] == 1230 and type(content["rows"][0]["price_fen"]) is int
    with pytest.raises(DisclosureError):  # JSON money is fen, never a string of yuan
        clean_content(BoardSection.EXTRA_SERVICES, {"rows": [{"service": "x", "price_fen": "12.30", "unit": "次"}]})


def test_a_fee_change_must_be_posted_a_month_ahead():
    today = dt.date(2026, 12, 1)
    first = {"rows": [dict(FEE, start_date="2026-12-01")]}
    check_fee_notice(first, None, today, 30)  # the contract's first fee list
    unchanged_plus_new = {"rows": [dict(FEE, start_date="2025-01-01"),
                                   dict(FEE, item="车位管理费", start_date="2027-01-01")]}
    check_fee_notice(unchanged_plus_new, {"rows": [dict(FEE, start_date="2025-01-01")]}, today, 30)
    raised = {"rows": [dict(FEE, price_fen=95, start_date="2026-12-31")]}
    with pytest.raises(DisclosureError) as refused:
        check_fee_notice(raised, {"rows": [FEE]}, today, 30)
    assert refused.value.field == "rows.0.start_date" and "2027-01-01" in str(refused.value.message)
    with pytest.raises(DisclosureError):  # a tenant may ask for more than a month
        check_fee_notice({"rows": [dict(FEE, price_fen=95, start_date="2027-01-05")]}, {"rows": [FEE]}, today, 45)


def test_bad_form_input_gets_400_names_the_field_and_saves_nothing(app, world, client_as):
    staff = client_as(Role.FIRM_STAFF)
    url = f"/t/alpha/contracts/{world.a.contract_id}/board/fees"
    token = csrf_token_for(staff, url)
    before = table_snapshot(app)
    data = {"csrf_token": token, "action": "publish", "rows-0-item": "物业费", "rows-0-payer": "owner",
            "rows-0-method": "按面积", "rows-0-price_fen": "1.999", "rows-0-unit": "元", "rows-0-pricing": "market",
            "rows-0-basis": "合同", "rows-0-start_date": "2027-03-01"}
    response = staff.post(url, data=data)
    assert response.status_code == 400
    assert "两位小数" in response.text or "two decimals" in response.text
    assert table_snapshot(app) == before
    # a price raised on short notice: refused with the earliest start date
    response = staff.post(url, data=dict(data, **{"rows-0-price_fen": "0.95", "rows-0-start_date": "2026-01-02"}))
    assert response.status_code == 400 and table_snapshot(app) == before


def test_publishing_needs_changes_and_corrections_need_reasons_api(app, world):
    from portal.api import tokens
    from portal.auth.models import User
    from tenants.models import Tenant

    with app.app_context(), in_tenant(world.a):
        user = db.session.get(User, world.a.users[Role.FIRM_STAFF])
        _t, secret = tokens.issue_token(tenant=db.session.get(Tenant, world.a.tenant_id), user=user, name="t")
        db.session.commit()
    client, headers = app.test_client(), {"Authorization": f"Bearer {secret}"}
    base = f"/api/v1/t/alpha/contracts/{world.a.contract_id}/board"
    response = client.post(base + "/parking/publish", headers=headers, json={"correction": True, "reason": "x"})
    assert response.status_code == 409  # no draft to publish
    response = client.put(base + "/fees/draft", headers=headers, json={"content": {"rows": [dict(FEE, price_fen="85")]}})
    assert response.status_code == 422 and "rows.0.price_fen" in response.text
    response = client.post(base + "/identity/publish", headers=headers, json={"correction": True, "content": {
        "fields": {"firm_name": "x", "project_manager": "y", "manager_phone": "1", "hotline": "2", "price_complaint_line": "12358"}}})
    assert response.status_code == 422 and "reason" in response.text
    with app.app_context(), in_tenant(world.a):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BoardVersion)) == world.a.board_seq
