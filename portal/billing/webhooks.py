"""Stripe's webhook events: each recorded once, in the transaction that applies its effect.

Repeats change nothing but the delivery count; an event older than the state already known changes
nothing (events arrive out of order); an event about another subscription than the tenant's current
one changes nothing. Every outcome is kept with the event, for the platform's overview.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.billing import services
from portal.db import utcnow
from portal.extensions import db
from tenants import across_tenants, tenant_scope
from tenants.billing.gateway import WebhookEvent
from tenants.billing.models import BillingAccount, BillingEvent
from tenants.billing.standing import ENDED_STATUSES, LIVE_STATUSES, OWING_STATUSES
from tenants.models import Tenant

logger = logging.getLogger(__name__)

SUBSCRIPTION_EVENTS = frozenset({"customer.subscription.created", "customer.subscription.updated",
                                 "customer.subscription.deleted"})
INVOICE_EVENTS = frozenset({"invoice.payment_succeeded", "invoice.payment_failed"})
HANDLED = SUBSCRIPTION_EVENTS | INVOICE_EVENTS


@dataclass
class Outcome:
    effect: str
    applied: bool = False
    tenant_id: int | None = None
    detail: dict = field(default_factory=dict)


def receive(event: WebhookEvent) -> tuple[BillingEvent, bool]:
    """Record ``event`` and apply it, unless it was received before; (the row, whether it is new).

    The caller commits (or, on an exception, rolls back: the event is then not recorded either, and
    Stripe's next delivery tries again). A concurrent first delivery of the same event makes the
    insert fail on the unique id: the caller treats that IntegrityError as a repeat.
    """
    existing = db.session.scalar(sa.select(BillingEvent).where(BillingEvent.stripe_event_id == event.id))
    if existing is not None:
        db.session.execute(sa.update(BillingEvent).where(BillingEvent.id == existing.id)
                           .values(deliveries=BillingEvent.deliveries + 1))
        logger.info("stripe event %s received again; nothing to do", event.id)
        return existing, False
    row = BillingEvent(stripe_event_id=event.id[:255], type=event.type[:80], created_at=event.created,
                       received_at=utcnow(), deliveries=1, effect="pending")
    db.session.add(row)
    db.session.flush()  # claims the id first: a concurrent delivery now waits, then finds it taken
    outcome = apply(event)
    row.effect, row.applied, row.affected_tenant_id = outcome.effect, outcome.applied, outcome.tenant_id
    row.detail = json.dumps(outcome.detail, ensure_ascii=False, sort_keys=True, default=str)
    db.session.flush()
    logger.info("stripe event %s %s: %s", event.id, event.type, outcome.effect)
    return row, True


def apply(event: WebhookEvent) -> Outcome:
    if event.type not in HANDLED:
        return Outcome("not_handled")
    if not event.customer_id:
        return Outcome("unknown_customer")
    with across_tenants("webhook: the tenant of a Stripe customer"):
        tenant_id = db.session.scalar(sa.select(BillingAccount.tenant_id)
                                      .where(BillingAccount.stripe_customer_id == event.customer_id))
    if tenant_id is None:
        return Outcome("unknown_customer", detail={"customer": event.customer_id})
    tenant = db.session.get(Tenant, tenant_id)
    with tenant_scope(tenant):
        account = db.session.scalar(sa.select(BillingAccount))
        outcome = _apply_to_account(event, tenant, account)
        outcome.tenant_id = tenant.id
        if outcome.applied:
            change = services.sync_tenant_status(tenant, account, services.now())
            if change:
                outcome.detail["tenant_status"] = change
        db.session.flush()  # inside the tenant's scope: the writes wall checks every row's tenant
    return outcome


def _apply_to_account(event: WebhookEvent, tenant: Tenant, account: BillingAccount) -> Outcome:
    invoice_row = None
    if event.invoice is not None:
        invoice_row = services.record_invoice(event.invoice, at=event.created,
                                              failed=event.type == "invoice.payment_failed")
    if account.state_at is not None and event.created < account.state_at:
        detail = {"event_at": event.created, "state_at": account.state_at}
        if invoice_row is not None:
            detail["invoice"] = invoice_row.number or invoice_row.stripe_invoice_id
        return Outcome("older_than_state", applied=invoice_row is not None, detail=detail)
    if event.subscription is not None:
        return _subscription_event(event, account)
    return _invoice_event(event, account, invoice_row)


def _subscription_event(event: WebhookEvent, account: BillingAccount) -> Outcome:
    sub = event.subscription
    current = account.stripe_subscription_id
    replaceable = current is None or account.subscription_status in ENDED_STATUSES
    if sub.id != current and not (replaceable and event.type != "customer.subscription.deleted"):
        return Outcome("other_subscription", detail={"subscription": sub.id})
    if event.type == "customer.subscription.deleted" and sub.status not in ENDED_STATUSES:
        sub = _with_status(sub, "canceled")
    services.apply_subscription(account, sub, at=event.created)
    effect = "subscription_ended" if sub.status in ENDED_STATUSES else "subscription_state"
    return Outcome(effect, applied=True, detail={"status": sub.status, "plan": account.plan.code,
                                                 "cancel_at_period_end": sub.cancel_at_period_end})


def _invoice_event(event: WebhookEvent, account: BillingAccount, invoice_row) -> Outcome:
    invoice = event.invoice
    detail = {"invoice": invoice.number or invoice.id, "amount_fen": invoice.amount_due_fen}
    ours = invoice.subscription_id is not None and invoice.subscription_id == account.stripe_subscription_id
    # A subscription made at Stripe's end can bill before its own "created" event arrives: its invoice
    # is kept, and the subscription's event sets the state.
    awaited = account.stripe_subscription_id is None or account.subscription_status in ENDED_STATUSES
    if not ours:
        effect = "payment_received" if awaited and event.type == "invoice.payment_succeeded" else "other_subscription"
        return Outcome(effect, applied=invoice_row is not None,
                       detail={**detail, "subscription": invoice.subscription_id or ""})
    if invoice_row is None:  # this invoice's own copy is newer (paid since, say): the report is stale
        return Outcome("older_than_state", detail={**detail, "event_at": event.created})
    account.state_at = event.created  # a payment (or its failure) is the newest thing known of the account
    if event.type == "invoice.payment_succeeded":
        if account.subscription_status in OWING_STATUSES:
            account.subscription_status = "active"
            account.past_due_since = None
        return Outcome("payment_received", applied=True, detail=detail)
    if account.subscription_status in LIVE_STATUSES | OWING_STATUSES:
        account.subscription_status = "past_due"
        account.past_due_since = account.past_due_since or event.created
        detail["grace_until"] = account.past_due_since + dt.timedelta(days=services.grace_days())
    return Outcome("payment_failed", applied=True, detail=detail)


def _with_status(sub, status: str):
    from dataclasses import replace

    return replace(sub, status=status)
