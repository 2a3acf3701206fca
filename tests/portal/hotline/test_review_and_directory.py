"""The review list (assign a community: the ticket is filed; dismiss with a reason: the phone is erased) and the
bureau's hotline directory with its public page."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.extensions import db as _db
from portal.hotline.models import Hotline, HotlineOrder, OrderState
from portal.tickets.models import Ticket, TicketSource
from tenants import across_tenants
from tenants.roles import Role
from tests.conftest import csrf_token_for
from tests.portal.pages import in_english, page_text


def order_of(app, order_id) -> HotlineOrder:
    with app.app_context(), across_tenants("test"):
        found = _db.session.get(HotlineOrder, order_id)
        _db.session.expunge(found)
        _db.session.remove()
    return found


def test_the_review_list_shows_the_order_and_its_masked_phone(app, world, client_as):
    staff = in_english(client_as(Role.BUREAU_STAFF, "a"))
    listed = staff.get("/t/alpha/hotline/review")
    assert listed.status_code == 200 and f"GD{world.a.tenant_id:04d}0001" in listed.text
    detail = staff.get(f"/t/alpha/hotline/orders/{world.a.hotline_order_id}")
    assert "139****5678" in detail.text and "13912345678" not in detail.text


def test_assigning_a_community_files_the_ticket(app, world, client_as):
    staff = client_as(Role.BUREAU_STAFF, "a")
    url = f"/t/alpha/hotline/orders/{world.a.hotline_order_id}/assign"
    assert staff.post(url, data={"csrf_token": csrf_token_for(staff)}).status_code == 400  # no community chosen
    assert staff.post(url, data={"csrf_token": csrf_token_for(staff),
                                 "community_id": str(world.b.community_id)}).status_code == 400  # B's community
    done = staff.post(url, data={"csrf_token": csrf_token_for(staff), "community_id": str(world.a.community_id)})
    assert done.status_code == 303, done.text[:500]
    order = order_of(app, world.a.hotline_order_id)
    assert order.state == OrderState.TICKETED and order.caller_phone == "" and order.reviewed_by_id
    with app.app_context(), across_tenants("test"):
        ticket = _db.session.get(Ticket, order.ticket_id)
        assert ticket.source == TicketSource.CITY_HOTLINE and ticket.community_id == world.a.community_id
        assert ticket.caller_phone == "13912345678"
        # Filed at the hotline's acceptance (Monday 2 November 09:00 in Shanghai): due 5 working days later.
        assert ticket.filed_at == dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.timezone.utc)
        assert ticket.resolve_due_at <= dt.datetime(2026, 11, 9, 1, 0, tzinfo=dt.timezone.utc)
        _db.session.remove()
    again = staff.post(url, data={"csrf_token": csrf_token_for(staff), "community_id": str(world.a.community_id)})
    assert again.status_code == 409  # dealt with already: nothing filed twice


def test_dismissing_needs_a_reason_and_erases_the_phone(app, world, client_as):
    staff = in_english(client_as(Role.BUREAU_ADMIN, "a"))
    url = f"/t/alpha/hotline/orders/{world.a.hotline_order_id}/dismiss"
    empty = staff.post(url, data={"csrf_token": csrf_token_for(staff), "reason": "  "})
    assert empty.status_code == 400 and "Say why the work order is dismissed." in page_text(empty.text)
    assert staff.post(url, data={"csrf_token": csrf_token_for(staff), "reason": "非本辖区"}).status_code == 303
    order = order_of(app, world.a.hotline_order_id)
    assert order.state == OrderState.DISMISSED and order.caller_phone == "" and order.ticket_id is None
    assert f"/hotline/orders/{world.a.hotline_order_id}" not in staff.get("/t/alpha/hotline/review").text


def test_the_bureau_keeps_the_directory_and_the_public_sees_it(app, world, client_as, client):
    admin = in_english(client_as(Role.BUREAU_STAFF, "a"))
    token = csrf_token_for(admin)
    bad = admin.post("/t/alpha/hotlines/new", data={"csrf_token": token, "name": "市长热线", "number": "call us"})
    assert bad.status_code == 400 and "digits, spaces, brackets" in page_text(bad.text)
    made = admin.post("/t/alpha/hotlines/new", data={"csrf_token": token, "name": "市民服务热线", "number": "12345",
                                                     "hours": "24 小时", "position": "0"})
    assert made.status_code == 303
    with app.app_context(), across_tenants("test"):
        city = _db.session.scalar(sa.select(Hotline).where(Hotline.name == "市民服务热线"))
        city_id = city.id
        assert city.area_id is None and city.tenant_id == world.a.tenant_id
        _db.session.remove()
    edited = admin.post(f"/t/alpha/hotlines/{city_id}/edit", data={
        "csrf_token": token, "name": "市民服务热线", "number": "12345", "hours": "全天 24 小时",
        "area_id": str(world.a.area_id), "position": "1"})
    assert edited.status_code == 303
    public = client.get("/t/alpha/public/hotlines")
    text = page_text(public.text)
    assert "市民服务热线" in text and "全天 24 小时" in text and "12345" in text
    assert "市民服务热线" not in client.get("/t/beta/public/hotlines").text
    assert admin.post(f"/t/alpha/hotlines/{city_id}/delete", data={"csrf_token": token}).status_code == 303
    with app.app_context(), across_tenants("test"):
        assert _db.session.get(Hotline, city_id) is None
        _db.session.remove()


def test_the_front_page_links_the_directory(app, world, client):
    assert "/t/alpha/public/hotlines" in client.get("/t/alpha/").text
