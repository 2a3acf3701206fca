"""A lapsed tenant: every state-changing route refuses (HTML and API, with the reason in the reader's
language), reading and exports keep working, no row is deleted, and paying again restores writes."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from freezegun import freeze_time

from portal.extensions import db as _db
from tenants.billing import gateway as gw
from tenants.roles import Role
from tests.conftest import csrf_token_for, login, table_snapshot
from tests.factories import World, csrf_from
from tests.portal.billing.helpers import account_state, post_event, subscribe_tenant
from tests.routewalk import STATE_CHANGING, changed_tables, db_state, is_tenant_scoped, methods, rules, url_variants
from tests.stripe_server import subscription_object

NOW = dt.datetime(2026, 4, 1, 8, 0, tzinfo=dt.timezone.utc)
LAPSE_MESSAGE = "subscription has lapsed"
# Billing stays open while lapsed: paying is how the tenant gets its writes back.
BILLING_ENDPOINTS = frozenset({"billing.pay", "billing.change_plan", "billing.cancel", "billing.resume"})
READS = ["/t/alpha/dashboard", "/t/alpha/members/", "/t/alpha/communities/", "/t/alpha/firms/", "/t/alpha/audit/",
         "/t/alpha/checklists/", "/t/alpha/", "/api/v1/t/alpha/communities", "/api/v1/t/alpha/members"]


def english(client):
    client.set_cookie("portal_lang", "en")
    return client


def lapse(app, world: World, client) -> dict:
    """Tenant A subscribed, then its subscription ended at Stripe (as after unpaid retries or a cancellation)."""
    state = subscribe_tenant(app, world.a.tenant_id)
    with app.app_context():
        gw.gateway(app).cancel_now(state["stripe_subscription_id"])
    deleted = post_event(client, "customer.subscription.deleted",
                         subscription_object(state["stripe_subscription_id"], state["stripe_customer_id"], status="canceled"),
                         created=NOW + dt.timedelta(minutes=1))
    assert deleted.json["effect"] == "subscription_ended", deleted.json
    state = account_state(app, world.a.tenant_id)
    assert state["tenant_status"] == "read_only" and state["holds_read_only"] is True
    return state


def test_a_lapsed_tenant_refuses_every_write_keeps_reading_and_paying_restores(app, world: World, billing_on, client):
    with freeze_time(NOW):
        lapse(app, world, client)
        admin = english(app.test_client())
        assert login(admin, world.a.logins[Role.BUREAU_ADMIN]).status_code == 302
        token = csrf_token_for(admin)
        anonymous = english(app.test_client())
        anonymous_token = csrf_from(anonymous.get("/login").text)
        bearer = {"Authorization": f"Bearer {world.a.token_secret}"}

        counts_before, state_before = table_snapshot(app), db_state(app)
        problems, refused = [], 0
        for rule in rules(app):
            if not is_tenant_scoped(rule) or rule.endpoint in BILLING_ENDPOINTS:
                continue
            for method in [m for m in methods(rule) if m in STATE_CHANGING]:
                for url in url_variants(rule, slug=world.a.slug, ids=world.a, world=world):
                    is_api = url.startswith("/api/")
                    senders = [(admin, token), (anonymous, anonymous_token)] + ([(english(app.test_client()), None)] if is_api else [])
                    for client_, csrf in senders:
                        headers = dict(bearer) if csrf is None else {"X-CSRFToken": csrf}
                        if is_api:
                            response = client_.open(url, method=method, headers=headers, data=json.dumps({}),
                                                    content_type="application/json")
                        else:
                            response = client_.open(url, method=method, data={"csrf_token": csrf}, headers=headers)
                        refused += 1
                        text = response.get_data(as_text=True)
                        ok = response.status_code == 403 and (
                            response.json["error"]["code"] == "tenant_billing_lapsed" and LAPSE_MESSAGE in
                            response.json["error"]["message"] if is_api else LAPSE_MESSAGE in text)
                        if not ok:
                            problems.append(f"{method} {url}: {response.status_code} {text[:120]}")
        assert refused > 100 and not problems, "\n".join(problems[:30])
        assert table_snapshot(app) == counts_before  # no row added or deleted
        assert changed_tables(state_before, db_state(app)) == []  # and none changed

        # Reading and exporting still work; the banner says why nothing can be changed.
        for path in READS:
            response = admin.get(path)
            assert response.status_code == 200, path
        assert "billing-notice lapsed" in admin.get("/t/alpha/dashboard").text
        export = admin.get(f"/t/alpha/roster/{world.a.community_id}/export.csv")
        assert export.status_code == 200 and export.mimetype.startswith("text/csv")

        # Paying again (a new subscription with a working card) restores writes at once.
        paid = admin.post("/t/alpha/billing/pay", data={"csrf_token": token, "plan": "county",
                                                         "payment_method": "pm_card_visa"})
        assert paid.status_code == 303, paid.text
        state = account_state(app, world.a.tenant_id)
        assert state["subscription_status"] == "active" and state["tenant_status"] == "active"
        assert not state["holds_read_only"]
        created = admin.post("/t/alpha/account/tokens/", data={"csrf_token": token, "name": "back in business"})
        assert created.status_code == 200
        assert table_snapshot(app)["api_tokens"] == counts_before["api_tokens"] + 1


def test_the_lapse_message_is_in_the_readers_language(app, world: World, billing_on, client):
    with freeze_time(NOW):
        lapse(app, world, client)
        admin = app.test_client()
        assert login(admin, world.a.logins[Role.BUREAU_ADMIN]).status_code == 302
        token = csrf_token_for(admin)
        page = admin.post("/t/alpha/members/new", data={"csrf_token": token})
        api = admin.post("/api/v1/t/alpha/areas", json={"kind": "street", "name": "x"}, headers={"X-CSRFToken": token})
    assert page.status_code == api.status_code == 403
    assert "订阅已过期" in page.text and "订阅已过期" in api.json["error"]["message"]


def test_the_platform_administrators_read_only_is_not_lifted_by_paying(app, world: World, billing_on, client):
    """Billing lifts only the read-only state it set itself."""
    from tests.portal.platform.test_platform import change_status

    with freeze_time(NOW):
        platform = app.test_client()
        assert login(platform, world.platform_admin_login).status_code == 302
        assert change_status(platform, world.a.tenant_id, "read_only").status_code == 303
        subscribe_tenant(app, world.a.tenant_id)
        state = account_state(app, world.a.tenant_id)
    assert state["tenant_status"] == "read_only" and not state["holds_read_only"]


@pytest.fixture
def lapsed_by_time(app, world: World, billing_on):
    """A payment that failed long ago: the grace ran out with no event since (the status still says active)."""
    from tests.portal.billing.helpers import set_account

    set_account(app, world.a.tenant_id, stripe_customer_id="cus_x", stripe_subscription_id="sub_x",
                subscription_status="past_due", past_due_since=NOW - dt.timedelta(days=60), state_at=NOW - dt.timedelta(days=60))
    return world


def test_a_grace_that_ran_out_refuses_writes_before_any_job_runs(app, lapsed_by_time, client_as):
    with freeze_time(NOW):
        admin = english(client_as(Role.BUREAU_ADMIN, "a"))
        response = admin.post("/t/alpha/account/tokens/", data={"csrf_token": csrf_token_for(admin), "name": "x"})
        assert response.status_code == 403 and LAPSE_MESSAGE in response.text
        assert account_state(app, lapsed_by_time.a.tenant_id)["tenant_status"] == "active"
        from portal.billing import services

        with app.app_context():
            assert services.sync_all() == [("alpha", "read_only")]
            _db.session.commit()
            _db.session.remove()
    assert account_state(app, lapsed_by_time.a.tenant_id)["tenant_status"] == "read_only"
