"""Login, logout, password change and the tenant picker."""
from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import services, throttle
from portal.auth.forms import LoginForm, PasswordChangeForm
from portal.auth.passwords import verify_password
from portal.extensions import db
from portal.i18n import current_locale_code, safe_next
from portal.members import services as member_services
from portal.net import client_address
from portal.validation import normalise_login
from tenants import across_tenants
from tenants.models import Membership, Tenant, TenantStatus

bp = Blueprint("auth", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    tenants = db.session.scalars(
        sa.select(Tenant).where(Tenant.status != TenantStatus.SUSPENDED).order_by(Tenant.name_zh)
    ).all()
    return render_template("auth/index.html", tenants=tenants)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    next_url = request.values.get("next")
    if form.validate_on_submit():
        # Charged before the password is looked at, so parallel attempts cannot outrun the limits.
        attempt = throttle.charge(normalise_login(form.identifier.data)[:254], client_address())
        if not attempt.allowed:
            return _throttled(form, attempt.refused_for)
        user = services.authenticate(form.identifier.data, form.password.data)
        if user is not None:
            throttle.succeeded(attempt)
            # A fresh session: nothing from before the login survives (fixation).
            session.clear()
            login_user(user)
            now = int(time.time())
            session["login_at"] = now
            session["seen_at"] = now
            landing = landing_url(user)  # read before the commit expires the user (no extra query)
            db.session.commit()
            return redirect(safe_next(next_url, landing))
        db.session.rollback()
        # Same words whether the account exists, is disabled or the password is wrong.
        form.password.errors = [_("The mobile number/e-mail or the password is not correct.")]
    # A refused sign-in (bad input or wrong credentials) is a 400, like every other refused form.
    return render_template("auth/login.html", form=form,
                           next_url=next_url if next_url and safe_next(next_url, "") else ""), 400 if form.errors else 200


def landing_url(user) -> str:
    """Where a sign-in without ``next`` lands: the platform area for its administrator, else the tenants."""
    return url_for("platform.index") if user.is_platform_admin else url_for("auth.choose_tenant")


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.end_sessions(current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/account/tenants")
@login_required
def choose_tenant():
    """After login: the tenants the user belongs to; straight through when there is only one."""
    with across_tenants("a user lists their own memberships"):
        memberships = db.session.scalars(
            sa.select(Membership).where(Membership.user_id == current_user.id, Membership.is_active.is_(True))
        ).all()
    tenants, suspended = {}, {}
    for m in memberships:
        if m.tenant.status != TenantStatus.SUSPENDED:
            tenants.setdefault(m.tenant.id, (m.tenant, []))[1].append(m.role)
        else:  # listed, not linked: the member learns why the tenant is gone, not "you belong nowhere"
            suspended.setdefault(m.tenant.id, m.tenant)
    invitations = member_services.pending_invitations(current_user)
    if len(tenants) == 1 and not invitations and not current_user.is_platform_admin:
        (tenant, _roles), = tenants.values()
        return redirect(url_for("dashboard.dashboard", tenant_slug=tenant.slug))
    return render_template("auth/choose_tenant.html", tenants=list(tenants.values()), invitations=invitations,
                           suspended=list(suspended.values()))


@bp.post("/account/invitations/<int:invitation_id>/<any(accept,decline):answer>")
@login_required
def answer_invitation(invitation_id: int, answer: str):
    """The invited person accepts or declines; nobody else can (the invitation is looked up as theirs)."""
    try:
        invitation = member_services.answer_invitation(user=current_user._get_current_object(),
                                                       membership_id=invitation_id, accept=answer == "accept")
    except member_services.MemberError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("auth.choose_tenant"), 303)
    name = invitation.tenant.display_name(current_locale_code())  # read before the commit expires the row
    db.session.commit()
    if answer == "accept":
        flash(_("You are now a member of %(tenant)s.", tenant=name), "success")
    else:
        flash(_("You declined the invitation of %(tenant)s.", tenant=name), "info")
    return redirect(url_for("auth.choose_tenant"), 303)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm(user=current_user)
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors = [_("The current password is not correct.")]
        else:
            services.change_password(current_user, form.new_password.data)
            db.session.commit()
            # The password change ended every session, this one included: sign in again here.
            login_user(current_user._get_current_object())
            now = int(time.time())
            session["login_at"] = now
            session["seen_at"] = now
            flash(_("Password changed. Other devices have been signed out."), "success")
            return redirect(url_for("auth.choose_tenant"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200


def _throttled(form: LoginForm, seconds: int):
    """The refusal of a throttled attempt: the same for every account, existing or not."""
    if seconds <= current_app.config["LOGIN_SLOWDOWN_MAX_SECONDS"]:
        message = _("Many sign-in attempts for this account. Wait %(seconds)d seconds and try again.",
                    seconds=seconds)
    else:
        message = _("Too many sign-in attempts. Wait a few minutes and try again.")
    form.password.errors = [message]
    response = current_app.make_response((render_template("auth/login.html", form=form, next_url=""), 429))
    response.headers["Retry-After"] = str(throttle.retry_after(seconds))
    return response


@bp.app_errorhandler(429)
def too_many_attempts(error):
    from portal.errors import render_error

    return render_error(429)
