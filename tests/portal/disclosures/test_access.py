"""Who may edit and publish a board: only the firm serving the community (cross-firm and cross-tenant, HTML and API)."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.communities.models import Community, ServiceGrade
from portal.disclosures.models import BoardDraft, BoardVersion
from portal.extensions import db
from portal.firms.models import Contract, FeeModel, Firm
from tenants.models import Membership
from tenants.roles import Role
from tests.conftest import csrf_token_for, login
from tests.factories import credit_code, make_user
from tests.portal.disclosures.helpers import in_tenant

IDENTITY_FORM = {"action": "publish", "f_firm_name": "第二物业", "f_project_manager": "王经理", "f_manager_phone": "13700000001",
                 "f_hotline": "0635-2222222", "f_price_complaint_line": "12358"}
IDENTITY_JSON = {"fields": {"firm_name": "第二物业", "project_manager": "王经理", "manager_phone": "13700000001",
                            "hotline": "0635-2222222", "price_complaint_line": "12358"}}


@pytest.fixture
def firm_y(app, world):
    """A second firm in tenant A serving a second community, with its own staff member."""
    with app.app_context(), in_tenant(world.a):
        community = Community(name="第二小区", address="第二路1号", area_id=world.a.office_id,
                              service_grade=ServiceGrade.GRADE3)
        firm = Firm(name="第二物业有限公司", credit_code=credit_code(77))
        db.session.add_all([community, firm])
        db.session.flush()
        contract = Contract(firm_id=firm.id, community_id=community.id, start_date=dt.date(2025, 3, 1),
                            fee_model=FeeModel.LUMP_SUM, grade=ServiceGrade.GRADE3)
        user = make_user("第二物业职员")
        db.session.add_all([contract, Membership(user_id=user.id, role=Role.FIRM_STAFF, firm_id=firm.id)])
        db.session.flush()
        ids = {"contract_id": contract.id, "community_id": community.id, "login": user.mobile}
        db.session.commit()
    return ids


def _signed_in(app, login_name):
    client = app.test_client()
    assert login(client, login_name).status_code == 302
    return client


def _versions(app, world) -> int:
    with app.app_context(), in_tenant(world.a):
        return db.session.scalar(sa.select(sa.func.count()).select_from(BoardVersion))


def test_firm_staff_publish_their_own_board(app, world, firm_y):
    client = _signed_in(app, firm_y["login"])
    before = _versions(app, world)
    url = f"/t/alpha/contracts/{firm_y['contract_id']}/board/identity"
    response = client.post(url, data={**IDENTITY_FORM, "csrf_token": csrf_token_for(client, url)})
    assert response.status_code == 303, response.text
    assert _versions(app, world) == before + 1
    page = app.test_client().get(f"/t/alpha/board/{firm_y['community_id']}/")
    assert "0635-2222222" in page.text


def test_firm_x_cannot_edit_or_publish_firm_y_board_html(app, world, firm_y, client_as):
    x = client_as(Role.FIRM_STAFF)  # the world's firm X
    before = _versions(app, world)
    base = f"/t/alpha/contracts/{firm_y['contract_id']}/board"
    assert x.get(base).status_code == 404
    assert x.get(base + "/identity").status_code == 404
    response = x.post(base + "/identity", data={**IDENTITY_FORM, "csrf_token": csrf_token_for(x)})
    assert response.status_code == 404
    # and the other way round
    y = _signed_in(app, firm_y["login"])
    response = y.post(f"/t/alpha/contracts/{world.a.contract_id}/board/identity",
                      data={**IDENTITY_FORM, "csrf_token": csrf_token_for(y)})
    assert response.status_code == 404
    assert _versions(app, world) == before


def test_firm_x_cannot_edit_or_publish_firm_y_board_api(app, world, firm_y):
    from portal.api import tokens
    from portal.auth.models import User

    with app.app_context(), in_tenant(world.a):
        user = db.session.get(User, world.a.users[Role.FIRM_STAFF])
        from tenants.models import Tenant

        _token, secret = tokens.issue_token(tenant=db.session.get(Tenant, world.a.tenant_id), user=user, name="x")
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    before = _versions(app, world)
    base = f"/api/v1/t/alpha/contracts/{firm_y['contract_id']}/board/identity"
    assert client.put(base + "/draft", json={"content": IDENTITY_JSON}, headers=headers).status_code == 404
    assert client.post(base + "/publish", json={"content": IDENTITY_JSON}, headers=headers).status_code == 404
    assert _versions(app, world) == before
    # its own board works through the API
    own = f"/api/v1/t/alpha/contracts/{world.a.contract_id}/board/parking"
    response = client.post(own + "/publish", headers=headers, json={"content": {"rows": [
        {"kind": "rental", "spaces": 10, "price_fen": 10000, "unit": "元/月"}]}})
    assert response.status_code == 201, response.text
    assert response.json["seq"] == world.a.board_seq + 1 and len(response.json["hash"]) == 64


def test_bureau_supervises_but_does_not_publish(app, world, client_as):
    admin = client_as(Role.BUREAU_ADMIN)
    url = f"/t/alpha/contracts/{world.a.contract_id}/board/identity"
    page = admin.get(url)
    assert page.status_code == 200 and 'name="action"' not in page.text
    before = _versions(app, world)
    assert admin.post(url, data={**IDENTITY_FORM, "csrf_token": csrf_token_for(admin)}).status_code == 403
    assert _versions(app, world) == before
    # and the drafts stay the firm's: the supervisor's board page does not show them
    assert f"草稿{world.a.sentinel}" not in admin.get(f"/t/alpha/contracts/{world.a.contract_id}/board/extra_services").text


def test_other_tenant_gets_404(app, world, client_as):
    b_staff = client_as(Role.FIRM_STAFF, "b")
    assert b_staff.get(f"/t/beta/contracts/{world.a.contract_id}/board").status_code == 404
    assert b_staff.post(f"/t/beta/contracts/{world.a.contract_id}/board/identity",
                        data={**IDENTITY_FORM, "csrf_token": csrf_token_for(b_staff)}).status_code == 404
    assert app.test_client().get(f"/t/beta/board/{world.a.community_id}/").status_code == 404
    assert app.test_client().get(f"/t/beta/boards/{world.a.board_id}/versions/1").status_code == 404


def test_firm_tenant_project_team_edits_only_its_project(app, world, client_as):
    with app.app_context(), in_tenant(world.c):
        other = Community(name="另一项目", address="", area_id=world.c.office_id, service_grade=ServiceGrade.GRADE1)
        db.session.add(other)
        db.session.flush()
        contract = Contract(firm_id=world.c.firm_id, community_id=other.id, start_date=dt.date(2025, 1, 1),
                            fee_model=FeeModel.LUMP_SUM, grade=ServiceGrade.GRADE1)
        db.session.add(contract)
        db.session.commit()
        other_contract = contract.id
    staff = client_as(Role.PROJECT_STAFF, "c")
    assert staff.get(f"/t/firmco/contracts/{world.c.contract_id}/board/fees").status_code == 200
    assert staff.get(f"/t/firmco/contracts/{other_contract}/board/fees").status_code == 404
    admin = client_as(Role.BUREAU_ADMIN, "c")  # the firm's administrator edits every project
    page = admin.get(f"/t/firmco/contracts/{other_contract}/board/fees")
    assert page.status_code == 200 and 'name="action"' in page.text


def test_drafts_are_private_until_published(app, world, client_as):
    with app.app_context(), in_tenant(world.a):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BoardDraft)) == 1
    public = app.test_client().get(f"/t/alpha/board/{world.a.community_id}/")
    assert public.status_code == 200 and f"草稿{world.a.sentinel}" not in public.text
    staff = client_as(Role.FIRM_STAFF)
    assert f"草稿{world.a.sentinel}" in staff.get(f"/t/alpha/contracts/{world.a.contract_id}/board/extra_services").text
