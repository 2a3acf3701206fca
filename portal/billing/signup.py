"""Self-service sign-up: a county bureau or a property firm creates its tenant, its first administrator
and its Stripe customer with a card; the portal's trial then runs (PORTAL_BILLING_TRIAL_DAYS), and the
first month is charged when it ends (``flask billing sync``) or when the administrator pays earlier.
With no trial configured the first month is charged at once. Open only while billing is on.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.auth import services as auth_services
from portal.auth.passwords import password_problem, verify_password
from portal.billing import services
from portal.billing.services import BillingError
from portal.db import utcnow
from portal.extensions import db
from portal.platform import services as platform_services
from portal.validation import normalise_login
from tenants import tenant_scope
from tenants.billing import gateway as gw
from tenants.billing.models import BillingAccount, Plan
from tenants.models import Tenant

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignupRequest:
    plan: Plan | None
    name_zh: str
    name_en: str
    slug: str
    region: str
    admin_login: str
    admin_name: str
    password: str
    billing_email: str
    payment_method: str


def check(request: SignupRequest):
    """Every rule that needs no Stripe call, checked before any is made; returns the admin's account if it exists."""
    plan = request.plan
    if plan is None or plan.is_free or not plan.is_active or plan.kind is None:
        raise BillingError("plan", _l("Choose one of the plans offered."))
    import sqlalchemy as sa

    if db.session.scalar(sa.select(Tenant.id).where(Tenant.slug == request.slug)) is not None:
        raise BillingError("slug", _l("This short name is taken."))
    login = normalise_login(request.admin_login)
    user = auth_services.find_user(login)
    if user is not None:
        # Someone else's account is never made an administrator without its password.
        if not user.is_active or not verify_password(user.password_hash, request.password):
            raise BillingError("password", _l("This mobile number or e-mail already has an account: enter that "
                                              "account's password."))
    else:
        problem = password_problem(request.password, identifiers=(login,))
        if problem:
            raise BillingError("password", problem)
    return user


def sign_up(request: SignupRequest) -> tuple[Tenant, object]:
    """Create the Stripe customer and its card, then the tenant, its administrator and billing account.

    The customer comes first so a declined card stops everything before a tenant exists; if the tenant
    cannot be saved afterwards the customer is deleted again. Returns (tenant, administrator); the
    caller commits, then calls ``start_if_due``.
    """
    existing = check(request)
    login = normalise_login(request.admin_login)
    email = request.billing_email or (login if "@" in login else "")
    gateway = gw.gateway()
    try:
        customer = gateway.create_customer(name=request.name_zh, email=email, tenant_slug=request.slug)
    except gw.GatewayError as error:
        raise services.gateway_error(error) from None
    try:
        card = gateway.attach_card(customer, request.payment_method)
    except gw.GatewayError as error:
        gateway.delete_customer(customer)
        raise services.gateway_error(error) from None
    try:
        tenant = platform_services.create_tenant(
            actor=existing, slug=request.slug, kind=request.plan.kind, name_zh=request.name_zh,
            name_en=request.name_en, region=request.region, admin_login=login, admin_name=request.admin_name,
            admin_password=None if existing else request.password)
        admin = existing or auth_services.find_user(login)
        if admin.privacy_consent_at is None:
            admin.privacy_consent_at = utcnow()
        trial_days = int(current_app.config["BILLING_TRIAL_DAYS"])
        with tenant_scope(tenant):
            account = BillingAccount(
                tenant_id=tenant.id, plan_id=request.plan.id, stripe_customer_id=customer, card_brand=card.brand[:20],
                card_last4=card.last4[:4], billing_name=request.name_zh, billing_email=email[:254],
                trial_ends_at=utcnow() + dt.timedelta(days=trial_days))
            db.session.add(account)
            db.session.flush()
            record(tenant=tenant, actor=admin, action="billing.signed_up", object_type="billing_account",
                   object_id=account.id, summary=request.plan.code,
                   after={"plan": request.plan.code, "trial_days": trial_days, "card": card.last4})
            db.session.flush()
    except Exception:
        gateway.delete_customer(customer)
        raise
    logger.info("sign-up: tenant %s on plan %s", tenant.slug, request.plan.code)
    return tenant, admin


def start_if_due(tenant: Tenant, *, actor=None) -> BillingAccount | None:
    """Start the paid subscription of a tenant whose trial is over and that has a card but no subscription
    (after sign-up without a trial, or from ``flask billing sync``). A refused charge leaves the
    tenant in its grace period; returns the account when a subscription was started."""
    account = services.account_of(tenant)
    if (account is None or account.stripe_subscription_id or not account.stripe_customer_id
            or account.trial_ends_at is None or account.trial_ends_at > utcnow()):
        return None
    gateway = gw.gateway()
    with tenant_scope(tenant):
        try:
            sub = gateway.create_subscription(customer_id=account.stripe_customer_id,
                                              stripe_plan_id=services.ensure_stripe_plan(account.plan),
                                              tenant_slug=tenant.slug)
            if sub.status not in ("active", "trialing"):
                gateway.cancel_now(sub.id)
                return None
        except gw.GatewayError:
            logger.warning("billing: first charge for %s failed; grace period runs", tenant.slug)
            return None
        at = services.next_second(services.now())
        services.apply_subscription(account, sub, at=at)
        services.refresh_invoices(tenant, account, at)
        record(tenant=tenant, actor=actor, action="billing.subscribed", object_type="billing_account",
               object_id=account.id, summary=account.plan.code, after={"plan": account.plan.code})
        services.sync_tenant_status(tenant, account, at, actor=actor)
        db.session.flush()
    return account
