"""The tenant's settings page, for its administrator."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.domain import apply_to_form
from portal.extensions import db
from portal.guards import tenant_permission
from portal.permissions import Action
from portal.public_url import public_base
from portal.tenant_settings import services
from portal.tenant_settings.forms import MobileVerificationForm

bp = Blueprint("tenant_settings", __name__, url_prefix="/t/<tenant_slug>/settings")


def _render(form, status: int = 200):
    return render_template("tenant_settings/index.html", form=form, figures=services.verification_figures(),
                           codes_in_log=current_app.config.get("MESSAGE_SENDER", "log") == "log",
                           public_base=public_base()), status


@bp.route("/", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_TENANT_SETTINGS)
def index():
    """Whether members must verify their mobile number; the public address, as the platform set it."""
    form = MobileVerificationForm(data={"require_verified_mobile": g.tenant.require_verified_mobile})
    if form.validate_on_submit():
        required = bool(form.require_verified_mobile.data)
        try:
            changed = services.set_mobile_verification(tenant=g.tenant, actor=current_user._get_current_object(),
                                                       required=required)
        except services.SettingsError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            db.session.commit()
            if not changed:
                flash(_("Nothing changed."), "info")
            elif required:
                flash(_("Members now verify their mobile number with a code before going on."), "success")
            else:
                flash(_("Members no longer need a verified mobile number."), "success")
            return redirect(url_for("tenant_settings.index"), 303)
    return _render(form, 400 if form.errors else 200)
