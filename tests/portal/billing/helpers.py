"""Billing test helpers: a tenant's account wired to a Stripe customer, posting signed events, reading state."""
from __future__ import annotations

import datetime as dt
import itertools

import sqlalchemy as sa

from portal.extensions import db
from tenants import across_tenants, tenant_scope
from tenants.billing import gateway as gw
from tenants.billing.models import BillingAccount, BillingEvent, Plan
from tenants.models import Tenant
from tests.stripe_server import signed_event

WEBHOOK = "/billing/stripe/webhook"
_ids = itertools.count(1)


def epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def set_account(app, tenant_id: int, **values) -> None:
    """Set fields of a tenant's billing account (committed in the test's transaction)."""
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        with tenant_scope(tenant):
            account = db.session.scalar(sa.select(BillingAccount))
            for key, value in values.items():
                setattr(account, key, value)
            db.session.commit()
        db.session.remove()


def account_state(app, tenant_id: int) -> dict:
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        with tenant_scope(tenant):
            account = db.session.scalar(sa.select(BillingAccount))
            state = {c.key: getattr(account, c.key) for c in sa.inspect(BillingAccount).mapper.column_attrs}
        state["tenant_status"] = tenant.status.value
        db.session.remove()
    return state


def events(app) -> list[BillingEvent]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(BillingEvent).order_by(BillingEvent.id)))
        db.session.expunge_all()
        db.session.remove()
    return rows


def post_event(client, event_type: str, obj: dict, *, created: dt.datetime, event_id: str | None = None,
               secret: str | None = None, signed_at: dt.datetime | None = None, tamper: bool = False):
    """Post a signed event; Stripe signs each delivery when it sends it (``signed_at``: now, the frozen clock)."""
    from portal.db import utcnow

    kwargs = {"secret": secret} if secret else {}
    body, header = signed_event(event_type, obj, created=epoch(created), event_id=event_id or f"evt_test_{next(_ids)}",
                                signed_at=epoch(signed_at or utcnow()), **kwargs)
    if tamper:
        body = body.replace(b'"cny"', b'"usd"', 1) if b'"cny"' in body else body + b" "
    return client.post(WEBHOOK, data=body, headers={"Stripe-Signature": header}, content_type="application/json")


def subscribe_tenant(app, tenant_id: int, plan_code: str = "county", card: str = "pm_card_visa") -> dict:
    """Give the tenant a real customer and running subscription at the local Stripe server (as if it had
    paid through the billing page); returns the account's fields."""
    from portal.billing import services

    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        gateway = gw.gateway(app)
        with tenant_scope(tenant):
            account = db.session.scalar(sa.select(BillingAccount))
            plan = db.session.scalar(sa.select(Plan).where(Plan.code == plan_code))
            account.plan_id = plan.id
            account.stripe_customer_id = gateway.create_customer(name=tenant.name_zh, email="", tenant_slug=tenant.slug)
            gateway.attach_card(account.stripe_customer_id, card)
            sub = gateway.create_subscription(customer_id=account.stripe_customer_id,
                                              stripe_plan_id=services.ensure_stripe_plan(plan), tenant_slug=tenant.slug)
            services.apply_subscription(account, sub, at=services.next_second(services.now()))
            db.session.commit()
        db.session.remove()
    return account_state(app, tenant_id)


def cross_tenant_accounts(app) -> list[BillingAccount]:
    with app.app_context(), across_tenants("test oracle"):
        rows = list(db.session.scalars(sa.select(BillingAccount)))
        db.session.remove()
    return rows
