"""Firms, project managers and contracts: pages, validation, overlap rules, visibility, audit, firm tenants."""
from __future__ import annotations

import datetime as dt

import pytest

from portal.extensions import db
from portal.firms.credit_code import check_character
from portal.firms.models import Contract, Firm, ProjectManager
from tenants import tenant_scope
from tenants.models import Membership, TenantKind
from tenants.roles import Role
from tests.conftest import csrf_token_for, login, table_snapshot
from tests.factories import make_tenant, make_user
from tests.portal.communities.helpers import audit_events, post, rows
from tests.portal.pages import field_error, in_english, page_text

A = "/t/alpha"


def code(seed: str = "91370500MA3C00001") -> str:
    return seed + check_character(seed)


def firm_form(**overrides) -> dict:
    data = {"name": "鲁西物业有限公司", "credit_code": code(), "licence_no": "鲁物资2025-001", "contact_name": "张经理",
            "contact_phone": "0635-1234567", "address": "高唐县人民路8号"}
    data.update(overrides)
    return data


@pytest.fixture
def admin(client_as):
    return in_english(client_as(Role.BUREAU_ADMIN, "a"))


# --- firms ------------------------------------------------------------------------------------------

def test_create_firm_normalises_the_code_and_is_audited(app, world, admin):
    spaced = " " + code().lower()[:6] + " " + code().lower()[6:] + " "
    response = post(admin, f"{A}/firms/new", firm_form(credit_code=spaced))
    assert response.status_code == 303
    firm = [f for f in rows(app, world, Firm) if f.name == "鲁西物业有限公司"][0]
    assert firm.credit_code == code()
    page = page_text(admin.get(response.headers["Location"]).text)
    assert code() in page and "张经理" in page
    assert code() in audit_events(app, world, "firm.created")[-1].after
    assert "鲁西物业有限公司" in admin.get(f"{A}/firms/").text


@pytest.mark.parametrize("value, message", [
    ("", "Enter the unified social credit code"),
    ("91370500MA3C0000", "Wrong format: a unified social credit code has 18 characters, this one has 16"),
    ("91370500MA3C00001IX", "Wrong format: a unified social credit code has 18 characters, this one has 19"),
    ("91370500MA3C0000O1", "Wrong format: character 17"),
    ("91370500MA3C00001" + ("0" if check_character("91370500MA3C00001") != "0" else "1"),
     "The check character (the 18th) is wrong"),
])
def test_credit_code_errors_say_format_or_check_character(app, world, admin, value, message):
    before = table_snapshot(app)
    response = post(admin, f"{A}/firms/new", firm_form(credit_code=value))
    assert response.status_code == 400
    assert message in (field_error(response.text, "credit_code") or ""), field_error(response.text, "credit_code")
    assert table_snapshot(app) == before


def test_a_typo_in_the_middle_is_reported_as_a_check_character_error(admin):
    typo = code()[:9] + ("B" if code()[9] != "B" else "C") + code()[10:]
    response = post(admin, f"{A}/firms/new", firm_form(credit_code=typo))
    assert "check character" in field_error(response.text, "credit_code")
    assert "Wrong format" not in field_error(response.text, "credit_code")


def test_name_and_credit_code_are_unique_per_tenant_with_a_field_error(app, world, admin):
    from tests.factories import credit_code

    before = table_snapshot(app)
    same_name = post(admin, f"{A}/firms/new", firm_form(name=f"物业{world.a.sentinel}"))
    assert same_name.status_code == 400 and "already registered" in field_error(same_name.text, "name")
    same_code = post(admin, f"{A}/firms/new", firm_form(credit_code=credit_code(1)))
    assert same_code.status_code == 400
    assert f"already registered for 物业{world.a.sentinel}" in field_error(same_code.text, "credit_code")
    assert table_snapshot(app) == before
    # Tenant B's firm code is no clash in tenant A: uniqueness is per tenant.
    assert post(admin, f"{A}/firms/new", firm_form(credit_code=credit_code(2))).status_code == 303


