"""The tenant administrator's export page (``/t/<slug>/settings/export``) and the platform's delete and restore."""
from __future__ import annotations

import os

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.domain import apply_to_form
from portal.extensions import db
from portal.guards import platform_admin_required, tenant_permission
from portal.permissions import Action
from portal.tenant_export import services
from portal.tenant_export.forms import ExportForm, TenantDeleteForm
from tenants.models import Tenant

bp = Blueprint("tenant_export", __name__)


@bp.get("/t/<tenant_slug>/settings/export")
@tenant_permission(Action.MANAGE_TENANT_SETTINGS)
def index():
    """What an export holds, and the exports made so far."""
    return render_template("tenant_export/index.html", form=ExportForm(), exports=services.recent_exports(g.tenant))


@bp.post("/t/<tenant_slug>/settings/export")
@tenant_permission(Action.MANAGE_TENANT_SETTINGS)
def download():
    """Make a new export (recorded and audited) and send it; the file is not kept on the server."""
    form = ExportForm()
    if not form.validate_on_submit():
        return render_template("tenant_export/index.html", form=form,
                               exports=services.recent_exports(g.tenant)), 400
    result = services.export_tenant(g.tenant, actor=current_user._get_current_object())
    db.session.commit()
    handle = open(result.path, "rb")  # noqa: SIM115  (closed by the response)
    os.unlink(result.path)  # the open handle keeps the data until the response is sent
    response = send_file(handle, mimetype="application/zip", as_attachment=True, max_age=0,
                         download_name=f"{g.tenant.slug}-export-{result.sha256[:12]}.zip")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/platform/tenants/<int:tenant_id>/delete", methods=["GET", "POST"])
@platform_admin_required
def delete(tenant_id: int):
    """Soft-delete a tenant (only after a recent export); restorable until the grace period ends."""
    tenant = db.session.get(Tenant, tenant_id) or abort(404)
    form = TenantDeleteForm()
    grace = int(current_app.config.get("TENANT_DELETE_GRACE_DAYS", 30))
    if form.validate_on_submit():
        if form.confirm_slug.data.strip() != tenant.slug:
            form.confirm_slug.errors = [_("This is not the tenant's short name.")]
        else:
            try:
                services.delete_tenant(actor=current_user._get_current_object(), tenant=tenant,
                                       reason=form.reason.data, grace_days=grace)
            except services.ExportError as error:
                db.session.rollback()
                apply_to_form(form, error)
            else:
                db.session.commit()
                flash(_("Tenant %(name)s deleted; it can be restored until %(date)s.", name=tenant.name_zh,
                        date=tenant.purge_after.date().isoformat()), "success")
                return redirect(url_for("platform.index"), 303)
    return render_template("tenant_export/delete.html", tenant=tenant, form=form, grace=grace,
                           latest=services.latest_export(tenant)), 400 if form.errors else 200


@bp.post("/platform/tenants/<int:tenant_id>/undelete")
@platform_admin_required
def undelete(tenant_id: int):
    tenant = db.session.get(Tenant, tenant_id) or abort(404)
    form = ExportForm()
    if not form.validate_on_submit() or tenant.deleted_at is None:
        abort(400)
    services.undelete_tenant(actor=current_user._get_current_object(), tenant=tenant, reason="restored by the platform")
    db.session.commit()
    flash(_("Tenant %(name)s restored.", name=tenant.name_zh), "success")
    return redirect(url_for("platform.index"), 303)
