"""JSON API of billing: the tenant's plan and standing, and its invoices (tenant administrators only)."""
from __future__ import annotations

from flask import g

from portal.api.framework import ApiBlueprint, Pager
from portal.billing import schemas, services
from portal.permissions import Action
from tenants.billing import gateway as gw

api_bp = ApiBlueprint("billing_api", __name__, description="The tenant's plan, standing and invoices.")


@api_bp.get("/billing")
@api_bp.requires(Action.MANAGE_BILLING)
@api_bp.response(200, schemas.BillingSchema)
def billing():
    """The tenant's plan, standing (free, trial, active, payment_due, lapsed) and subscription."""
    account = services.account_of(g.tenant)
    state = services.billing_state(account)
    return {
        "billing_enabled": gw.billing_enabled(), "plan": account.plan if account else services.free_plan(),
        "standing": state.standing, "until": state.until,
        "subscription_status": account.subscription_status if account else None,
        "current_period_end": account.current_period_end if account else None,
        "cancel_at_period_end": bool(account and account.cancel_at_period_end),
        "amount_fen": account.amount_fen if account else 0, "card_last4": account.card_last4 if account else "",
        "billing_email": account.billing_email if account else "", "communities": services.community_count(g.tenant),
    }


@api_bp.get("/billing/invoices")
@api_bp.requires(Action.MANAGE_BILLING)
@api_bp.response(200, schemas.InvoiceSchema(many=True))
@api_bp.paginate(Pager)
def invoices():
    """The tenant's invoices, newest first."""
    return services.invoices_of(g.tenant)