def test_edit_firm_is_audited_before_after(app, world, admin):
    response = post(admin, f"{A}/firms/{world.a.firm_id}/edit", firm_form(name="改名物业"))
    assert response.status_code == 303
    event = audit_events(app, world, "firm.updated")[-1]
    assert f"物业{world.a.sentinel}" in event.before and "改名物业" in event.after
    bad = post(admin, f"{A}/firms/{world.a.firm_id}/edit", firm_form(contact_phone="call me"))
    assert bad.status_code == 400 and "phone number" in field_error(bad.text, "contact_phone")


def test_managers_add_and_edit(app, world, admin):
    response = post(admin, f"{A}/firms/{world.a.firm_id}/managers/new", {"name": "王项目", "phone": "13911112222",
                                                                         "certificate_no": "PM-9"})
    assert response.status_code == 303
    clash = post(admin, f"{A}/firms/{world.a.firm_id}/managers/new", {"name": "王项目", "phone": "13911112222",
                                                                      "certificate_no": ""})
    assert clash.status_code == 400 and "already has a project manager" in field_error(clash.text, "name")
    manager = [m for m in rows(app, world, ProjectManager) if m.name == "王项目"][0]
    edited = post(admin, f"{A}/managers/{manager.id}/edit", {"name": "王经理", "phone": "", "certificate_no": "PM-9"})
    assert edited.status_code == 303
    text = page_text(admin.get(f"{A}/firms/{world.a.firm_id}").text)
    assert "王经理" in text and f"经理{world.a.sentinel}" in text
    assert audit_events(app, world, "manager.created") and audit_events(app, world, "manager.updated")


# --- contracts --------------------------------------------------------------------------------------

def new_firm(app, world, admin, name="第二物业", seed="91370500MA3C00002") -> int:
    assert post(admin, f"{A}/firms/new", firm_form(name=name, credit_code=code(seed))).status_code == 303
    return [f for f in rows(app, world, Firm) if f.name == name][0].id


def contract_form(world, firm_id, **overrides) -> dict:
    data = {"firm_id": firm_id, "community_id": world.a.community_id, "start_date": "2026-01-01", "end_date": "",
            "fee_model": "commission", "grade": "grade1", "manager_id": ""}
    data.update(overrides)
    return data


def test_an_overlapping_contract_is_refused_naming_the_clash(app, world, admin):
    other = new_firm(app, world, admin)
    before = table_snapshot(app)
    response = post(admin, f"{A}/contracts/new", contract_form(world, other))
    assert response.status_code == 400
    message = field_error(response.text, "start_date")
    assert f"contract no. {world.a.contract_id}" in message and f"物业{world.a.sentinel}" in message
    assert "2025-01-01" in message and "End that contract first" in message
    # A contract that ended before the existing one started is fine; one ending inside it is not.
    inside = post(admin, f"{A}/contracts/new", contract_form(world, other, start_date="2024-01-01", end_date="2025-01-01"))
    assert inside.status_code == 400
    assert table_snapshot(app) == before
    earlier = post(admin, f"{A}/contracts/new", contract_form(world, other, start_date="2024-01-01",
                                                              end_date="2024-12-31"))
    assert earlier.status_code == 303


