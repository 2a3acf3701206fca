"""Billing actions of a tenant's administrator (pay, change plan, cancel, resume), the tenant status that
billing drives, and the reads the pages need. Services flush; the view commits once.

Stripe is called through ``tenants.billing.gateway`` only. A call that succeeded at Stripe is recorded
here in the same request; should that commit fail, the webhook events Stripe sends bring the state in.
"""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.db import utcnow
from portal.domain import DomainError
from portal.extensions import db
from tenants import across_tenants, tenant_scope
from tenants.billing import gateway as gw
from tenants.billing.models import FREE_PLAN_CODE, BillingAccount, BillingInvoice, Plan
from tenants.billing.standing import LIVE_STATUSES, OWING_STATUSES, BillingState, Standing, state_of
from tenants.models import Tenant, TenantKind, TenantStatus

logger = logging.getLogger(__name__)


class BillingError(DomainError):
    """A billing action that cannot be done (409 in the API: the current state forbids it)."""


def gateway_error(error: gw.GatewayError, field: str | None = None) -> BillingError:
    """A Stripe refusal as a message for the person: declined cards say so, anything else asks to retry."""
    if isinstance(error, gw.CardDeclined):
        return BillingError(field or "payment_method", _l("The card was declined. Use another card."))
    return BillingError(field, _l("The payment service could not be reached. Nothing was changed; try again later."))


# --- reading -------------------------------------------------------------------------------------

def now() -> dt.datetime:
    return utcnow()


def next_second(moment: dt.datetime) -> dt.datetime:
    """The state clock after a change the portal made itself: Stripe's events about that very change
    carry at most this second, so they count as already known and cannot undo a later change."""
    return moment.replace(microsecond=0) + dt.timedelta(seconds=1) if moment.microsecond else moment


def grace_days() -> int:
    return int(current_app.config["BILLING_GRACE_DAYS"])


def account_of(tenant: Tenant) -> BillingAccount | None:
    with tenant_scope(tenant):
        return db.session.scalar(sa.select(BillingAccount))


def billing_state(account: BillingAccount | None, at: dt.datetime | None = None) -> BillingState:
    """The standing that counts: with billing off every tenant is on the free plan and nothing lapses."""
    if not gw.billing_enabled():
        return BillingState(Standing.FREE)
    return state_of(account, at or now(), grace_days())


def free_plan() -> Plan:
    return db.session.scalar(sa.select(Plan).where(Plan.code == FREE_PLAN_CODE))


def plans_for(kind: TenantKind | None = None, *, active_only: bool = True) -> list[Plan]:
    """Paid plans (of one kind of tenant), cheapest first."""
    stmt = sa.select(Plan).where(Plan.monthly_fen > 0)
    if kind is not None:
        stmt = stmt.where(Plan.kind == kind)
    if active_only:
        stmt = stmt.where(Plan.is_active.is_(True))
    return list(db.session.scalars(stmt.order_by(Plan.kind, Plan.sort_order, Plan.monthly_fen)))


def plan_by_code(code: str | None) -> Plan | None:
    return db.session.scalar(sa.select(Plan).where(Plan.code == code)) if code else None


def community_count(tenant: Tenant) -> int:
    """How many communities the tenant registered (what plans are sized by)."""
    from tenants.scoping import tenant_sql

    with tenant_scope(tenant):
        return int(tenant_sql(db.session, "SELECT count(*) FROM communities WHERE tenant_id = :tenant_id").scalar_one())


def invoices_of(tenant: Tenant):
    """The tenant's invoices, newest first (a SELECT, for paging)."""
    return sa.select(BillingInvoice).order_by(BillingInvoice.issued_at.desc(), BillingInvoice.id.desc())


# --- what Stripe says, recorded ------------------------------------------------------------------

def apply_subscription(account: BillingAccount, sub: gw.Subscription, *, at: dt.datetime) -> None:
    """Record a subscription as Stripe reported it at ``at`` (the caller has checked ``at`` is not stale)."""
    account.stripe_subscription_id = sub.id
    account.subscription_status = sub.status
    account.current_period_end = sub.current_period_end
    account.cancel_at_period_end = sub.cancel_at_period_end
    account.amount_fen = sub.amount_fen
    if sub.stripe_plan_id:
        plan = db.session.scalar(sa.select(Plan).where(Plan.stripe_plan_id == sub.stripe_plan_id))
        if plan is not None:
            account.plan_id = plan.id
    if sub.status in OWING_STATUSES:
        account.past_due_since = account.past_due_since or at
    else:
        account.past_due_since = None
    if sub.status in LIVE_STATUSES:
        account.trial_ends_at = None  # paying now; the trial is over
    account.state_at = at


