"""Ticket pages over HTTP: filing with photos (hardened, all or nothing), who sees which ticket, each step by its role."""
from __future__ import annotations

import io
import os
import struct
import zlib

import pytest
import sqlalchemy as sa
from PIL import Image

from portal.extensions import db
from portal.tickets.models import Ticket, TicketPhoto, TicketStatus
from tenants.roles import Role
from tests.conftest import csrf_token_for, table_snapshot
from tests.portal.test_storage import photo_with_gps, png_header_claiming
from tests.portal.tickets.helpers import in_tenant, png, put_world_ticket


def _form(world, **extra):
    data = {"unit_id": str(world.a.unit_id), "category_id": str(world.a.ticket_category_id),
            "description": "楼道灯不亮", "location": "1号楼", "urgency": "normal"}
    data.update(extra)
    return data


def _file(client, world, photos, **extra):
    data = _form(world, **extra)
    data["csrf_token"] = csrf_token_for(client, "/t/alpha/tickets/new")
    data["photos"] = [(io.BytesIO(content), name) for content, name in photos]
    return client.post("/t/alpha/tickets/new", data=data, content_type="multipart/form-data")


def _stored_files(app) -> int:
    root = app.config.get("UPLOAD_ROOT") or os.path.join(app.instance_path, "uploads")
    return sum(len(files) for _, _, files in os.walk(root))