def test_end_then_a_new_firm_keeps_the_history(app, world, admin):
    other = new_firm(app, world, admin)
    ended = post(admin, f"{A}/contracts/{world.a.contract_id}/end", {"end_date": "2025-12-31", "reason": "业主大会解聘"})
    assert ended.status_code == 303
    # The day after the last day is free; the last day itself is not.
    clash = post(admin, f"{A}/contracts/new", contract_form(world, other, start_date="2025-12-31"))
    assert clash.status_code == 400 and "2025-12-31" in field_error(clash.text, "start_date")
    response = post(admin, f"{A}/contracts/new", contract_form(world, other, start_date="2026-01-01"))
    assert response.status_code == 303
    contracts = rows(app, world, Contract, "a", Contract.community_id == world.a.community_id)
    assert [(c.firm_id, c.start_date, c.end_date) for c in contracts] == [
        (world.a.firm_id, dt.date(2025, 1, 1), dt.date(2025, 12, 31)), (other, dt.date(2026, 1, 1), None)]
    text = page_text(admin.get(f"{A}/communities/{world.a.community_id}").text)
    assert "第二物业" in text and f"物业{world.a.sentinel}" in text and "业主大会解聘" in text
    event = audit_events(app, world, "contract.ended")[-1]
    assert event.reason == "业主大会解聘" and '"end_date": null' in event.before and "2025-12-31" in event.after
    assert audit_events(app, world, "contract.created")
    # Both firm pages list the contract: the old one as past.
    old_firm_page = page_text(admin.get(f"{A}/firms/{world.a.firm_id}").text)
    assert f"小区{world.a.sentinel}" in old_firm_page and "past" in old_firm_page


@pytest.mark.parametrize("data, field, message", [
    ({"end_date": "2024-12-31", "reason": "x"}, "end_date", "cannot be before the contract started"),
    ({"end_date": "2025-06-30", "reason": ""}, "reason", "Give the reason"),
    ({"end_date": "", "reason": "x"}, "end_date", "Enter the contract's last day"),
])
def test_end_contract_validation(app, world, admin, data, field, message):
    before = table_snapshot(app)
    response = post(admin, f"{A}/contracts/{world.a.contract_id}/end", data)
    assert response.status_code == 400
    assert message in (field_error(response.text, field) or "")
    assert table_snapshot(app) == before


def test_a_contract_cannot_be_ended_twice(admin, world):
    post(admin, f"{A}/contracts/{world.a.contract_id}/end", {"end_date": "2025-06-30", "reason": "到期"})
    again = post(admin, f"{A}/contracts/{world.a.contract_id}/end", {"end_date": "2025-05-30", "reason": "再次"})
    assert again.status_code == 400 and "already been ended" in field_error(again.text, "end_date")


def test_the_project_manager_must_belong_to_the_firm(app, world, admin):
    other = new_firm(app, world, admin)
    before = table_snapshot(app)
    response = post(admin, f"{A}/contracts/new", contract_form(world, other, start_date="2020-01-01",
                                                               end_date="2020-12-31", manager_id=world.a.manager_id))
    assert response.status_code == 400
    assert "must work for the contracted firm" in field_error(response.text, "manager_id")
    edit = post(admin, f"{A}/contracts/{world.a.contract_id}/edit", {"fee_model": "lump_sum", "grade": "grade2",
                                                                      "manager_id": world.b.manager_id})
    assert edit.status_code == 400 and "No such project manager" in field_error(edit.text, "manager_id")
    assert table_snapshot(app) == before


def test_edit_contract_is_audited(app, world, admin):
    response = post(admin, f"{A}/contracts/{world.a.contract_id}/edit", {"fee_model": "commission", "grade": "grade1",
                                                                          "manager_id": ""})
    assert response.status_code == 303
    (c,) = rows(app, world, Contract, "a", Contract.id == world.a.contract_id)
    assert c.fee_model.value == "commission" and c.manager_id is None
    event = audit_events(app, world, "contract.updated")[-1]
    assert "lump_sum" in event.before and "commission" in event.after


def test_contract_form_prefills_from_the_community(world, admin):
    page = admin.get(f"{A}/contracts/new?community_id={world.a.community_id}").text
    assert f'<option selected value="{world.a.community_id}">' in page or \
        f'value="{world.a.community_id}" selected' in page or f'selected value="{world.a.community_id}"' in page


# --- visibility -------------------------------------------------------------------------------------

