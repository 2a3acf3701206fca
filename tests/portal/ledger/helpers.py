"""Helpers of the ledger tests: a second firm, community and street in tenant A, signed-in clients, files."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from PIL import Image

from portal.communities.models import Area, AreaKind, Community
from portal.extensions import db
from portal.firms.models import Contract, FeeModel, Firm
from portal.communities.models import ServiceGrade
from tenants import tenant_scope
from tenants.models import Membership, Tenant
from tenants.roles import Role
from tests.conftest import login
from tests.factories import World, credit_code, make_user


@dataclass
class Others:
    """In tenant A: firm Y serving community Y in a second street, its staff and that street's officer, and
    community Z without firm or committee in the world's street (the bureau keeps its ledger)."""

    firm_y_id: int
    community_y_id: int
    community_z_id: int
    street_y_id: int
    firm_y_staff: str
    officer_y: str


def build_others(app, world: World) -> Others:
    with app.app_context():
        tenant = db.session.get(Tenant, world.a.tenant_id)
        with tenant_scope(tenant):
            street = Area(kind=AreaKind.STREET, name="第二街道")
            db.session.add(street)
            db.session.flush()
            firm = Firm(name="另一家物业", credit_code=credit_code(77))
            community_y = Community(name="另一小区", area_id=street.id, service_grade=ServiceGrade.GRADE3)
            community_z = Community(name="商业综合体", area_id=world.a.office_id)
            db.session.add_all([firm, community_y, community_z])
            db.session.flush()
            db.session.add(Contract(firm_id=firm.id, community_id=community_y.id, start_date=dt.date(2024, 1, 1),
                                    fee_model=FeeModel.LUMP_SUM, grade=ServiceGrade.GRADE3))
            staff = make_user("另一家物业职员")
            officer = make_user("第二街道干部")
            db.session.add_all([Membership(user_id=staff.id, role=Role.FIRM_STAFF, firm_id=firm.id),
                                Membership(user_id=officer.id, role=Role.AREA_OFFICER, area_id=street.id)])
            db.session.commit()
            others = Others(firm.id, community_y.id, community_z.id, street.id, staff.mobile, officer.mobile)
        db.session.remove()
    return others


def signed_in(app, identifier: str):
    client = app.test_client()
    client.set_cookie("portal_lang", "en")
    assert login(client, identifier).status_code == 302
    return client


def token_of(client, url: str) -> str:
    from tests.factories import csrf_from

    return csrf_from(client.get(url).text)


def png_bytes(size=(8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(out, "PNG")
    return out.getvalue()


def entry_form(**overrides) -> dict:
    data = {"entry_date": "2026-07-01", "category": "advertising", "amount": "1,234.50", "counterparty": "电梯广告公司",
            "account_type": "dedicated", "note": ""}
    data.update(overrides)
    return data
