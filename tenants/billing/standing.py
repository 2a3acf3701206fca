"""A tenant's standing from its billing account and the clock: pure functions, no database, no Stripe.

Free (no online billing), trial, active, payment due (a grace period runs: after a failed payment, or
after the trial ended without a subscription) and lapsed (the grace ran out, or the subscription
ended). Only *lapsed* takes writes away; the time it happens is computed, so no job has to run at the
moment the grace ends (``flask billing sync`` writes it into the tenant's status for the overview).
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

# Stripe subscription statuses, grouped by what they mean for the tenant.
LIVE_STATUSES = frozenset({"active", "trialing"})
OWING_STATUSES = frozenset({"past_due", "incomplete"})  # payment failed; Stripe still retries
ENDED_STATUSES = frozenset({"canceled", "unpaid", "incomplete_expired"})


class Standing(str, enum.Enum):
    FREE = "free"
    TRIAL = "trial"
    ACTIVE = "active"
    PAYMENT_DUE = "payment_due"
    LAPSED = "lapsed"

    @property
    def label(self):
        return STANDING_LABELS[self]


STANDING_LABELS = {
    Standing.FREE: _l("Free"),
    Standing.TRIAL: _l("Trial"),
    Standing.ACTIVE: _l("Paid up"),
    Standing.PAYMENT_DUE: _l("Payment due"),
    Standing.LAPSED: _l("Lapsed: read-only"),
}


@dataclass(frozen=True)
class BillingState:
    standing: Standing
    # TRIAL: when the trial ends; PAYMENT_DUE: when the tenant turns read-only unless paid.
    until: dt.datetime | None = None

    @property
    def lapsed(self) -> bool:
        return self.standing == Standing.LAPSED


def state_of(account, now: dt.datetime, grace_days: int) -> BillingState:
    """The standing of ``account`` (a BillingAccount, or None for a tenant never billed) at ``now``."""
    if account is None:
        return BillingState(Standing.FREE)
    grace = dt.timedelta(days=grace_days)
    status = account.subscription_status
    if status in LIVE_STATUSES:
        return BillingState(Standing.ACTIVE)
    if status in OWING_STATUSES:
        since = account.past_due_since or account.state_at or now
        return _due_or_lapsed(since + grace, now)
    if status in ENDED_STATUSES:
        return BillingState(Standing.LAPSED)
    if account.trial_ends_at is not None:
        if now < account.trial_ends_at:
            return BillingState(Standing.TRIAL, account.trial_ends_at)
        return _due_or_lapsed(account.trial_ends_at + grace, now)
    return BillingState(Standing.FREE)


def _due_or_lapsed(lapses_at: dt.datetime, now: dt.datetime) -> BillingState:
    if now < lapses_at:
        return BillingState(Standing.PAYMENT_DUE, lapses_at)
    return BillingState(Standing.LAPSED)


def monthly_revenue_fen(accounts) -> int:
    """Monthly recurring revenue: the monthly amounts of the subscriptions still being paid or retried."""
    return sum(a.amount_fen for a in accounts if a.subscription_status in LIVE_STATUSES | OWING_STATUSES)


def write_block(tenant, account, *, billing_on: bool, now: dt.datetime, grace_days: int) -> str | None:
    """Why ``tenant`` may not change anything now: "read_only" (the platform administrator's status),
    "billing_lapsed" (unpaid; billing holds the status, or the grace ran out since the last event), or None."""
    from tenants.models import TenantStatus

    if tenant.status == TenantStatus.READ_ONLY:
        return "billing_lapsed" if account is not None and account.holds_read_only else "read_only"
    if billing_on and tenant.status == TenantStatus.ACTIVE and state_of(account, now, grace_days).lapsed:
        return "billing_lapsed"
    return None