def test_firm_staff_see_their_own_firm_only_and_read_only(app, world, admin, client_as):
    other = new_firm(app, world, admin)
    staff = in_english(client_as(Role.FIRM_STAFF, "a"))
    listing = staff.get(f"{A}/firms/").text
    assert f"物业{world.a.sentinel}" in listing and "第二物业" not in listing
    assert staff.get(f"{A}/firms/{other}").status_code == 404
    own = staff.get(f"{A}/firms/{world.a.firm_id}")
    assert own.status_code == 200 and f"/firms/{world.a.firm_id}/edit" not in own.text
    assert staff.get(f"{A}/firms/{world.a.firm_id}/edit").status_code == 403
    assert staff.get(f"{A}/contracts/{world.a.contract_id}/end").status_code == 403


def test_officer_and_committee_see_firms_serving_their_communities(app, world, admin, client_as):
    other = new_firm(app, world, admin)
    for role in (Role.AREA_OFFICER, Role.COMMITTEE_MEMBER):
        client = client_as(role, "a")
        assert client.get(f"{A}/firms/{world.a.firm_id}").status_code == 200, role
        assert client.get(f"{A}/firms/{other}").status_code == 404, role
        assert "第二物业" not in client.get(f"{A}/firms/").text


def test_staff_of_a_firm_keep_seeing_their_own_past_contracts(app, world, admin, client_as):
    post(admin, f"{A}/contracts/{world.a.contract_id}/end", {"end_date": "2025-06-30", "reason": "到期"})
    staff = in_english(client_as(Role.FIRM_STAFF, "a"))
    page = page_text(staff.get(f"{A}/firms/{world.a.firm_id}").text)
    assert f"小区{world.a.sentinel}" in page and "past" in page
    # ... but no longer the community itself (they no longer serve it).
    assert staff.get(f"{A}/communities/{world.a.community_id}").status_code == 404


# --- cross-tenant -----------------------------------------------------------------------------------

def test_tenant_b_bureau_cannot_reach_tenant_a_firms_or_contracts(app, world, client_as):
    b_admin = client_as(Role.BUREAU_ADMIN, "b")
    token = csrf_token_for(b_admin)
    a = world.a
    before = table_snapshot(app)
    for method, url in [
        ("GET", f"/t/beta/firms/{a.firm_id}"), ("GET", f"/t/beta/firms/{a.firm_id}/edit"),
        ("POST", f"/t/beta/firms/{a.firm_id}/edit"), ("GET", f"/t/beta/firms/{a.firm_id}/managers/new"),
        ("POST", f"/t/beta/firms/{a.firm_id}/managers/new"), ("GET", f"/t/beta/managers/{a.manager_id}/edit"),
        ("POST", f"/t/beta/managers/{a.manager_id}/edit"), ("GET", f"/t/beta/contracts/{a.contract_id}/edit"),
        ("POST", f"/t/beta/contracts/{a.contract_id}/edit"), ("GET", f"/t/beta/contracts/{a.contract_id}/end"),
        ("POST", f"/t/beta/contracts/{a.contract_id}/end"),
    ]:
        response = b_admin.open(url, method=method, data={"csrf_token": token, "name": "x", "credit_code": code(),
                                                          "end_date": "2025-06-30", "reason": "x",
                                                          "fee_model": "commission", "grade": "grade1"})
        assert response.status_code == 404, (method, url)
        assert a.sentinel not in response.text
    # Tenant A's ids in tenant B's contract form are unknown there.
    response = b_admin.post("/t/beta/contracts/new", data={"csrf_token": token, "firm_id": a.firm_id,
                                                           "community_id": a.community_id, "start_date": "2020-01-01",
                                                           "end_date": "2020-12-31", "fee_model": "lump_sum",
                                                           "grade": "grade1", "manager_id": ""})
    assert response.status_code == 400 and a.sentinel not in response.text
    assert table_snapshot(app) == before


# --- a firm as a tenant -----------------------------------------------------------------------------

def ids_in(app, tenant_id: int, model) -> list[int]:
    import sqlalchemy as sa

    from tenants.models import Tenant

    with app.app_context():
        with tenant_scope(db.session.get(Tenant, tenant_id)):
            return list(db.session.scalars(sa.select(model.id).order_by(model.id)))


