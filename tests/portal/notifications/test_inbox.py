"""The bell and the inbox pages, marking read (only one's own; another tenant's is a 404), the preferences,
and the JSON API."""
from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.notifications.models import Notification
from tenants import across_tenants
from tenants.roles import Role
from tests.conftest import csrf_token_for
from tests.factories import csrf_from


def _read_at(app, notification_id):
    with app.app_context(), across_tenants("test"):
        value = db.session.scalar(sa.select(Notification.read_at).where(Notification.id == notification_id))
        db.session.remove()
        return value


def test_the_bell_shows_the_unread_count_and_the_inbox_the_sentence(app, world, client_as):
    owner = client_as(Role.OWNER)
    home = owner.get("/t/alpha/dashboard")
    assert 'href="/t/alpha/notifications/"' in home.text and "1 条未读" in home.text
    inbox = owner.get("/t/alpha/notifications/")
    assert inbox.status_code == 200
    assert "您的工单" in inbox.text and "已被催办" in inbox.text and "ticket.urged_owner" not in inbox.text
    assert "您有 1 条未读通知" in inbox.text
    only_unread = owner.get("/t/alpha/notifications/?unread=1")
    assert "已被催办" in only_unread.text
    english = owner.get("/t/alpha/notifications/", headers={"Cookie": "lang=en"})
    assert english.status_code == 200


def test_opening_marks_read_and_goes_to_the_ticket(app, world, client_as):
    owner = client_as(Role.OWNER)
    token = csrf_from(owner.get("/t/alpha/notifications/").text)
    opened = owner.post(f"/t/alpha/notifications/{world.a.notification_id}/read", data={"csrf_token": token, "open": "1"})
    assert opened.status_code == 303 and opened.headers["Location"].endswith(f"/t/alpha/tickets/{world.a.ticket_id}")
    assert _read_at(app, world.a.notification_id) is not None
    assert "条未读" not in owner.get("/t/alpha/dashboard").text


def test_nobody_marks_someone_elses_and_another_tenant_is_404(app, world, client_as):
    firm = client_as(Role.FIRM_STAFF)
    token = csrf_token_for(firm, "/t/alpha/notifications/")
    theirs = firm.post(f"/t/alpha/notifications/{world.a.notification_id}/read", data={"csrf_token": token})
    assert theirs.status_code == 404
    owner_b = client_as(Role.OWNER, "b")
    token_b = csrf_token_for(owner_b, "/t/beta/notifications/")
    across = owner_b.post(f"/t/beta/notifications/{world.a.notification_id}/read", data={"csrf_token": token_b})
    assert across.status_code == 404
    owner_a = client_as(Role.OWNER)
    no_csrf = owner_a.post(f"/t/alpha/notifications/{world.a.notification_id}/read", data={})
    assert no_csrf.status_code == 400
    assert _read_at(app, world.a.notification_id) is None


def test_mark_all_read_touches_only_ones_own(app, world, client_as):
    firm = client_as(Role.FIRM_STAFF)
    token = csrf_token_for(firm, "/t/alpha/notifications/")
    done = firm.post("/t/alpha/notifications/read-all", data={"csrf_token": token})
    assert done.status_code == 303
    assert _read_at(app, world.a.notification_id) is None  # the owner's stays unread
    with app.app_context(), across_tenants("test"):
        unread = db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.recipient_id == world.a.users[Role.FIRM_STAFF], Notification.read_at.is_(None)))
        db.session.remove()
    assert unread == 0


def test_preferences_are_saved_and_a_bad_language_is_refused(app, world, client_as):
    from portal.auth.models import User

    owner = client_as(Role.OWNER)
    token = csrf_token_for(owner, "/t/alpha/notifications/")
    bad = owner.post("/t/alpha/notifications/preferences", data={"csrf_token": token, "locale": "fr", "email": "y"})
    assert bad.status_code == 400 and "语言" in bad.text
    good = owner.post("/t/alpha/notifications/preferences", data={"csrf_token": token, "locale": "en"})
    assert good.status_code == 303
    with app.app_context():
        person = db.session.get(User, world.a.users[Role.OWNER])
        assert (person.notify_by_email, person.locale) == (False, "en")
        db.session.remove()


def test_api_lists_mine_and_marks_read(app, world, client_as):
    owner = client_as(Role.OWNER)
    listed = owner.get("/api/v1/t/alpha/notifications")
    assert listed.status_code == 200
    assert [n["id"] for n in listed.json] == [world.a.notification_id]
    assert listed.json[0]["kind"] == "ticket.urged_owner" and "已被催办" in listed.json[0]["text"]
    assert listed.json[0]["link"] == f"/t/alpha/tickets/{world.a.ticket_id}"
    headers = {"X-CSRFToken": csrf_token_for(owner)}
    marked = owner.patch(f"/api/v1/t/alpha/notifications/{world.a.notification_id}", headers=headers, json={"read": True})
    assert marked.status_code == 200 and marked.json["read_at"]
    assert owner.get("/api/v1/t/alpha/notifications?unread=true").json == []
    firm = client_as(Role.FIRM_STAFF)
    fh = {"X-CSRFToken": csrf_token_for(firm)}
    assert firm.patch(f"/api/v1/t/alpha/notifications/{world.a.notification_id}", headers=fh,
                      json={"read": True}).status_code == 404
    assert firm.post("/api/v1/t/alpha/notifications/read-all", headers=fh, json={}).json["marked"] >= 1
    assert owner.patch(f"/api/v1/t/alpha/notifications/{world.a.notification_id}", headers=headers,
                       json={"read": False}).status_code == 422
