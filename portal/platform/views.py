"""Platform area: list and create tenants, change their status, disable accounts."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SearchField
from wtforms.validators import Length, Optional

from portal.auth.models import User
from portal.domain import apply_to_form
from portal.extensions import db
from portal.guards import platform_admin_required
from portal.listing import SEARCH_MAX_LENGTH, ListFilterForm, ListPage, paginate, searched
from portal.platform import services
from portal.platform.forms import TenantCreateForm, TenantPublicUrlForm, TenantStatusForm, UserActiveForm
from portal.validation import NoControlChars, normalise_login
from tenants.models import Tenant, TenantKind, TenantStatus

bp = Blueprint("platform", __name__, url_prefix="/platform")


class PlatformFilterForm(ListFilterForm):
    q = SearchField(_l("Search tenants and accounts"), description=_l("Name, mobile number or e-mail"),
                    validators=[Optional(), Length(max=SEARCH_MAX_LENGTH), NoControlChars()])


def _index_page(status: int = 200, **forms):
    """Tenants and accounts, a page of each, both narrowed by the one search box."""
    filters = PlatformFilterForm()
    if filters.checked():
        tenants = paginate(searched(sa.select(Tenant).order_by(Tenant.created_at.desc(), Tenant.id.desc()),
                                    filters.q.data, Tenant.slug, Tenant.name_zh, Tenant.name_en),
                           endpoint="platform.index")
        users = paginate(searched(sa.select(User).order_by(User.id.desc()), filters.q.data, User.display_name,
                                  User.mobile, User.email), param="users_page", sizes=False, endpoint="platform.index")
    else:
        tenants = users = ListPage.empty()
    forms = {"status_form": TenantStatusForm(), "user_form": UserActiveForm(), **forms}
    return render_template("platform/index.html", tenants=tenants, users=users, filters=filters,
                           **forms), max(status, filters.status)


@bp.get("/")
@platform_admin_required
def index():
    return _index_page()


@bp.route("/tenants/new", methods=["GET", "POST"])
@platform_admin_required
def create_tenant():
    form = TenantCreateForm()
    if form.validate_on_submit():
        try:
            tenant = services.create_tenant(
                actor=current_user, slug=form.slug.data, kind=TenantKind(form.kind.data),
                name_zh=form.name_zh.data.strip(), name_en=(form.name_en.data or "").strip(),
                region=(form.region.data or "").strip(), time_zone=form.time_zone.data,
                admin_login=normalise_login(form.admin_login.data), admin_name=form.admin_name.data.strip(),
                admin_password=form.admin_password.data or None,
            )
        except services.PlatformError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            db.session.commit()
            flash(_("Tenant %(name)s created.", name=tenant.name_zh), "success")
            return redirect(url_for("platform.index"))
    return render_template("platform/tenant_form.html", form=form), 200 if not form.errors else 400


@bp.post("/tenants/<int:tenant_id>/status")
@platform_admin_required
def tenant_status(tenant_id: int):
    tenant = db.session.get(Tenant, tenant_id) or abort(404)
    form = TenantStatusForm()
    if not form.validate_on_submit():
        return _index_page(400, status_form=form, failed_tenant=tenant.id)
    services.set_tenant_status(actor=current_user, tenant=tenant, status=TenantStatus(form.status.data),
                               reason=form.reason.data)
    db.session.commit()
    flash(_("Tenant status changed."), "success")
    return redirect(url_for("platform.index"), 303)


@bp.route("/tenants/<int:tenant_id>/public-url", methods=["GET", "POST"])
@platform_admin_required
def tenant_public_url(tenant_id: int):
    """The address printed on the tenant's slips and QR codes (overrides PORTAL_PUBLIC_URL)."""
    tenant = db.session.get(Tenant, tenant_id) or abort(404)
    form = TenantPublicUrlForm(data={"public_url": tenant.public_url or ""})
    if form.validate_on_submit():
        services.set_tenant_public_url(actor=current_user, tenant=tenant, public_url=form.public_url.data)
        db.session.commit()
        flash(_("Public address saved."), "success")
        return redirect(url_for("platform.index"), 303)
    return render_template("platform/public_url.html", tenant=tenant, form=form,
                           configured=current_app.config.get("PUBLIC_URL")), 400 if form.errors else 200


@bp.post("/users/<int:user_id>/active/<any(on,off):state>")
@platform_admin_required
def user_active(user_id: int, state: str):
    user = db.session.get(User, user_id) or abort(404)
    form = UserActiveForm()
    error = None
    if form.validate_on_submit():
        try:
            services.set_user_active(actor=current_user, user=user, active=state == "on", reason=form.reason.data)
        except services.PlatformError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            flash(_("Account updated."), "success")
            return redirect(url_for("platform.index"), 303)
    if error:
        form.reason.errors = list(form.reason.errors) + [error]
    return _index_page(400, user_form=form, failed_user=user.id)
