"""What each webhook outcome means, as a sentence in the reader's language (codes stay in the database)."""
from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l

from tenants.billing.models import BillingEvent

EFFECTS = {
    "subscription_state": _l("Subscription recorded: %(status)s."),
    "subscription_ended": _l("Subscription ended: the tenant can no longer make changes until it pays."),
    "payment_received": _l("Payment received for invoice %(invoice)s."),
    "payment_failed": _l("Payment failed for invoice %(invoice)s; the grace period runs."),
}
NO_EFFECT = {
    "older_than_state": _l("No change: older than the state already recorded (events can arrive out of order)."),
    "other_subscription": _l("No change: about a subscription that is not the tenant's current one."),
    "unknown_customer": _l("No change: the customer belongs to no tenant of this portal."),
    "not_handled": _l("No change: the portal does not act on this kind of event."),
    "pending": _l("No change recorded."),
}
TENANT_CHANGES = {
    "read_only": _l("The tenant became read-only."),
    "active": _l("The tenant can make changes again."),
}
SUBSCRIPTION_STATUSES = {
    "active": _l("paid up"), "trialing": _l("trial"), "past_due": _l("payment overdue"),
    "incomplete": _l("first payment pending"), "unpaid": _l("unpaid"), "canceled": _l("cancelled"),
    "incomplete_expired": _l("first payment never made"),
}


class _Blank(dict):
    def __missing__(self, key):
        return ""


def status_label(code: str | None) -> str:
    return str(SUBSCRIPTION_STATUSES.get(code or "", code or "")) if code else ""


def describe_event(event: BillingEvent) -> str:
    """The outcome of ``event`` in words: what it changed, or why it changed nothing."""
    try:
        detail = json.loads(event.detail) if event.detail else {}
    except ValueError:
        detail = {}
    values = _Blank({k: v for k, v in detail.items() if isinstance(v, (str, int))})
    values["status"] = status_label(detail.get("status"))
    template = EFFECTS.get(event.effect) or NO_EFFECT.get(event.effect)
    text = str(template) % values if template is not None else event.effect
    change = TENANT_CHANGES.get(detail.get("tenant_status"))
    return f"{text} {change}" if change else text
