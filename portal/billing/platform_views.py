"""The platform administrator's billing overview (tenants, plans, monthly revenue, webhook events) and
the price list editor. Plans are the platform's, not a tenant's: changes are logged, not audited per tenant."""
from __future__ import annotations

import logging
from decimal import Decimal

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.billing import services
from portal.billing.catalogue import describe_event, status_label
from portal.billing.forms import PlanForm
from portal.billing.views import bp
from portal.extensions import db
from portal.guards import platform_admin_required
from portal.validation import query_int
from tenants.billing import gateway as gw
from tenants.billing.models import BillingEvent, Plan
from tenants.billing.standing import monthly_revenue_fen
from tenants.models import Tenant, TenantKind

logger = logging.getLogger(__name__)

EVENTS_PER_PAGE = 50


@bp.get("/platform/billing/")
@platform_admin_required
def platform_overview():
    """Every tenant with its plan, standing and monthly amount; monthly recurring revenue; recent webhook events."""
    accounts = services.all_accounts()
    tenants = db.session.scalars(sa.select(Tenant).order_by(Tenant.name_zh)).all()
    free = services.free_plan()
    rows = []
    for tenant in tenants:
        account = accounts.get(tenant.id)
        rows.append({"tenant": tenant, "account": account, "plan": account.plan if account else free,
                     "state": services.billing_state(account),
                     "status": status_label(account.subscription_status) if account else ""})
    page = query_int("page", 1, maximum=100_000) or 1
    events = db.session.scalars(sa.select(BillingEvent).order_by(BillingEvent.received_at.desc(), BillingEvent.id.desc())
                                .limit(EVENTS_PER_PAGE + 1).offset((page - 1) * EVENTS_PER_PAGE)).all()
    return render_template(
        "billing/platform.html", rows=rows, mrr_fen=monthly_revenue_fen(accounts.values()),
        events=[(e, describe_event(e)) for e in events[:EVENTS_PER_PAGE]], more=len(events) > EVENTS_PER_PAGE,
        page=page, billing_on=gw.billing_enabled(), webhook_ready=bool(current_app.config.get("STRIPE_WEBHOOK_SECRET")),
        plans=db.session.scalars(sa.select(Plan).order_by(Plan.kind, Plan.sort_order, Plan.monthly_fen)).all())


def _save_plan(form: PlanForm, plan: Plan | None):
    code = form.code.data if plan is None else plan.code
    if plan is None and db.session.scalar(sa.select(Plan.id).where(Plan.code == code)) is not None:
        form.code.errors = list(form.code.errors) + [_("This code is taken.")]
        return None
    if plan is None:
        plan = Plan(code=code, sort_order=100)
        db.session.add(plan)
    if plan.monthly_fen != form.monthly_fen:
        plan.stripe_plan_id = None  # Stripe plans cannot change price: the next subscription gets a new one
    plan.kind = TenantKind(form.kind.data)
    plan.name_zh, plan.name_en = form.name_zh.data.strip(), (form.name_en.data or "").strip()
    plan.max_communities = form.max_communities.data
    plan.monthly_fen = form.monthly_fen
    plan.is_active = bool(form.is_active.data)
    db.session.flush()
    logger.info("plan %s saved by user %s: %s fen, up to %s communities, active=%s", plan.code, current_user.id,
                plan.monthly_fen, plan.max_communities, plan.is_active)
    return plan


@bp.route("/platform/billing/plans/new", methods=["GET", "POST"])
@platform_admin_required
def plan_new():
    return _plan_page(PlanForm(data={"is_active": True}), None)


def _plan_page(form: PlanForm, plan: Plan | None):
    """Save a valid form and go back to the overview, or show the form (with its errors)."""
    if form.validate_on_submit() and _save_plan(form, plan) is not None:
        db.session.commit()
        flash(_("Plan saved."), "success")
        return redirect(url_for("billing.platform_overview"), 303)
    db.session.rollback()
    return render_template("billing/plan_form.html", form=form, plan=plan), 400 if form.errors else 200


@bp.route("/platform/billing/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@platform_admin_required
def plan_edit(plan_id: int):
    plan = db.session.get(Plan, plan_id) or abort(404)
    if plan.is_free:
        abort(404)  # the free plan is what billing-off means; it has no price to edit
    form = PlanForm(data={"code": plan.code, "kind": plan.kind.value, "name_zh": plan.name_zh, "name_en": plan.name_en,
                          "max_communities": plan.max_communities, "monthly_yuan": f"{Decimal(plan.monthly_fen) / 100:.2f}",
                          "is_active": plan.is_active})
    form.code.data = plan.code  # the code is the plan's name in Stripe and the audit log: fixed
    return _plan_page(form, plan)