def record_invoice(invoice: gw.Invoice, *, at: dt.datetime, failed: bool | None = None) -> BillingInvoice | None:
    """Insert or update the tenant's copy of an invoice (in the current tenant scope); an older report of
    the same invoice changes nothing. Returns the row, or None when the report was stale."""
    row = db.session.scalar(sa.select(BillingInvoice).where(BillingInvoice.stripe_invoice_id == invoice.id))
    if row is None:
        row = BillingInvoice(stripe_invoice_id=invoice.id)
        db.session.add(row)
    elif row.state_at is not None and at < row.state_at:
        return None
    row.number = invoice.number[:64]
    row.status = invoice.status or "open"
    row.amount_due_fen, row.amount_paid_fen = invoice.amount_due_fen, invoice.amount_paid_fen
    row.currency = (invoice.currency or "cny")[:3]
    row.issued_at, row.period_start, row.period_end = invoice.issued_at, invoice.period_start, invoice.period_end
    row.paid_at = invoice.paid_at
    if failed is not None:
        row.payment_failed = failed
    elif invoice.status == "paid":
        row.payment_failed = False
    row.state_at = at
    db.session.flush()
    return row


def refresh_invoices(tenant: Tenant, account: BillingAccount, at: dt.datetime) -> None:
    """Copy the customer's invoices from Stripe (after the portal changed the subscription)."""
    if not account.stripe_customer_id:
        return
    with tenant_scope(tenant):
        for invoice in gw.gateway().list_invoices(account.stripe_customer_id):
            record_invoice(invoice, at=at)


def sync_tenant_status(tenant: Tenant, account: BillingAccount, at: dt.datetime, *, actor=None) -> str | None:
    """Let billing drive the tenant's status: lapsed → read-only (billing holds it), paid again → active.

    A status the platform administrator set (read-only or suspended for other reasons) is left alone.
    Returns the new status' value when it changed.
    """
    state = state_of(account, at, grace_days())
    with tenant_scope(tenant):
        if state.lapsed and tenant.status == TenantStatus.ACTIVE:
            tenant.status = TenantStatus.READ_ONLY
            account.holds_read_only = True
            record(tenant=tenant, actor=actor, action="billing.lapsed", object_type="tenant", object_id=tenant.id,
                   before={"status": "active"}, after={"status": "read_only"},
                   summary=account.subscription_status or "trial")
            logger.warning("billing: tenant %s lapsed, now read-only", tenant.slug)
            db.session.flush()
            return TenantStatus.READ_ONLY.value
        if not state.lapsed and account.holds_read_only:
            account.holds_read_only = False
            if tenant.status == TenantStatus.READ_ONLY:
                tenant.status = TenantStatus.ACTIVE
                record(tenant=tenant, actor=actor, action="billing.restored", object_type="tenant",
                       object_id=tenant.id, before={"status": "read_only"}, after={"status": "active"},
                       summary=account.subscription_status or "")
                logger.info("billing: tenant %s paid, writable again", tenant.slug)
                db.session.flush()
                return TenantStatus.ACTIVE.value
            db.session.flush()
    return None


# --- the administrator's actions -----------------------------------------------------------------

def ensure_stripe_plan(plan: Plan) -> str:
    """The Stripe plan of ``plan``'s current price, made on first use."""
    if not plan.stripe_plan_id:
        plan.stripe_plan_id = gw.gateway().create_plan(code=plan.code, name=plan.name_zh, monthly_fen=plan.monthly_fen)
        db.session.flush()
    return plan.stripe_plan_id


def check_plan_choice(tenant: Tenant, plan: Plan | None, field: str = "plan") -> Plan:
    if plan is None or plan.is_free or not plan.is_active or plan.kind != tenant.kind:
        raise BillingError(field, _l("Choose one of the plans offered for this kind of tenant."))
    communities = community_count(tenant)
    if not plan.fits(communities):
        raise BillingError(field, _l("This plan covers up to %(limit)s communities; this tenant has %(count)s.",
                                     limit=plan.max_communities, count=communities))
    return plan


