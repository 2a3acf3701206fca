"""Real deliveries: the local Stripe server signs and posts its own events to the portal served over HTTP
(a separate app on its own database, so the deliveries commit). Not frozen in time: the server signs
with its own clock, and the portal checks the signature's age against the same clock."""
from __future__ import annotations

import threading

import sqlalchemy as sa
from werkzeug.serving import make_server

from portal.extensions import db
from tenants import tenant_scope
from tenants.billing import gateway as gw
from tenants.billing.models import BillingAccount, BillingEvent
from tenants.models import Tenant, TenantStatus
from tests.separate_app import separate_app
from tests.stripe_server import TEST_KEY, WEBHOOK_SECRET

WAIT_SECONDS = 20


class DeliveryCounter:
    """WSGI middleware counting finished webhook requests, so the test waits on a condition (no sleeps)."""

    def __init__(self, app):
        self.app, self.done, self.condition = app, 0, threading.Condition()

    def __call__(self, environ, start_response):
        try:
            return self.app(environ, start_response)
        finally:
            if environ.get("PATH_INFO") == "/billing/stripe/webhook":
                with self.condition:
                    self.done += 1
                    self.condition.notify_all()

    def wait_until(self, condition) -> bool:
        """Wait (no sleeps) until ``condition()`` holds, checked again after every finished delivery."""
        with self.condition:
            return self.condition.wait_for(condition, timeout=WAIT_SECONDS)


def recorded(app, tenant_id: int) -> dict[str, str]:
    """The effects of the events about ``tenant_id``'s customer, by type. The local server may still be
    delivering an earlier test's events (about customers no tenant here has): those are left out."""
    with app.app_context():
        rows = {e.type: e.effect for e in db.session.scalars(
            sa.select(BillingEvent).where(BillingEvent.affected_tenant_id == tenant_id))}
        db.session.remove()
    return rows


def test_events_delivered_by_the_local_stripe_server_take_effect(app, stripe_server):
    stripe_server.clear()
    with separate_app(app, STRIPE_SECRET_KEY=TEST_KEY, STRIPE_API_BASE=stripe_server.url,
                      STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET) as (live, world):
        counter = DeliveryCounter(live.wsgi_app)
        live.wsgi_app = counter
        server = make_server("127.0.0.1", 0, live, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            stripe_server.register_webhook("portal", f"http://127.0.0.1:{server.server_port}/billing/stripe/webhook",
                                           events=["customer.subscription.created", "customer.subscription.deleted",
                                                   "invoice.payment_succeeded", "invoice.payment_failed"])
            with live.app_context():
                gateway = gw.gateway(live)
                tenant = db.session.get(Tenant, world.a.tenant_id)
                customer = gateway.create_customer(name="alpha", email="", tenant_slug="alpha")
                gateway.attach_card(customer, "pm_card_visa")
                plan = gateway.create_plan(code="county", name="县级版", monthly_fen=150000)
                with tenant_scope(tenant):
                    db.session.scalar(sa.select(BillingAccount)).stripe_customer_id = customer
                    db.session.commit()
                # Subscribed at Stripe, not through the portal (as from Stripe's dashboard): only the events tell.
                sub = gateway.create_subscription(customer_id=customer, stripe_plan_id=plan, tenant_slug="alpha")
                db.session.remove()
            expected = {"customer.subscription.created": "subscription_state",
                        "invoice.payment_succeeded": "payment_received"}
            assert counter.wait_until(lambda: len(recorded(live, world.a.tenant_id)) >= 2), \
                f"only {counter.done} deliveries arrived"
            assert recorded(live, world.a.tenant_id) == expected
            with live.app_context():
                gw.gateway(live).cancel_now(sub.id)
            assert counter.wait_until(lambda: "customer.subscription.deleted" in recorded(live, world.a.tenant_id)), \
                f"only {counter.done} deliveries arrived"
            assert recorded(live, world.a.tenant_id)["customer.subscription.deleted"] == "subscription_ended"
            with live.app_context():
                assert db.session.get(Tenant, world.a.tenant_id).status == TenantStatus.READ_ONLY
                db.session.remove()
        finally:
            stripe_server.register_webhook("portal", "http://127.0.0.1:9/closed")  # later tests' events go nowhere
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
