"""The Stripe webhook: signed on the raw body, each event once with its effect, out-of-order tolerant,
non-2xx on real failures; events signed here (SDK's generate_signature_header) at a frozen time."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from portal.audit.models import AuditEvent
from portal.extensions import db
from tenants import across_tenants
from tests.factories import World
from tests.portal.billing.helpers import WEBHOOK, account_state, events, post_event, set_account
from tests.routewalk import changed_tables, db_state
from tests.stripe_server import invoice_object, subscription_object

NOW = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.timezone.utc)
CUSTOMER, SUB = "cus_alpha_test", "sub_alpha_test"


@pytest.fixture
def wired(app, world: World, billing_on):
    """Tenant A with a paying subscription known to the portal (state as of an hour ago)."""
    set_account(app, world.a.tenant_id, stripe_customer_id=CUSTOMER, stripe_subscription_id=SUB,
                subscription_status="active", amount_fen=150000, state_at=NOW - dt.timedelta(hours=1),
                current_period_end=NOW + dt.timedelta(days=20))
    return world


def audit_actions(app, prefix="billing.") -> list[str]:
    with app.app_context(), across_tenants("test reads the audit log"):
        actions = list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.startswith(prefix))))
        db.session.remove()
    return actions


def test_twenty_deliveries_of_one_event_have_exactly_one_effect(app, wired, client):
    with freeze_time(NOW):
        answers = [post_event(client, "customer.subscription.deleted",
                              subscription_object(SUB, CUSTOMER, status="canceled"), created=NOW, event_id="evt_once")
                   for _ in range(20)]
    assert [a.status_code for a in answers] == [200] * 20
    assert [a.json["repeat"] for a in answers] == [False] + [True] * 19
    (event,) = events(app)
    assert (event.stripe_event_id, event.deliveries, event.effect, event.applied) == ("evt_once", 20, "subscription_ended", True)
    state = account_state(app, wired.a.tenant_id)
    assert state["subscription_status"] == "canceled" and state["tenant_status"] == "read_only"
    assert audit_actions(app) == ["billing.lapsed"]  # one effect, recorded once


@pytest.mark.parametrize("problem", ["forged signature", "tampered body", "stale timestamp", "no signature"])
def test_bad_signatures_are_refused_with_400_and_change_nothing(app, wired, client, problem):
    with freeze_time(NOW):
        before = db_state(app)
        obj = subscription_object(SUB, CUSTOMER, status="canceled")
        if problem == "forged signature":
            response = post_event(client, "customer.subscription.deleted", obj, created=NOW, secret="whsec_forged")
        elif problem == "tampered body":
            response = post_event(client, "customer.subscription.deleted", obj, created=NOW, tamper=True)
        elif problem == "stale timestamp":
            old = NOW - dt.timedelta(seconds=301)
            response = post_event(client, "customer.subscription.deleted", obj, created=old, signed_at=old)
        else:
            response = client.post(WEBHOOK, data=b'{"id": "evt_x"}', content_type="application/json")
        changed = changed_tables(before, db_state(app))
    assert response.status_code == 400
    assert changed == []


def test_an_older_event_after_a_newer_one_changes_nothing(app, wired, client):
    with freeze_time(NOW):
        newer = post_event(client, "customer.subscription.updated",
                           subscription_object(SUB, CUSTOMER, status="active", cancel_at_period_end=True),
                           created=NOW - dt.timedelta(minutes=1))
        assert newer.json["effect"] == "subscription_state"
        after_newer = account_state(app, wired.a.tenant_id)
        older = post_event(client, "customer.subscription.updated",
                           subscription_object(SUB, CUSTOMER, status="past_due", cancel_at_period_end=False),
                           created=NOW - dt.timedelta(minutes=5))
    assert older.status_code == 200 and older.json["effect"] == "older_than_state"
    assert account_state(app, wired.a.tenant_id) == after_newer
    assert after_newer["cancel_at_period_end"] is True and after_newer["subscription_status"] == "active"


def test_an_older_payment_failure_after_the_payment_changes_nothing(app, wired, client):
    invoice = "in_alpha_1"
    with freeze_time(NOW):
        paid = post_event(client, "invoice.payment_succeeded", invoice_object(invoice, CUSTOMER, SUB, status="paid"),
                          created=NOW - dt.timedelta(minutes=1))
        assert paid.json["effect"] == "payment_received"
        before = db_state(app)
        late = post_event(client, "invoice.payment_failed", invoice_object(invoice, CUSTOMER, SUB, status="open"),
                          created=NOW - dt.timedelta(minutes=10))
        changed = changed_tables(before, db_state(app))
    assert late.json.get("effect") == "older_than_state", late.json
    assert changed == ["billing_events"]  # only the event itself is recorded
    assert account_state(app, wired.a.tenant_id)["subscription_status"] == "active"


def test_payment_failure_grace_lapse_and_payment_again(app, wired, client, client_as):
    """Past due: a banner and the grace period; after it the tenant is read-only; paying restores writes."""
    from tests.conftest import csrf_token_for
    from tenants.roles import Role

    grace = app.config["BILLING_GRACE_DAYS"]
    with freeze_time(NOW):
        admin = client_as(Role.BUREAU_ADMIN, "a")  # signed in at the frozen time (sessions end when idle)
        token = csrf_token_for(admin)
        failed = post_event(client, "invoice.payment_failed", invoice_object("in_alpha_2", CUSTOMER, SUB, status="open"),
                            created=NOW)
        assert failed.json["effect"] == "payment_failed"
        page = admin.get("/t/alpha/dashboard")
        assert 'class="billing-notice"' in page.text
        assert admin.post("/t/alpha/account/tokens/", data={"csrf_token": token, "name": "in grace"}).status_code == 200
    with freeze_time(NOW + dt.timedelta(days=grace, seconds=1)):
        admin = client_as(Role.BUREAU_ADMIN, "a")
        token = csrf_token_for(admin)
        refused = admin.post("/t/alpha/account/tokens/", data={"csrf_token": token, "name": "after grace"})
        assert refused.status_code == 403 and "billing-notice lapsed" in admin.get("/t/alpha/dashboard").text
        api = admin.post("/api/v1/t/alpha/tokens", json={"name": "x"}, headers={"X-CSRFToken": token})
        assert api.status_code == 403 and api.json["error"]["code"] == "tenant_billing_lapsed"
        paid = post_event(client, "invoice.payment_succeeded", invoice_object("in_alpha_2", CUSTOMER, SUB, status="paid"),
                          created=NOW + dt.timedelta(days=grace, seconds=1))
        assert paid.json["effect"] == "payment_received"
        assert admin.post("/t/alpha/account/tokens/", data={"csrf_token": token, "name": "paid"}).status_code == 200
    assert account_state(app, wired.a.tenant_id)["subscription_status"] == "active"


@pytest.mark.parametrize("event_type, obj, effect", [
    ("customer.subscription.updated", subscription_object("sub_x", "cus_nobody"), "unknown_customer"),
    ("customer.created", {"id": CUSTOMER, "object": "customer"}, "not_handled"),
    ("customer.subscription.deleted", subscription_object("sub_old", CUSTOMER, status="canceled"), "other_subscription"),
])
def test_events_without_an_effect_are_recorded_with_the_reason(app, wired, client, event_type, obj, effect):
    before = account_state(app, wired.a.tenant_id)
    with freeze_time(NOW):
        response = post_event(client, event_type, obj, created=NOW)
    assert response.status_code == 200 and response.json["effect"] == effect
    (event,) = events(app)
    assert event.effect == effect and not event.applied
    assert account_state(app, wired.a.tenant_id) == before


def test_a_real_failure_answers_500_records_nothing_and_the_retry_works(app, wired, client, monkeypatch):
    from portal.billing import webhooks

    real_apply = webhooks.apply
    monkeypatch.setattr(webhooks, "apply", lambda event: (_ for _ in ()).throw(RuntimeError("database went away")))
    obj = subscription_object(SUB, CUSTOMER, status="canceled")
    with freeze_time(NOW):
        assert post_event(client, "customer.subscription.deleted", obj, created=NOW, event_id="evt_retry").status_code == 500
        assert events(app) == []
        monkeypatch.setattr(webhooks, "apply", real_apply)
        retry = post_event(client, "customer.subscription.deleted", obj, created=NOW, event_id="evt_retry")
    assert retry.status_code == 200 and retry.json["effect"] == "subscription_ended"


def test_the_webhook_is_not_there_while_billing_is_off(app, world, client):
    with freeze_time(NOW):
        response = post_event(client, "customer.subscription.deleted", subscription_object(SUB, CUSTOMER), created=NOW)
    assert response.status_code == 404
