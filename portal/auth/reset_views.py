"""Password reset pages (public): request a code, enter it with a new password, or use an administrator's link."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _

from portal import messaging
from portal.auth import onetime, reset
from portal.auth.forms import NewPasswordForm, ResetCodeForm, ResetRequestForm
from portal.auth.views import bp
from portal.errors import throttled_form
from portal.extensions import db
from portal.net import client_address
from portal.validation import normalise_login

SESSION_KEY = "reset_login"  # the address a code was asked for, so the code page need not ask again


@bp.route("/account/reset", methods=["GET", "POST"])
def reset_request():
    """Ask for a code: the same answer whether or not the mobile number or e-mail address has an account."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        login = normalise_login(form.identifier.data)
        refusal, message = reset.request_code(login, client_address())
        if refusal:
            db.session.rollback()
            return _throttled("auth/reset_request.html", form, form.identifier, refusal)
        db.session.commit()
        if message:  # sent after the commit: no message for a code a rollback threw away
            to, code = message
            messaging.send(to, reset.code_message(code))
        session[SESSION_KEY] = login
        flash(_("If %(login)s belongs to an account, a code is on its way. It is valid for %(minutes)d minutes.",
                login=login, minutes=int(current_app.config["RESET_CODE_MINUTES"])), "info")
        return redirect(url_for("auth.reset_code"), 303)
    return render_template("auth/reset_request.html", form=form), 400 if form.errors else 200


@bp.route("/account/reset/code", methods=["GET", "POST"])
def reset_code():
    """Enter the code and a new password; success ends every session and API token of the account."""
    login = session.get(SESSION_KEY)
    if not login:
        return redirect(url_for("auth.reset_request"), 303)
    form = ResetCodeForm(login=login)
    if form.validate_on_submit():
        refusal = reset.check_allowed(client_address())
        if refusal:
            db.session.rollback()
            return _throttled("auth/reset_code.html", form, form.code, refusal, login=login)
        user = reset.reset_with_code(login, form.code.data, form.new_password.data)
        db.session.commit()  # a wrong guess is counted even though the reset failed
        if user is not None:
            session.pop(SESSION_KEY, None)
            flash(_("Your password has been changed and every device signed out. Sign in with the new password."),
                  "success")
            return redirect(url_for("auth.login"), 303)
        form.code.errors = [str(onetime.MSG_BAD_CODE)]
    return render_template("auth/reset_code.html", form=form, login=login), 400 if form.errors else 200


@bp.route("/account/reset/link/<string(length=43):token>", methods=["GET", "POST"])
def reset_link(token: str):
    """The one-time link an administrator handed over: set a new password (the link is spent by it)."""
    live = reset.live_link(token)
    if live is None:
        return render_template("auth/reset_link.html", form=None, invalid=True), 404
    form = NewPasswordForm(login=live.user.login_name)
    if form.validate_on_submit():
        user = reset.reset_with_link(token, form.new_password.data)
        db.session.commit()
        if user is not None:
            flash(_("Your password has been changed and every device signed out. Sign in with the new password."),
                  "success")
            return redirect(url_for("auth.login"), 303)
        return render_template("auth/reset_link.html", form=None, invalid=True), 404
    return render_template("auth/reset_link.html", form=form, invalid=False,
                           name=live.user.display_name), 400 if form.errors else 200


@bp.get("/privacy")
def privacy():
    """The privacy notice (what is collected, why, who sees it, how long, deletion)."""
    return render_template("auth/privacy.html")


def _throttled(template: str, form, field, refusal: onetime.Refusal, **context):
    return throttled_form(template, field, refusal.seconds, _("Too many attempts. Wait a few minutes and try again."),
                          form=form, **context)