def test_an_owner_files_a_ticket_with_photos_and_gps_is_stripped(app, world, client_as):
    owner = client_as(Role.OWNER)
    response = _file(owner, world, [(photo_with_gps("JPEG"), "IMG_0001.JPG"), (png(), "b.png")])
    assert response.status_code == 303, response.text
    page = owner.get(response.headers["Location"])
    assert page.status_code == 200 and "楼道灯不亮" in page.text
    with app.app_context(), in_tenant(world.a):
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.description == "楼道灯不亮"))
        assert ticket.owner_id == world.a.users[Role.OWNER] and ticket.status == TicketStatus.SUBMITTED
        photos = list(db.session.scalars(sa.select(TicketPhoto).where(TicketPhoto.ticket_id == ticket.id)))
        ids = [(ticket.id, p.id) for p in photos]
    assert len(ids) == 2
    served = owner.get(f"/t/alpha/tickets/{ids[0][0]}/photos/{ids[0][1]}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert b"Model-Serial-12345" not in served.data and not Image.open(io.BytesIO(served.data)).getexif()
    assert "sandbox" in served.headers["Content-Security-Policy"]
    # A firm of another tenant, an owner of another tenant: not found.
    assert client_as(Role.FIRM_STAFF, "b").get(f"/t/alpha/tickets/{ids[0][0]}/photos/{ids[0][1]}").status_code == 404


def _polyglot() -> bytes:
    """A GIF/JS polyglot ("GIF89a" that is also a script), then a JPEG header glued to HTML: neither is a photo."""
    return b"GIF89a/*\x00\x00*/=1;alert(1);//" + b"\x00" * 20


def _pixel_flood() -> bytes:
    """A real, tiny PNG file whose header claims 30,000 × 30,000 pixels."""
    return png_header_claiming(30_000, 30_000)


def _bomb() -> bytes:
    """A decompression bomb: a PNG of 12,000 × 12,000 black pixels, a few hundred kilobytes compressed."""
    width = height = 12_000
    row = b"\x00" + b"\x00" * width  # filter byte + one grey byte a pixel
    raw = zlib.compress(row * height, 9)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
HTML_AS_JPG = b"<html><body><script>alert(1)</script></body></html>"

BAD_PHOTOS = {
    "polyglot": (_polyglot(), "cat.gif"),
    "jpeg_html_polyglot": (b"\xff\xd8\xff\xe0" + HTML_AS_JPG, "photo.jpg"),
    "decompression_bomb": (_bomb(), "bomb.png"),
    "pixel_flood": (_pixel_flood(), "flood.png"),
    "wrong_extension": (HTML_AS_JPG, "photo.jpg"),
    "svg_with_script": (SVG_WITH_SCRIPT, "photo.svg"),
}


@pytest.mark.parametrize("name", list(BAD_PHOTOS))
def test_a_bad_photo_is_refused_and_the_whole_ticket_is_not_filed(app, world, client_as, name):
    owner = client_as(Role.OWNER)
    before, files = table_snapshot(app), _stored_files(app)
    # A good photo first, the bad one second: nothing at all may be kept.
    response = _file(owner, world, [(png(), "good.png"), BAD_PHOTOS[name]], description=f"漏水 {name}")
    assert response.status_code == 400
    assert 'id="photos-error"' in response.text
    assert table_snapshot(app) == before and _stored_files(app) == files


def test_more_than_six_photos_are_refused(app, world, client_as):
    owner = client_as(Role.OWNER)
    before = table_snapshot(app)
    response = _file(owner, world, [(png(colour=(i, i, i)), f"{i}.png") for i in range(7)])
    assert response.status_code == 400 and table_snapshot(app) == before


@pytest.mark.parametrize("field, value", [("description", ""), ("description", "x" * 2001), ("category_id", "999999999"),
                                          ("category_id", "abc"), ("unit_id", "99999999999999999999"),
                                          ("urgency", "panic"), ("location", "a\u0000b")])
def test_bad_input_names_the_field_and_changes_nothing(app, world, client_as, field, value):
    owner = client_as(Role.OWNER)
    before = table_snapshot(app)
    response = _file(owner, world, [], **{field: value})
    assert response.status_code == 400 and 'aria-invalid="true"' in response.text
    assert table_snapshot(app) == before


VIEWERS = [(Role.BUREAU_ADMIN, True), (Role.BUREAU_STAFF, True), (Role.AREA_OFFICER, True), (Role.FIRM_STAFF, True),
           (Role.COMMITTEE_MEMBER, True), (Role.OWNER, True)]


@pytest.mark.parametrize("role, sees", VIEWERS)
def test_every_role_of_the_tenant_sees_the_worlds_ticket(world, client_as, role, sees):
    response = client_as(role, "a").get(f"/t/alpha/tickets/{world.a.ticket_id}")
    assert response.status_code == (200 if sees else 404)


def _second_area_ticket(app, world):
    """A second street with its own community, firm and officer; a ticket there. Returns (ticket id, officer, firm staff)."""
    import datetime as dt

    from portal.communities.models import Area, AreaKind, Community, ServiceGrade
    from portal.firms.models import Contract, FeeModel, Firm
    from portal.tickets import services
    from tests.factories import make_user
    from tenants.models import Membership

    with app.app_context(), in_tenant(world.a) as tenant:
        street = Area(kind=AreaKind.STREET, name="另一街道")
        db.session.add(street)
        db.session.flush()
        community = Community(name="另一小区", area_id=street.id)
        firm = Firm(name="另一物业", credit_code="91371526MA3C00002X")
        db.session.add_all([community, firm])
        db.session.flush()
        db.session.add(Contract(firm_id=firm.id, community_id=community.id, start_date=dt.date(2025, 1, 1),
                                fee_model=FeeModel.LUMP_SUM, grade=ServiceGrade.GRADE2))
        officer, staff = make_user("另一街道干部"), make_user("另一物业员工")
        db.session.add_all([Membership(user_id=officer.id, role=Role.AREA_OFFICER, area_id=street.id),
                            Membership(user_id=staff.id, role=Role.FIRM_STAFF, firm_id=firm.id)])
        db.session.flush()
        category = services.categories()[0]
        ticket, _ = services.file_ticket(tenant=tenant, actor=staff, community=community, category=category,
                                         description="另一街道的工单", source=services.TicketSource.PHONE,
                                         caller_name="张先生")
        db.session.commit()
        result = (ticket.id, officer.mobile, staff.mobile)
        db.session.remove()
    return result


def test_an_officer_of_street_x_cannot_see_street_ys_tickets_nor_firm_x_firm_ys(app, world, client_as):
    from tests.conftest import login

    other_id, other_officer, other_staff = _second_area_ticket(app, world)
    officer, staff = client_as(Role.AREA_OFFICER), client_as(Role.FIRM_STAFF)
    committee, owner = client_as(Role.COMMITTEE_MEMBER), client_as(Role.OWNER)
    for client in (officer, staff, committee, owner):
        assert client.get(f"/t/alpha/tickets/{other_id}").status_code == 404
        assert "另一街道的工单" not in client.get("/t/alpha/tickets/").text
        assert client.get(f"/api/v1/t/alpha/tickets/{other_id}").status_code == 404
        assert client.post(f"/api/v1/t/alpha/tickets/{other_id}/transitions", json={"action": "urge", "note": "x"},
                           headers={"X-CSRFToken": csrf_token_for(client)}).status_code == 404
    for login_name in (other_officer, other_staff):
        other = app.test_client()
        assert login(other, login_name).status_code == 302
        assert other.get(f"/t/alpha/tickets/{other_id}").status_code == 200
        assert other.get(f"/t/alpha/tickets/{world.a.ticket_id}").status_code == 404
        assert f"漏水{world.a.sentinel}" not in other.get("/t/alpha/tickets/").text
    bureau = client_as(Role.BUREAU_STAFF)
    assert bureau.get(f"/t/alpha/tickets/{other_id}").status_code == 200


def test_an_owner_sees_only_their_own_tickets(app, world, client_as):
    other_id, _, _ = _second_area_ticket(app, world)
    owner = client_as(Role.OWNER)
    listed = owner.get("/api/v1/t/alpha/tickets").json
    assert [t["id"] for t in listed] == [world.a.ticket_id]
    assert owner.get(f"/t/alpha/tickets/{other_id}").status_code == 404


def test_the_firm_accepts_resolves_and_the_owner_rates(app, world, client_as):
    staff, owner = client_as(Role.FIRM_STAFF), client_as(Role.OWNER)
    url = f"/t/alpha/tickets/{world.a.ticket_id}"
    token = csrf_token_for(staff, url)
    assert staff.post(f"{url}/accept", data={"csrf_token": token, "assignee_id": str(world.a.users[Role.FIRM_STAFF]),
                                             "note": ""}).status_code == 303
    assert staff.post(f"{url}/start", data={"csrf_token": token}).status_code == 303
    response = staff.post(f"{url}/resolve", data={"csrf_token": token, "note": "已更换水管",
                                                  "photos": [(io.BytesIO(png()), "done.png")]},
                          content_type="multipart/form-data")
    assert response.status_code == 303
    # The owner of another ticket may not rate this one; the committee member may not either.
    assert client_as(Role.COMMITTEE_MEMBER).post(f"{url}/confirm", data={"csrf_token": token, "rating": "5"}).status_code in (400, 403)
    otoken = csrf_token_for(owner, url)
    assert owner.post(f"{url}/confirm", data={"csrf_token": otoken, "rating": "6"}).status_code == 400
    assert owner.post(f"{url}/confirm", data={"csrf_token": otoken, "rating": "4", "comment": "满意"}).status_code == 303
    page = owner.get(url).text
    assert "已更换水管" in page
    # An illegal step over HTTP: a clear message, nothing changed.
    response = owner.post(f"{url}/reopen", data={"csrf_token": otoken, "reason": "又坏了"}, follow_redirects=True)
    assert response.status_code == 200 and 'class="flash flash-error"' in response.text
    with app.app_context(), in_tenant(world.a):
        ticket = db.session.get(Ticket, world.a.ticket_id)
        assert ticket.status == TicketStatus.CONFIRMED and ticket.rating == 4 and ticket.reopen_count == 0


def test_a_supervisor_extends_with_a_reason_and_the_public_page_shows_no_personal_data(app, world, client_as):
    officer = client_as(Role.AREA_OFFICER)
    url = f"/t/alpha/tickets/{world.a.ticket_id}"
    token = csrf_token_for(officer, url)
    response = officer.post(f"{url}/extend", data={"csrf_token": token, "days": "0", "reason": "等配件"})
    assert response.status_code == 400 and 'id="days-error"' in response.text
    assert officer.post(f"{url}/extend", data={"csrf_token": token, "days": "3", "reason": "等配件"}).status_code == 303
    put_world_ticket(app, world.a, "submitted")
    public = app.test_client().get("/t/alpha/public/tickets")
    assert public.status_code == 200
    s = world.a.sentinel
    assert f"小区{s}" in public.text  # the community is named, its people and their words are not
    for private in (f"漏水{s}", f"位置{s}", f"owner-{s}", "1号楼", "101", f"城管{s}", f"约定{s}"):
        assert private not in public.text
    assert "<img" not in public.text


def test_in_a_firm_tenant_the_project_team_sees_its_project_and_head_office_all(app, world, client_as):
    """Tenant C is a firm's own: its project team sees its project's tickets only, head office every project's."""
    import datetime as dt

    from portal.communities.models import Area, Community, ServiceGrade
    from portal.firms.models import Contract, FeeModel
    from portal.tickets import services

    with app.app_context(), in_tenant(world.c) as tenant:
        branch = db.session.get(Area, world.c.area_id)
        other_branch = Area(kind=branch.kind, name="西城分公司")
        db.session.add(other_branch)
        db.session.flush()
        project = Community(name="另一项目", area_id=other_branch.id)
        db.session.add(project)
        db.session.flush()
        db.session.add(Contract(firm_id=world.c.firm_id, community_id=project.id, start_date=dt.date(2025, 1, 1),
                                fee_model=FeeModel.LUMP_SUM, grade=ServiceGrade.GRADE2))
        ticket, _ = services.file_ticket(tenant=tenant, actor=None, community=project, category=services.categories()[0],
                                         description="另一项目的工单", source=services.TicketSource.WALK_IN,
                                         caller_name="李阿姨")
        db.session.commit()
        other_id = ticket.id
        db.session.remove()
    own = f"/t/firmco/tickets/{world.c.ticket_id}"
    other = f"/t/firmco/tickets/{other_id}"
    for role in (Role.PROJECT_MANAGER, Role.PROJECT_STAFF, Role.AREA_OFFICER):
        client = client_as(role, "c")
        assert client.get(own).status_code == 200, role
        assert client.get(other).status_code == 404, role
    for role in (Role.BUREAU_ADMIN, Role.BUREAU_STAFF):
        client = client_as(role, "c")
        assert client.get(own).status_code == 200 and client.get(other).status_code == 200
