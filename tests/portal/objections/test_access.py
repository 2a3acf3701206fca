"""Who sees and acts on objections: across tenants, across firms, across streets, owners of other communities;
bad input and non-image photos are refused and change nothing; the public board shows counts only."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
import io

import pytest
import sqlalchemy as sa

from portal.communities.models import Area, AreaKind, Building, Community, ServiceGrade, Unit
from portal.extensions import db
from portal.firms.models import Contract, FeeModel, Firm
from portal.objections.models import Objection, ObjectionStatus
from portal.owners.models import UnitBinding
from tenants.models import Membership
from tenants.roles import Role
from tests.conftest import table_snapshot
from tests.factories import credit_code, make_user
from tests.portal.disclosures.helpers import in_tenant
from tests.portal.objections.helpers import objection, post, signed_in


@pytest.fixture
def other(app, world):
    """In tenant A: a second street with its officer; a second community there served by firm Y (with its staff),
    its own published board, and an owner bound there."""
    from portal.disclosures import services as boards
    from portal.disclosures.models import BoardSection

    with app.app_context(), in_tenant(world.a):
        street = Area(kind=AreaKind.STREET, name="第二街道")
        db.session.add(street)
        db.session.flush()
        community = Community(name="第二小区", address="第二路1号", area_id=street.id, service_grade=ServiceGrade.GRADE3)
        firm = Firm(name="第二物业有限公司", credit_code=credit_code(77))
        db.session.add_all([community, firm])
        db.session.flush()
        building = Building(community_id=community.id, name="8号楼")
        db.session.add(building)
        db.session.flush()
        unit = Unit(community_id=community.id, building_id=building.id, entrance="1", room="808", floor=8,
                    floor_area=Decimal("90.00"))
        contract = Contract(firm_id=firm.id, community_id=community.id, start_date=dt.date(2025, 3, 1),
                            fee_model=FeeModel.LUMP_SUM, grade=ServiceGrade.GRADE3)
        db.session.add_all([unit, contract])
        db.session.flush()
        staff, officer, owner = make_user("第二物业职员"), make_user("第二街道干部"), make_user("第二小区业主")
        db.session.add_all([Membership(user_id=staff.id, role=Role.FIRM_STAFF, firm_id=firm.id),
                            Membership(user_id=officer.id, role=Role.AREA_OFFICER, area_id=street.id),
                            Membership(user_id=owner.id, role=Role.OWNER),
                            UnitBinding(unit_id=unit.id, user_id=owner.id)])
        board = boards.ensure_board(contract)
        version = boards.publish(tenant=db.session.get(__import__("tenants.models", fromlist=["Tenant"]).Tenant,
                                                       world.a.tenant_id), actor=None, board=board,
                                 section=BoardSection.EXTRA_SERVICES,
                                 data={"rows": [{"service": "保洁", "price_fen": 5000, "unit": "元/小时"}]})
        db.session.flush()
        ids = {"firm_staff": staff.mobile, "officer": officer.mobile, "owner": owner.mobile, "board_id": board.id,
               "seq": version.seq, "community_id": community.id}
        db.session.commit()
    return ids


def test_firm_y_cannot_see_or_answer_firm_x_objections(app, world, other):
    firm_y = signed_in(app, other["firm_staff"])
    oid = world.a.objection_id
    assert firm_y.get(f"/t/alpha/objections/{oid}").status_code == 404
    assert firm_y.get(f"/t/alpha/objections/{oid}/photo").status_code == 404
    assert post(firm_y, f"/t/alpha/objections/{oid}/answer", {"answer-answer": "越权"}).status_code == 404
    assert f"/objections/{oid}\"" not in firm_y.get("/t/alpha/objections/").text
    api = firm_y.post(f"/api/v1/t/alpha/objections/{oid}/answer", json={"answer": "越权"})
    assert api.status_code in (400, 404)  # the session's write without a CSRF header, or not found
    assert objection(app, world.a, oid).status == ObjectionStatus.OPEN


def test_officer_of_another_street_cannot_see_or_decide(app, world, other):
    officer_y = signed_in(app, other["officer"])
    oid = world.a.objection_id
    assert officer_y.get(f"/t/alpha/objections/{oid}").status_code == 404
    assert post(officer_y, f"/t/alpha/objections/{oid}/decide",
                {"decide-decision": "upheld", "decide-decision_reason": "越权"}).status_code == 404
    # ...while the officer of the objection's street sees it, and the committee member of its community.
    for role in (Role.AREA_OFFICER, Role.COMMITTEE_MEMBER, Role.BUREAU_STAFF):
        assert signed_in(app, world.a.logins[role]).get(f"/t/alpha/objections/{oid}").status_code == 200, role


def test_owner_of_another_community_cannot_object_to_this_board(app, world, other):
    stranger = signed_in(app, other["owner"])
    url = f"/t/alpha/boards/{world.a.board_id}/versions/{world.a.board_seq}/object"
    assert stranger.get(url).status_code == 404
    before = table_snapshot(app)
    assert post(stranger, url, {"item": "section", "reason": "不是本小区的"}).status_code == 404
    assert table_snapshot(app) == before
    # nor does another owner see the world owner's objection
    assert stranger.get(f"/t/alpha/objections/{world.a.objection_id}").status_code == 404
    # but objects to their own board
    own = f"/t/alpha/boards/{other['board_id']}/versions/{other['seq']}/object"
    assert post(stranger, own, {"item": "0", "reason": "价格有误"}).status_code == 303


def test_cross_tenant_objections_are_not_found(app, world):
    oid_b = world.b.objection_id
    for role in (Role.BUREAU_ADMIN, Role.FIRM_STAFF, Role.OWNER, Role.AREA_OFFICER):
        client = signed_in(app, world.a.logins[role])
        assert client.get(f"/t/beta/objections/{oid_b}").status_code == 404
        assert client.get(f"/t/alpha/objections/{oid_b}").status_code == 404
    owner_a = signed_in(app, world.a.logins[Role.OWNER])
    assert owner_a.get(f"/t/alpha/boards/{world.b.board_id}/versions/{world.b.board_seq}/object").status_code == 404


def test_firm_sees_a_masked_unit_never_the_owner(app, world):
    page = signed_in(app, world.a.logins[Role.FIRM_STAFF]).get(f"/t/alpha/objections/{world.a.objection_id}")
    assert page.status_code == 200
    assert "1**" in page.text and "101" not in page.text and f"owner-{world.a.sentinel}" not in page.text


def test_public_board_shows_counts_only(app, world):
    page = app.test_client().get(f"/t/alpha/board/{world.a.community_id}/")
    assert page.status_code == 200
    assert "业主异议" in page.text and "待答复 1 件" in page.text
    assert f"热线打不通{world.a.sentinel}" not in page.text and "1**" not in page.text
    assert "/objections/" not in page.text  # no link to an objection, nor its photo
    assert "认领码" in page.text  # how an owner objects


@pytest.mark.parametrize("data, field", [
    ({"item": "section", "reason": ""}, "reason"),
    ({"item": "section", "reason": "x" * 1001}, "reason"),
    ({"item": "99", "reason": "行号越界"}, "item"),
    ({"item": "-1", "reason": "负行号"}, "item"),
    ({"item": "abc", "reason": "不是数字"}, "item"),
    ({"reason": "没有选"}, "item"),
    ({"item": "section", "reason": "控制字符\x00"}, "reason"),
])
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(app, world, data, field):
    owner = signed_in(app, world.a.logins[Role.OWNER])
    before = table_snapshot(app)
    response = post(owner, f"/t/alpha/boards/{world.a.board_id}/versions/{world.a.board_seq}/object", data)
    assert response.status_code == 400, response.text
    assert f'id="{field}-error"' in response.text or f'id="{field}' in response.text
    assert table_snapshot(app) == before


@pytest.mark.parametrize("payload", [b"%PDF-1.4\n1 0 obj\n%%EOF", b"GIF89a....", b"<svg xmlns='x'></svg>",
                                     b"\x89PNG\r\n\x1a\n broken"])
def test_photos_that_are_not_images_are_refused(app, world, payload):
    owner = signed_in(app, world.a.logins[Role.OWNER])
    before = table_snapshot(app)
    response = post(owner, f"/t/alpha/boards/{world.a.board_id}/versions/{world.a.board_seq}/object",
                    {"item": "section", "reason": "附照片", "photo": (io.BytesIO(payload), "photo.jpg")},
                    content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Photo" in response.text
    assert table_snapshot(app) == before


def test_objecting_to_a_replaced_version_is_refused(app, world):
    """Objections point at what is published now: identity v1 was replaced by the correction v3."""
    owner = signed_in(app, world.a.logins[Role.OWNER])
    response = post(owner, f"/t/alpha/boards/{world.a.board_id}/versions/1/object", {"item": "section", "reason": "旧版"})
    assert response.status_code == 409 or response.status_code == 400
    with app.app_context(), in_tenant(world.a):
        assert db.session.scalar(sa.select(sa.func.count(Objection.id))) == 1


def test_api_lists_files_and_answers(app, world):
    owner = signed_in(app, world.a.logins[Role.OWNER])
    from tests.conftest import csrf_token_for

    headers = {"X-CSRFToken": csrf_token_for(owner)}
    listed = owner.get("/api/v1/t/alpha/objections")
    assert listed.status_code == 200 and [o["id"] for o in listed.json] == [world.a.objection_id]
    assert listed.json[0]["owner"] == "you"
    created = owner.post("/api/v1/t/alpha/objections", headers=headers,
                         json={"board_id": world.a.board_id, "seq": 2, "row_index": 0, "reason": "单价有误"})
    assert created.status_code == 201, created.json
    assert created.json["status"] == "open" and created.json["events"][0]["to_status"] == "open"
    bad = owner.post("/api/v1/t/alpha/objections", headers=headers,
                     json={"board_id": world.a.board_id, "seq": 2, "row_index": 5, "reason": "行号越界"})
    assert bad.status_code == 422 and "item" in str(bad.json)
    firm = signed_in(app, world.a.logins[Role.FIRM_STAFF])
    fh = {"X-CSRFToken": csrf_token_for(firm)}
    answered = firm.post(f"/api/v1/t/alpha/objections/{created.json['id']}/answer", headers=fh, json={"answer": "已核实"})
    assert answered.status_code == 200 and answered.json["status"] == "answered"
    assert answered.json["owner"].endswith("1**")
    again = firm.post(f"/api/v1/t/alpha/objections/{created.json['id']}/answer", headers=fh, json={"answer": "再答"})
    assert again.status_code == 409