def pay(*, tenant: Tenant, actor, plan: Plan | None, payment_method_id: str) -> BillingAccount:
    """Pay with a card: it becomes the default card; a tenant without a running subscription (trial,
    lapsed, never billed) subscribes to ``plan`` and pays the first month; one whose payment failed has
    its open invoices collected again. Paying lifts a lapse at once."""
    account = account_of(tenant)
    gateway = gw.gateway()
    with tenant_scope(tenant):
        if account is None:
            account = BillingAccount(tenant_id=tenant.id, plan_id=free_plan().id, billing_name=tenant.name_zh)
            db.session.add(account)
            db.session.flush()
        running = account.subscription_status in LIVE_STATUSES | OWING_STATUSES
        if not running:
            plan = check_plan_choice(tenant, plan)
        try:
            if not account.stripe_customer_id:
                account.stripe_customer_id = gateway.create_customer(
                    name=account.billing_name or tenant.name_zh, email=account.billing_email, tenant_slug=tenant.slug)
            card = gateway.attach_card(account.stripe_customer_id, payment_method_id)
            account.card_brand, account.card_last4 = card.brand[:20], card.last4[:4]
            if running and account.subscription_status in OWING_STATUSES:
                for invoice in gateway.list_invoices(account.stripe_customer_id):
                    if invoice.status == "open":
                        record_invoice(gateway.pay_invoice(invoice.id), at=next_second(now()))
                sub = gateway.retrieve_subscription(account.stripe_subscription_id)
            elif not running:
                sub = gateway.create_subscription(customer_id=account.stripe_customer_id,
                                                  stripe_plan_id=ensure_stripe_plan(plan), tenant_slug=tenant.slug)
                if sub.status not in LIVE_STATUSES:  # the first payment did not go through
                    gateway.cancel_now(sub.id)
                    raise gw.CardDeclined("first payment refused", "card_declined")
                account.plan_id = plan.id
            else:
                sub = None
        except gw.GatewayError as error:
            raise gateway_error(error) from None
        at = next_second(now())
        if sub is not None:
            apply_subscription(account, sub, at=at)
        refresh_invoices(tenant, account, at)
        action = "billing.subscribed" if not running else "billing.paid" if sub is not None else "billing.card_changed"
        record(tenant=tenant, actor=actor, action=action, object_type="billing_account", object_id=account.id,
               summary=account.plan.code, after={"plan": account.plan.code, "card": account.card_last4})
        sync_tenant_status(tenant, account, at, actor=actor)
        db.session.flush()
    return account


def _live_account(tenant: Tenant) -> BillingAccount:
    account = account_of(tenant)
    if account is None or account.subscription_status not in LIVE_STATUSES | OWING_STATUSES:
        raise BillingError(None, _l("There is no running subscription to change."), status=409, code="no_subscription")
    return account


def change_plan(*, tenant: Tenant, actor, plan: Plan | None) -> BillingAccount:
    """Move the running subscription to another plan of the tenant's kind."""
    account = _live_account(tenant)
    plan = check_plan_choice(tenant, plan)
    if plan.id == account.plan_id:
        raise BillingError("plan", _l("The tenant is already on this plan."))
    old = account.plan.code
    with tenant_scope(tenant):
        try:
            sub = gw.gateway().change_plan(account.stripe_subscription_id, ensure_stripe_plan(plan))
        except gw.GatewayError as error:
            raise gateway_error(error, "plan") from None
        at = next_second(now())
        apply_subscription(account, sub, at=at)
        account.plan_id = plan.id
        refresh_invoices(tenant, account, at)
        record(tenant=tenant, actor=actor, action="billing.plan_changed", object_type="billing_account",
               object_id=account.id, summary=f"{old} → {plan.code}", before={"plan": old}, after={"plan": plan.code})
        db.session.flush()
    return account


def set_cancel_at_period_end(*, tenant: Tenant, actor, cancel: bool) -> BillingAccount:
    """Cancel at the end of the paid period (the tenant stays writable until then), or take that back."""
    account = _live_account(tenant)
    if account.cancel_at_period_end == cancel:
        message = _l("The subscription already ends with this period.") if cancel else _l("The subscription is not being cancelled.")
        raise BillingError(None, message, status=409, code="unchanged")
    with tenant_scope(tenant):
        try:
            sub = gw.gateway().set_cancel_at_period_end(account.stripe_subscription_id, cancel)
        except gw.GatewayError as error:
            raise gateway_error(error) from None
        apply_subscription(account, sub, at=next_second(now()))
        record(tenant=tenant, actor=actor, action="billing.cancel_scheduled" if cancel else "billing.resumed",
               object_type="billing_account", object_id=account.id, summary=account.plan.code,
               after={"cancel_at_period_end": cancel})
        db.session.flush()
    return account


# --- the platform's view -------------------------------------------------------------------------

def all_accounts() -> dict[int, BillingAccount]:
    """Every tenant's billing account by tenant id (an audited cross-tenant read: the platform overview)."""
    with across_tenants("platform overview: every tenant's plan and standing"):
        return {a.tenant_id: a for a in db.session.scalars(sa.select(BillingAccount))}


def sync_all(at: dt.datetime | None = None) -> list[tuple[str, str]]:
    """Write time-based lapses (grace or trial over) and recoveries into the tenants' status; (slug, new status)."""
    at = at or now()
    changed = []
    accounts = all_accounts()
    for tenant in db.session.scalars(sa.select(Tenant).where(Tenant.id.in_(accounts))):
        with tenant_scope(tenant):
            account = db.session.scalar(sa.select(BillingAccount))
            status = sync_tenant_status(tenant, account, at)
        if status:
            changed.append((tenant.slug, status))
    return changed
