"""Billing pages: the public price list and sign-up, and the tenant administrator's billing page.

The platform's overview lives in ``platform_views``; the Stripe webhook in ``webhook`` (its own blueprint).
"""
from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from portal.billing import services, signup
from portal.billing.forms import ChangePlanForm, ConfirmForm, PayForm, SignupForm
from portal.domain import DomainError, apply_to_form
from portal.extensions import db, limiter
from portal.guards import tenant_permission
from portal.i18n import current_locale_code
from portal.permissions import Action, can
from tenants.billing import gateway as gw
from tenants.billing.standing import Standing
from tenants.models import TenantKind

bp = Blueprint("billing", __name__)

SIGNUP_LIMIT_PER_ADDRESS = "10 per hour"  # each attempt creates a customer at Stripe


def plan_choices(plans) -> list[tuple[str, str]]:
    locale = current_locale_code()
    return [(p.code, p.display_name(locale)) for p in plans]


def card_entry_available() -> bool:
    """Cards are taken as Stripe's test cards with a test key; a live key needs Stripe's card form (not built)."""
    return gw.billing_enabled() and gw.is_test_key()


@bp.get("/pricing")
def pricing():
    """The public price list: plans per kind of tenant, priced by number of communities."""
    plans = services.plans_for()
    by_kind = {kind: [p for p in plans if p.kind == kind] for kind in TenantKind}
    return render_template("billing/pricing.html", by_kind=by_kind, billing_on=gw.billing_enabled(),
                           signup_open=card_entry_available(),
                           trial_days=current_app.config["BILLING_TRIAL_DAYS"])


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(SIGNUP_LIMIT_PER_ADDRESS, methods=["POST"], scope="signup-address")
def signup_page():
    """Self-service sign-up of a bureau or firm (open only while billing is on: see README, Billing)."""
    if not card_entry_available():
        # The page says why it is closed; a submission has nothing to reach.
        return render_template("billing/signup_closed.html", billing_on=gw.billing_enabled()), \
            404 if request.method == "POST" else 200
    plans = services.plans_for()
    form = SignupForm()
    form.plan.choices = plan_choices(plans)
    if form.validate_on_submit():
        wanted = signup.SignupRequest(
            plan=services.plan_by_code(form.plan.data), name_zh=form.name_zh.data.strip(),
            name_en=(form.name_en.data or "").strip(), slug=form.slug.data, region=(form.region.data or "").strip(),
            admin_login=form.admin_login.data, admin_name=form.admin_name.data.strip(), password=form.password.data,
            billing_email=form.billing_email.data or "", payment_method=form.payment_method.data)
        try:
            tenant, admin = signup.sign_up(wanted)
        except DomainError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            db.session.commit()
            signup.start_if_due(tenant, actor=admin)
            db.session.commit()
            slug = tenant.slug
            session.clear()  # a fresh session for the new administrator (no fixation)
            login_user(admin)
            session["login_at"] = session["seen_at"] = int(time.time())
            db.session.commit()
            flash(_("Welcome! Your tenant is ready."), "success")
            return redirect(url_for("billing.index", tenant_slug=slug), 303)
    trial_days = current_app.config["BILLING_TRIAL_DAYS"]
    return render_template("billing/signup.html", form=form, plans=plans, trial_days=trial_days), \
        400 if form.errors else 200


def _page(status: int = 200, **forms):
    tenant = g.tenant
    account = services.account_of(tenant)
    state = services.billing_state(account)
    plan = account.plan if account is not None else services.free_plan()
    plans = services.plans_for(tenant.kind)
    pay_form = forms.get("pay_form") or PayForm()
    change_form = forms.get("change_form") or ChangePlanForm()
    pay_form.plan.choices = change_form.plan.choices = plan_choices(plans)
    if change_form.plan.data is None:
        change_form.plan.data = plan.code  # the current plan is the one ticked
    if pay_form.plan.data is None and plans:
        fitting = [p for p in plans if p.fits(services.community_count(tenant))]
        pay_form.plan.data = (plan if plan in plans else (fitting or plans)[0]).code
    invoices = list(db.session.scalars(services.invoices_of(tenant).limit(24)))  # the URL's tenant is in scope
    running = account is not None and account.subscription_status in services.LIVE_STATUSES | services.OWING_STATUSES
    return render_template(
        "billing/index.html", account=account, state=state, plan=plan, plans=plans, invoices=invoices,
        communities=services.community_count(tenant), billing_on=gw.billing_enabled(),
        card_entry=card_entry_available(), running=running, pay_form=pay_form, change_form=change_form,
        confirm_form=ConfirmForm()), status


@bp.get("/t/<tenant_slug>/billing/")
@tenant_permission(Action.MANAGE_BILLING)
def index():
    """The administrator's billing page: plan, standing, next payment, card, invoices and the actions."""
    return _page()


def _require_billing():
    if not card_entry_available():
        abort(404)


def _submit(form, form_name: str, act, done: str, fallback: str):
    """Validate, act through the service, commit once and go back to the page; or show the form's errors."""
    _require_billing()
    form.plan.choices = plan_choices(services.plans_for(g.tenant.kind))
    if form.validate_on_submit():
        try:
            act(form)
        except DomainError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback=fallback)
        else:
            db.session.commit()
            flash(done, "success")
            return redirect(url_for("billing.index"), 303)
    return _page(400, **{form_name: form})


@bp.post("/t/<tenant_slug>/billing/pay")
@tenant_permission(Action.MANAGE_BILLING)
def pay():
    return _submit(PayForm(), "pay_form", lambda form: services.pay(
        tenant=g.tenant, actor=current_user, plan=services.plan_by_code(form.plan.data),
        payment_method_id=form.payment_method.data), _("Payment recorded. Thank you."), "payment_method")


@bp.post("/t/<tenant_slug>/billing/plan")
@tenant_permission(Action.MANAGE_BILLING)
def change_plan():
    return _submit(ChangePlanForm(), "change_form", lambda form: services.change_plan(
        tenant=g.tenant, actor=current_user, plan=services.plan_by_code(form.plan.data)), _("Plan changed."), "plan")


def _set_cancel(cancel: bool, done_message: str):
    _require_billing()
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _page(400)
    try:
        services.set_cancel_at_period_end(tenant=g.tenant, actor=current_user, cancel=cancel)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _page(409 if error.status == 409 else 400)
    db.session.commit()
    flash(done_message, "success")
    return redirect(url_for("billing.index"), 303)


@bp.post("/t/<tenant_slug>/billing/cancel")
@tenant_permission(Action.MANAGE_BILLING)
def cancel():
    return _set_cancel(True, _("The subscription ends with the paid period. You can take this back until then."))


@bp.post("/t/<tenant_slug>/billing/resume")
@tenant_permission(Action.MANAGE_BILLING)
def resume():
    return _set_cancel(False, _("The subscription continues."))


@bp.app_context_processor
def _billing_notice():
    """The banner of a tenant whose payment is due or whose subscription lapsed, for its signed-in members."""
    tenant = g.get("tenant")
    memberships = g.get("memberships")
    if tenant is None or not memberships or not gw.billing_enabled():
        return {}
    state = services.billing_state(services.account_of(tenant))
    if state.standing not in (Standing.PAYMENT_DUE, Standing.LAPSED):
        return {}
    return {"billing_notice": state, "billing_admin": can(memberships, Action.MANAGE_BILLING)}
