"""Ticket photos through the API: list, download (safe headers), upload at the stages the web pages allow, with
the same storage hardening and visibility as the pages."""
from __future__ import annotations

import io

import sqlalchemy as sa

from portal.extensions import db as _db
from portal.tickets.models import TicketPhoto
from tenants import across_tenants
from tenants.roles import Role
from tests.conftest import csrf_token_for
from tests.factories import World
from tests.portal.tickets.helpers import png, put_world_ticket


def _upload(client, world_ticket: int, stage: str, data: bytes, name: str = "p.png", slug: str = "alpha"):
    return client.post(f"/api/v1/t/{slug}/tickets/{world_ticket}/photos",
                       data={"file": (io.BytesIO(data), name), "stage": stage},
                       headers={"X-CSRFToken": csrf_token_for(client)}, content_type="multipart/form-data")


def photo_count(app, ticket_id: int) -> int:
    with app.app_context(), across_tenants("test counts photos"):
        n = _db.session.scalar(sa.select(sa.func.count(TicketPhoto.id)).where(TicketPhoto.ticket_id == ticket_id))
        _db.session.remove()
    return n


def test_list_and_download_with_safe_headers(app, world: World, client_as):
    owner = client_as(Role.OWNER)
    listed = owner.get(f"/api/v1/t/alpha/tickets/{world.a.ticket_id}/photos")
    assert listed.status_code == 200 and [p["id"] for p in listed.json] == [world.a.ticket_photo_id]
    assert listed.json[0]["stage"] == "report" and listed.json[0]["content_type"].startswith("image/")
    got = owner.get(f"/api/v1/t/alpha/tickets/{world.a.ticket_id}/photos/{world.a.ticket_photo_id}")
    assert got.status_code == 200 and got.mimetype.startswith("image/")
    assert got.headers["X-Content-Type-Options"] == "nosniff" and "sandbox" in got.headers["Content-Security-Policy"]
    # The photo of another tenant's ticket, through this tenant's ticket: not found.
    assert owner.get(f"/api/v1/t/alpha/tickets/{world.a.ticket_id}/photos/{world.b.ticket_photo_id}").status_code == 404


def test_who_sees_the_photos(app, world: World, client_as):
    url = f"/api/v1/t/alpha/tickets/{world.a.ticket_id}/photos"
    assert client_as(Role.AREA_OFFICER).get(url).status_code == 200           # her area's community
    assert client_as(Role.FIRM_STAFF).get(url).status_code == 200             # its firm's ticket
    assert client_as(Role.COMMITTEE_MEMBER).get(url).status_code == 200       # its community
    assert client_as(Role.BUREAU_ADMIN, "b").get(url).status_code == 404      # another tenant
    assert client_as(Role.OWNER, "b").get(
        f"/api/v1/t/beta/tickets/{world.a.ticket_id}/photos").status_code == 404


def test_the_filer_adds_report_photos_while_submitted(app, world: World, client_as):
    owner = client_as(Role.OWNER)
    made = _upload(owner, world.a.ticket_id, "report", png())
    assert made.status_code == 201, made.text
    assert made.json["stage"] == "report" and photo_count(app, world.a.ticket_id) == 2
    # Not the filer: the firm may not add photos of the problem; a photo of the repair before it is accepted: 409.
    staff = client_as(Role.FIRM_STAFF)
    assert _upload(staff, world.a.ticket_id, "report", png()).status_code == 403
    late = _upload(staff, world.a.ticket_id, "resolution", png())
    assert late.status_code == 409 and late.json["error"]["code"] == "illegal_stage"
    # The supervisor sees the ticket but handles nothing.
    assert _upload(client_as(Role.AREA_OFFICER), world.a.ticket_id, "resolution", png()).status_code == 403


def test_the_firm_adds_repair_photos_while_working(app, world: World, client_as):
    put_world_ticket(app, world.a, "in_progress")
    staff = client_as(Role.FIRM_STAFF)
    made = _upload(staff, world.a.ticket_id, "resolution", png())
    assert made.status_code == 201 and made.json["stage"] == "resolution"
    owner = client_as(Role.OWNER)
    assert _upload(owner, world.a.ticket_id, "report", png()).status_code == 409  # accepted already
    assert _upload(owner, world.a.ticket_id, "resolution", png()).status_code == 403


def test_hardening_refuses_junk_and_stores_nothing(app, world: World, client_as):
    owner = client_as(Role.OWNER)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for data, name in ((svg, "x.png"), (b"%PDF-1.4 junk", "x.jpg"), (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "x.png")):
        response = _upload(owner, world.a.ticket_id, "report", data, name)
        assert response.status_code == 422, response.text
        assert "file" in response.json["error"]["fields"]
    assert photo_count(app, world.a.ticket_id) == 1
    missing = owner.post(f"/api/v1/t/alpha/tickets/{world.a.ticket_id}/photos", data={"stage": "report"},
                         headers={"X-CSRFToken": csrf_token_for(owner)}, content_type="multipart/form-data")
    assert missing.status_code == 422


def test_gps_exif_never_survives(app, world: World, client_as):
    from PIL import Image

    image = Image.new("RGB", (64, 48), (200, 10, 10))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    assert b"Exif" in out.getvalue()
    owner = client_as(Role.OWNER)
    made = _upload(owner, world.a.ticket_id, "report", out.getvalue(), "gps.jpg")
    assert made.status_code == 201
    got = owner.get(f"/api/v1/t/alpha/tickets/{world.a.ticket_id}/photos/{made.json['id']}")
    assert b"Exif" not in got.data and b"GPS" not in got.data