def test_a_firm_tenant_manages_its_own_portfolio_the_same_way(app, world):
    from portal.communities.models import Area, Community

    with app.app_context():
        tenant = make_tenant("lufirm", kind=TenantKind.FIRM, name_zh="鲁西物业（企业租户）")
        with tenant_scope(tenant):
            admin_user = make_user("企业管理员")
            db.session.add(Membership(user_id=admin_user.id, role=Role.BUREAU_ADMIN))
            db.session.flush()
        db.session.commit()
        login_name, tenant_id = admin_user.mobile, tenant.id
    client = in_english(app.test_client())
    assert login(client, login_name).status_code == 302
    F = "/t/lufirm"
    assert post(client, f"{F}/areas/", {"kind": "branch", "name": "东城分公司", "parent_id": ""}).status_code == 303
    (street_id,) = ids_in(app, tenant_id, Area)
    assert post(client, f"{F}/communities/new", {"name": "项目一", "address": "", "area_id": street_id,
                                                 "service_grade": "grade2", "declared_units": "300", "revenue_bank": "",
                                                 "revenue_account_name": "", "revenue_account_number": ""}).status_code == 303
    # The firm registers itself; the same credit code as a firm of tenant A is no clash in another tenant.
    from tests.factories import credit_code

    assert post(client, f"{F}/firms/new", firm_form(name="鲁西物业", credit_code=credit_code(1))).status_code == 303
    (firm_id,) = ids_in(app, tenant_id, Firm)
    (community_id,) = ids_in(app, tenant_id, Community)
    contract = {"firm_id": firm_id, "community_id": community_id, "start_date": "2025-03-01", "end_date": "",
                "fee_model": "lump_sum", "grade": "grade2", "manager_id": ""}
    assert post(client, f"{F}/contracts/new", contract).status_code == 303
    clash = post(client, f"{F}/contracts/new", {**contract, "start_date": "2025-04-01"})
    assert clash.status_code == 400 and "already has contract" in field_error(clash.text, "start_date")
    page = page_text(client.get(f"{F}/communities/{community_id}").text)
    assert "鲁西物业" in page and "2025-03-01" in page and "in force" in page
    assert "项目一" in page_text(client.get(f"{F}/firms/{firm_id}").text)
    # Its registry is its own: tenant A's objects are not there.
    assert client.get(f"{F}/communities/{world.a.community_id}").status_code == 404
    assert client.get(f"{F}/firms/{world.a.firm_id}").status_code == 404
    assert world.a.sentinel not in client.get(f"{F}/firms/").text


@pytest.mark.parametrize("end_date", ["2999-12-31", "2055-01-01"])
def test_a_contract_cannot_be_ended_decades_away(app, world, admin, end_date):
    """The world's contract starts on 2025-01-01: it may run to 2054-12-31 (30 years), no later."""
    before = table_snapshot(app)
    ended = post(admin, f"{A}/contracts/{world.a.contract_id}/end", {"end_date": end_date, "reason": "到期"})
    assert ended.status_code == 400
    message = field_error(ended.text, "end_date")
    assert "at most 30 years" in message and "2054-12-31" in message
    assert table_snapshot(app) == before


def test_a_new_contract_cannot_run_past_thirty_years(app, world, admin):
    other = new_firm(app, world, admin)
    before = table_snapshot(app)
    created = post(admin, f"{A}/contracts/new", contract_form(world, other, start_date="1990-01-01",
                                                              end_date="2020-01-01"))
    assert created.status_code == 400 and "2019-12-31" in field_error(created.text, "end_date")
    assert table_snapshot(app) == before


def test_a_contract_may_end_on_the_last_day_of_its_thirtieth_year(admin, world):
    ended = post(admin, f"{A}/contracts/{world.a.contract_id}/end", {"end_date": "2054-12-31", "reason": "到期"})
    assert ended.status_code == 303
