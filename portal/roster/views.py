"""HTML pages of the roster feature: communities and their units, import with a preview, export."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.communities.forms import CommunitySearchForm
from portal.communities.models import Community, Unit
from portal.communities.services import can_see_community, filtered_communities, unit_counts
from portal.extensions import db
from portal.guards import get_scoped_or_404, tenant_permission
from portal.listing import ListPage, paginate, searched
from portal.permissions import Action, can
from portal.roster import exporting, parsing, services, uploads
from portal.roster.forms import RosterConfirmForm, RosterUploadForm, UnitFilterForm
from portal.validation import query_int

bp = Blueprint("roster", __name__, url_prefix="/t/<tenant_slug>")

PER_PAGE = 50


def community_or_404(community_id: int) -> Community:
    """The community, if it is in this tenant and the member may see it (else 404, like a foreign id)."""
    community = get_scoped_or_404(Community, community_id)
    if not can_see_community(g.memberships, community.id):
        abort(404)
    return community


@bp.errorhandler(413)
def _too_large(error):
    from portal.errors import render_error

    db.session.rollback()
    return render_error(413, _("The file is larger than 10 MB. Split the roster into several files."))


@bp.get("/roster/")
@tenant_permission(Action.VIEW_REGISTRY)
def index():
    form = CommunitySearchForm()
    page = paginate(filtered_communities(g.memberships, **form.filters())) if form.checked() else ListPage.empty()
    return render_template("roster/index.html", page=page, form=form,
                           counts=unit_counts([c.id for c in page.items]) if page.items else {},
                           can_import=can(g.memberships, Action.IMPORT_ROSTER)), form.status


@bp.get("/roster/<int:community_id>/units")
@tenant_permission(Action.VIEW_REGISTRY)
def community_units(community_id: int):
    community = community_or_404(community_id)
    buildings = services.buildings_with_counts(community)
    building_id = query_int("building")
    if request.args.get("building") and building_id not in {b.id for b, _count in buildings}:
        abort(404)
    form = UnitFilterForm()
    form.building.choices = [("", _("All buildings"))] + [(str(b.id), f"{b.name} ({count})") for b, count in buildings]
    stmt = searched(services.units_query(community, building_id), form.q.data, Unit.room, Unit.entrance)
    page = paginate(stmt, per_page=PER_PAGE) if form.checked() else ListPage.empty()
    return render_template("roster/units.html", community=community, buildings=buildings, page=page, form=form,
                           can_import=can(g.memberships, Action.IMPORT_ROSTER)), form.status


@bp.route("/roster/<int:community_id>/import", methods=["GET", "POST"])
@tenant_permission(Action.IMPORT_ROSTER)
def import_upload(community_id: int):
    community = community_or_404(community_id)
    form = RosterUploadForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return _import_page(community, form, None, None), status
    storage = form.file.data
    try:
        upload = uploads.store(tenant_id=g.tenant.id, user_id=current_user.id, community_id=community.id,
                               stream=storage.stream, filename=storage.filename or "")
    except uploads.UploadTooLarge:
        form.file.errors = [_("The file is larger than 10 MB. Split the roster into several files.")]
        return _import_page(community, form, None, None), 400
    preview = services.preview_file(community, upload.path, upload.filename)
    if not preview.ok:
        uploads.discard(upload)
        db.session.rollback()
        return _import_page(community, form, preview, None, filename=upload.filename), 400
    services.record_upload(tenant=g.tenant, actor=current_user, community=community, preview=preview,
                           filename=upload.filename)
    db.session.commit()
    confirm = RosterConfirmForm(formdata=None, upload=upload.token)
    return _import_page(community, RosterUploadForm(formdata=None), preview, confirm, filename=upload.filename)


@bp.post("/roster/<int:community_id>/import/confirm")
@tenant_permission(Action.IMPORT_ROSTER)
def import_confirm(community_id: int):
    community = community_or_404(community_id)
    form = RosterConfirmForm()
    upload = None
    if form.validate_on_submit():
        upload = uploads.load(tenant_id=g.tenant.id, user_id=current_user.id, community_id=community.id,
                              token=form.upload.data)
    if upload is None:
        message = _("This upload is no longer available (it expired, was already imported, or was uploaded by "
                    "someone else). Upload the file again.")
        return _import_page(community, RosterUploadForm(formdata=None), None, None, upload_error=message), 404
    try:
        result = services.import_file(tenant=g.tenant, actor=current_user, community=community, path=upload.path,
                                      filename=upload.filename)
    except services.RosterRejected as rejected:
        db.session.rollback()
        uploads.discard(upload)
        return _import_page(community, RosterUploadForm(formdata=None), rejected.preview, None,
                            filename=upload.filename), 400
    db.session.commit()
    uploads.discard(upload)
    flash(_("Roster imported: %(inserted)s new, %(updated)s updated, %(unchanged)s unchanged.",
            inserted=result.inserted, updated=result.updated, unchanged=result.unchanged), "success")
    return redirect(url_for("roster.community_units", community_id=community.id), 303)


def _import_page(community, form, preview, confirm, filename: str = "", upload_error: str | None = None):
    return render_template("roster/import.html", community=community, form=form, preview=preview, confirm=confirm,
                           filename=filename, upload_error=upload_error, max_errors=services.MAX_LISTED_ERRORS,
                           header_fields=parsing.FIELDS, field_labels=parsing.FIELD_LABELS,
                           optional_fields=parsing.OPTIONAL_FIELDS)


@bp.get("/roster/<int:community_id>/export.<any(csv,xlsx):roster_format>")
@tenant_permission(Action.IMPORT_ROSTER)
def export(community_id: int, roster_format: str):
    community = community_or_404(community_id)
    download = f"roster-{community.name}.{roster_format}"
    # Written row by row into a temporary file, then sent from disk in chunks: memory stays flat
    # and nothing is left running after the view returns (a stream_with_context generator would
    # keep this request's context pushed for as long as the client takes to read).
    if roster_format == "xlsx":
        handle = exporting.xlsx_file(community)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        handle = exporting.csv_file(community)
        mimetype = "text/csv"
    return send_file(handle, as_attachment=True, download_name=download, mimetype=mimetype)
