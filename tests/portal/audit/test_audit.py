"""The audit log: its page (order, filters, Shanghai dates and times), append-only storage, client address."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.audit.models import AuditEvent, AuditLogIsAppendOnly
from portal.auth.models import User
from portal import config as portal_config
from portal.extensions import db
from tenants import tenant_scope
from tenants.scoping import tenant_sql
from tenants.models import Tenant, TenantKind
from tenants.roles import Role, roles_for
from tests.portal.pages import csrf_token_for, field_error, in_english, login

UTC = dt.timezone.utc

BUREAU_ROLES = roles_for(TenantKind.BUREAU)  # tenant A is a bureau; the firm tenant C has its own tests


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def events(app, world):
    """Five events in tenant A at known UTC times, by two actors, plus one in tenant B."""
    rows = [
        # (UTC time, action, object type, actor role, summary)
        ("2026-02-28 15:59", "member.added", "membership", Role.BUREAU_ADMIN, "EV-FEB28-LATE"),   # 23:59 on 28 Feb
        ("2026-02-28 16:30", "member.changed", "membership", Role.BUREAU_ADMIN, "EV-MAR01-EARLY"),  # 00:30 on 1 Mar
        ("2026-03-01 15:30", "tenant.status", "tenant", Role.BUREAU_STAFF, "EV-MAR01-LATE"),       # 23:30 on 1 Mar
        ("2026-03-01 16:00", "api_token.created", "api_token", Role.BUREAU_ADMIN, "EV-MAR02-MIDNIGHT"),  # 00:00 on 2 Mar
        ("2026-03-05 02:00", "member.deactivated", "membership", Role.BUREAU_STAFF, "EV-MAR05"),
    ]
    with app.app_context():
        for key in ("a", "b"):
            tenant = db.session.get(Tenant, world[key].tenant_id)
            with tenant_scope(tenant):
                for when, action, object_type, role, summary in rows if key == "a" else rows[:1]:
                    actor = db.session.get(User, world[key].users[role])
                    db.session.add(AuditEvent(occurred_at=at(when), actor_id=actor.id, actor_label=actor.display_name,
                                              action=action, object_type=object_type, object_id="7",
                                              summary=f"{summary}-{key.upper()}"))
                db.session.flush()
        db.session.commit()
    return [r[4] + "-A" for r in rows]


@pytest.fixture
def admin(client_as):
    return in_english(client_as(Role.BUREAU_ADMIN, "a"))


def shown(page: str, all_summaries) -> list[str]:
    """The test events listed on the page, in the order shown."""
    found = re.findall(r"EV-[A-Z0-9-]+?-[AB]\b", page)
    return [s for s in found if s in all_summaries or s.endswith("-B")]


def test_events_are_listed_newest_first(admin, events):
    page = admin.get("/t/alpha/audit/")
    assert page.status_code == 200
    assert shown(page.text, events) == list(reversed(events))
    assert "EV-FEB28-LATE-B" not in page.text  # tenant B's events stay in tenant B


@pytest.mark.parametrize(
    "query, expected",
    [
        ("action=member.", ["EV-MAR05", "EV-MAR01-EARLY", "EV-FEB28-LATE"]),
        ("action=member.ch", ["EV-MAR01-EARLY"]),
        ("action=member%25", []),  # the prefix is literal, not a LIKE pattern
        ("action=api_", ["EV-MAR02-MIDNIGHT"]),
        ("object_type=tenant", ["EV-MAR01-LATE"]),
        ("object_type=member", []),  # object type matches exactly
        ("action=member.&object_type=membership&date_from=2026-03-01", ["EV-MAR05", "EV-MAR01-EARLY"]),
    ],
)
def test_filters_by_action_prefix_and_object_type(admin, events, query, expected):
    page = admin.get(f"/t/alpha/audit/?{query}")
    assert page.status_code == 200
    assert shown(page.text, events) == [e + "-A" for e in expected]


def test_filters_by_actor(world, admin, events):
    staff_name = f"{Role.BUREAU_STAFF.value}-{world.a.sentinel}"
    page = admin.get(f"/t/alpha/audit/?actor={staff_name}")
    assert shown(page.text, events) == ["EV-MAR05-A", "EV-MAR01-LATE-A"]
    page = admin.get("/t/alpha/audit/?actor=bureau_sta")  # part of the name is enough
    assert shown(page.text, events) == ["EV-MAR05-A", "EV-MAR01-LATE-A"]


@pytest.mark.parametrize(
    "query, expected",
    [
        # 1 March in Shanghai runs from 28 Feb 16:00 UTC to 1 Mar 16:00 UTC.
        ("date_from=2026-03-01&date_to=2026-03-01", ["EV-MAR01-LATE", "EV-MAR01-EARLY"]),
        ("date_to=2026-02-28", ["EV-FEB28-LATE"]),
        ("date_from=2026-03-02", ["EV-MAR05", "EV-MAR02-MIDNIGHT"]),
        ("date_from=2026-03-02&date_to=2026-03-04", ["EV-MAR02-MIDNIGHT"]),
        ("date_from=2026-03-06", []),
    ],
)
def test_date_range_is_read_in_shanghai_time(admin, events, query, expected):
    page = admin.get(f"/t/alpha/audit/?{query}")
    assert page.status_code == 200
    assert shown(page.text, events) == [e + "-A" for e in expected]


@pytest.mark.parametrize("field", ["date_from", "date_to"])
@pytest.mark.parametrize("value", ["2026-13-45", "yesterday", "01/03/2026"])
def test_invalid_date_is_a_400_naming_the_field(admin, events, field, value):
    page = admin.get(f"/t/alpha/audit/?{field}={value}")
    assert page.status_code == 400
    assert field_error(page.text, field) == "Not a valid date value."
    assert shown(page.text, events) == []


def test_times_are_shown_in_shanghai(admin, events):
    page = admin.get("/t/alpha/audit/?action=tenant.status").text
    assert "2026-03-01 23:30" in page
    assert "2026-03-01 15:30" not in page
    page = admin.get("/t/alpha/audit/?action=api_token").text
    assert "2026-03-02 00:00" in page


def test_times_follow_the_tenant_time_zone(app, world, admin, events):
    with app.app_context():
        db.session.get(Tenant, world.a.tenant_id).time_zone = "Europe/London"
        db.session.commit()
    page = admin.get("/t/alpha/audit/?action=tenant.status").text
    assert "2026-03-01 15:30" in page and "2026-03-01 23:30" not in page


def test_pages_of_fifty(app, world, admin):
    with app.app_context():
        tenant = db.session.get(Tenant, world.a.tenant_id)
        with tenant_scope(tenant):
            start = at("2026-01-01 00:00")
            for i in range(60):
                db.session.add(AuditEvent(occurred_at=start + dt.timedelta(minutes=i), action="bulk.test",
                                          summary=f"BULK{i:02d}X"))
            db.session.commit()
    first = admin.get("/t/alpha/audit/?action=bulk.").text
    assert "BULK59X" in first and "BULK10X" in first and "BULK09X" not in first
    assert "1 / 2" in first
    older = re.search(r'<a href="([^"]+)" rel="next">Older</a>', first).group(1)
    assert "page=2" in older and "action=bulk." in older
    second = admin.get("/t/alpha/audit/?action=bulk.&page=2").text
    assert "BULK09X" in second and "BULK00X" in second and "BULK10X" not in second


@pytest.mark.parametrize("role", [r for r in BUREAU_ROLES if r != Role.BUREAU_ADMIN])
def test_only_the_administrator_reads_the_log(client_as, role):
    assert client_as(role, "a").get("/t/alpha/audit/").status_code == 403


def test_other_tenants_admin_gets_404(client_as):
    assert client_as(Role.BUREAU_ADMIN, "b").get("/t/alpha/audit/").status_code == 404


def test_events_cannot_be_changed_or_deleted_through_the_orm(app, world):
    with app.app_context():
        tenant = db.session.get(Tenant, world.a.tenant_id)
        with tenant_scope(tenant):
            event = db.session.get(AuditEvent, world.a.audit_event_id)
            event.summary = "rewritten history"
            with pytest.raises(AuditLogIsAppendOnly):
                db.session.flush()
            db.session.rollback()
            event = db.session.get(AuditEvent, world.a.audit_event_id)
            db.session.delete(event)
            with pytest.raises(AuditLogIsAppendOnly):
                db.session.flush()
            db.session.rollback()
            assert db.session.get(AuditEvent, world.a.audit_event_id).summary == f"seeded {world.a.sentinel}"


@pytest.mark.parametrize("change", [
    # Bulk ORM statements skip the mapper events, so only the database trigger stands in their way.
    lambda event_id: db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == event_id).values(summary="forged")),
    lambda event_id: db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == event_id)),
    lambda event_id: tenant_sql(db.session, "UPDATE audit_events SET summary = 'forged' "
                                            "WHERE id = :id AND tenant_id = :tenant_id", id=event_id),
    lambda event_id: tenant_sql(db.session, "DELETE FROM audit_events WHERE id = :id AND tenant_id = :tenant_id",
                                id=event_id),
], ids=["orm-bulk-update", "orm-bulk-delete", "sql-update", "sql-delete"])
def test_database_trigger_refuses_changes_that_bypass_the_orm(app, world, change):
    with app.app_context():
        tenant = db.session.get(Tenant, world.a.tenant_id)
        with tenant_scope(tenant):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                change(world.a.audit_event_id)
            db.session.rollback()
            event = db.session.get(AuditEvent, world.a.audit_event_id)
            assert event is not None and event.summary == f"seeded {world.a.sentinel}"


def test_event_records_the_client_address(app, world):
    client = in_english(app.test_client())
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert login(client, world.a.logins[Role.BUREAU_ADMIN]).status_code == 302
    response = client.post("/t/alpha/account/tokens/",
                           data={"csrf_token": csrf_token_for(client), "name": "address test"})
    assert response.status_code == 200
    with app.app_context():
        tenant = db.session.get(Tenant, world.a.tenant_id)
        with tenant_scope(tenant):
            event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "api_token.created"))
            assert event.client_address == "203.0.113.9"
    page = client.get("/t/alpha/audit/?action=api_token.created").text
    assert "203.0.113.9" in page


def test_client_address_comes_from_the_trusted_proxy_hop(app):
    """PORTAL_PROXY_FIX_HOPS=1: the address nginx reports is used; a forged header in front of it is not."""
    from portal.net import client_address

    config = portal_config.TestConfig()
    config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    behind_proxy = create_app(config, PROXY_FIX_HOPS=1)
    direct = create_app(config)
    for probe in (behind_proxy, direct):
        probe.add_url_rule("/_probe/address", "probe_address", lambda: client_address())
    headers = {"X-Forwarded-For": "198.51.100.66, 203.0.113.9"}  # client-forged value, then nginx's
    environ = {"REMOTE_ADDR": "127.0.0.1"}
    assert behind_proxy.test_client().get("/_probe/address", headers=headers, environ_base=environ).text == "203.0.113.9"
    assert direct.test_client().get("/_probe/address", headers=headers, environ_base=environ).text == "127.0.0.1"
