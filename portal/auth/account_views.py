"""The account page and verifying (or changing) one's mobile number with a code sent to it."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth import mobile, onetime
from portal.auth.forms import MobileCodeForm, MobileNumberForm
from portal.auth.passwords import verify_password
from portal.auth.views import bp
from portal.domain import apply_to_form
from portal.errors import throttled_form
from portal.extensions import db
from portal.i18n import current_locale_code, is_safe_next, safe_next
from portal.net import client_address
from portal.validation import normalise_login

SESSION_KEY = "mobile_code_to"  # the number the latest account code went to: the code form checks against it


def _next_url() -> str:
    """Where to go once the number is verified (a tenant page that asked for it); '' for the account page."""
    target = request.values.get("next", "")
    return target if target and is_safe_next(target) else ""


def requiring_tenants(user) -> list[str]:
    """Names of the user's tenants that require a verified number (so the person knows why it matters)."""
    return [tenant.display_name(current_locale_code()) for tenant in mobile.tenants_requiring(user)]


@bp.get("/account")
@login_required
def account():
    """Who the person is to the portal: name, logins, whether the mobile number is verified."""
    return render_template("auth/account.html", requiring=requiring_tenants(current_user))


def _mobile_context(*, number_form=None, code_form=None) -> dict:
    user = current_user
    if number_form is None:  # a verified number is not offered again: the form is for a new one then
        number_form = MobileNumberForm(data={"mobile": "" if user.mobile_verified else (user.mobile or "")})
    return {"number_form": number_form, "code_form": code_form or MobileCodeForm(), "pending": session.get(SESSION_KEY),
            "masked": mobile.masked, "next_url": _next_url(), "requiring": requiring_tenants(user),
            "minutes": int(current_app.config["MOBILE_CODE_MINUTES"])}


def _render_mobile(*, number_form=None, code_form=None, status: int = 200):
    return render_template("auth/mobile.html", **_mobile_context(number_form=number_form, code_form=code_form)), status


@bp.get("/account/mobile")
@login_required
def mobile_page():
    """The number, its state, and the forms: send a code (own or new number), enter the code."""
    return _render_mobile()


@bp.post("/account/mobile/code")
@login_required
def mobile_send_code():
    """Send a code to the account's own number, or to a new one (which needs the current password)."""
    form = MobileNumberForm()
    if form.validate_on_submit():
        number = normalise_login(form.mobile.data)
        user = current_user._get_current_object()
        # A stolen session must not move the login to another phone (and reset the password from there).
        if number != user.mobile and not verify_password(user.password_hash, form.current_password.data or ""):
            form.current_password.errors = [
                _("The current password is not correct.") if form.current_password.data
                else _("Enter your current password to change your mobile number.")]
        else:
            refusal, code = mobile.request_code(number, client_address(), purpose=mobile.ACCOUNT, user=user)
            if refusal:
                db.session.rollback()
                return _refused(form, refusal)
            db.session.commit()
            mobile.send_code(number, code)  # after the commit: no message for a code a rollback threw away
            session[SESSION_KEY] = number
            flash(_("A code is on its way to %(mobile)s. It is valid for %(minutes)d minutes.", mobile=number,
                    minutes=int(current_app.config["MOBILE_CODE_MINUTES"])), "info")
            return redirect(url_for("auth.mobile_page", next=_next_url() or None), 303)
    return _render_mobile(number_form=form, status=400)


def _refused(form, refusal: onetime.Refusal):
    return throttled_form("auth/mobile.html", form.mobile, refusal.seconds, mobile.refusal_message(refusal),
                          **_mobile_context(number_form=form))


@bp.post("/account/mobile/verify")
@login_required
def mobile_verify():
    """The code that came back: the number is verified (and becomes the login, if it was a new one)."""
    pending = session.get(SESSION_KEY)
    if not pending:
        flash(_("Ask for a code first."), "error")
        return redirect(url_for("auth.mobile_page", next=_next_url() or None), 303)
    form = MobileCodeForm()
    status = 400
    if form.validate_on_submit():
        if mobile.check_allowed(client_address()):
            db.session.rollback()
            form.code.errors = [_("Too many attempts. Wait a few minutes and try again.")]
            return _render_mobile(code_form=form, status=429)
        user = current_user._get_current_object()
        if not mobile.confirm(pending, form.code.data, purpose=mobile.ACCOUNT, user=user):
            db.session.commit()  # the wrong guess stays counted
            form.code.errors = [str(onetime.MSG_BAD_CODE)]
        else:
            try:
                previous = mobile.verify_account_mobile(user, pending)
            except mobile.MobileError as error:
                db.session.rollback()
                apply_to_form(form, error)
                status = error.status
            else:
                db.session.commit()
                if previous:
                    mobile.tell_previous_number(previous, pending)
                session.pop(SESSION_KEY, None)
                flash(_("Your mobile number %(mobile)s is verified.", mobile=pending), "success")
                return redirect(safe_next(_next_url(), url_for("auth.account")), 303)
    return _render_mobile(code_form=form, status=status)
