"""HTML pages of the hotline feature: the 12345 import (upload, preview, confirm; template), the review list
of unmatched work orders, the bureau's hotline directory and its public page."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.communities.models import Community
from portal.domain import DomainError, apply_to_form
from portal.extensions import db
from portal.guards import get_scoped_or_404, scoped_or_none, tenant_permission
from portal.hotline import forms, importing, parsing, services
from portal.hotline.models import Hotline, HotlineOrder, OrderState
from portal.listing import ListPage, paginate, searched
from portal.permissions import Action
from portal.public_pages import public_response
from portal.roster import uploads

bp = Blueprint("hotline", __name__, url_prefix="/t/<tenant_slug>")

# The upload's keeper (portal.roster.uploads) binds a file to a community; a 12345 export belongs to none.
NO_COMMUNITY = 0


@bp.errorhandler(413)
def _too_large(error):
    from portal.errors import render_error

    db.session.rollback()
    return render_error(413, _("The file is larger than 10 MB. Split the export into several files."))


# --- the import ----------------------------------------------------------------------------------------

def _import_page(form, preview=None, confirm=None, filename: str = "", upload_error: str | None = None):
    return render_template("hotline/import.html", form=form, preview=preview, confirm=confirm, filename=filename,
                           upload_error=upload_error, fields=parsing.FIELDS, labels=parsing.FIELD_LABELS,
                           required=parsing.REQUIRED, review_count=services.review_count())


@bp.route("/hotline/import", methods=["GET", "POST"])
@tenant_permission(Action.IMPORT_HOTLINE_ORDERS)
def import_upload():
    form = forms.OrdersUploadForm()
    if not form.validate_on_submit():
        return _import_page(form), 400 if request.method == "POST" else 200
    storage = form.file.data
    try:
        upload = uploads.store(tenant_id=g.tenant.id, user_id=current_user.id, community_id=NO_COMMUNITY,
                               stream=storage.stream, filename=storage.filename or "")
    except uploads.UploadTooLarge:
        form.file.errors = [_("The file is larger than 10 MB. Split the export into several files.")]
        return _import_page(form), 400
    preview = importing.preview_file(g.tenant, upload.path, upload.filename)
    if not preview.ok:
        uploads.discard(upload)
        return _import_page(form, preview, filename=upload.filename), 400
    importing.record_upload(tenant=g.tenant, actor=current_user, preview=preview, filename=upload.filename)
    db.session.commit()
    confirm = forms.OrdersConfirmForm(formdata=None, upload=upload.token)
    return _import_page(forms.OrdersUploadForm(formdata=None), preview, confirm, filename=upload.filename)


@bp.post("/hotline/import/confirm")
@tenant_permission(Action.IMPORT_HOTLINE_ORDERS)
def import_confirm():
    form = forms.OrdersConfirmForm()
    upload = None
    if form.validate_on_submit():
        upload = uploads.load(tenant_id=g.tenant.id, user_id=current_user.id, community_id=NO_COMMUNITY,
                              token=form.upload.data)
    if upload is None:
        message = _("This upload is no longer available (it expired, was already imported, or was uploaded by "
                    "someone else). Upload the file again.")
        return _import_page(forms.OrdersUploadForm(formdata=None), upload_error=message), 404
    try:
        result = importing.import_file(tenant=g.tenant, actor=current_user, path=upload.path, filename=upload.filename)
    except importing.HotlineRejected as rejected:
        db.session.rollback()
        uploads.discard(upload)
        return _import_page(forms.OrdersUploadForm(formdata=None), rejected.preview, filename=upload.filename), 400
    db.session.commit()
    uploads.discard(upload)
    if result.changed_nothing:
        flash(_("Nothing changed: all %(n)s work orders of the file were imported before.",
                n=result.already_imported), "info")
    else:
        flash(_("12345 work orders imported: %(ticketed)s tickets created, %(review)s to review, %(already)s "
                "imported before.", ticketed=result.ticketed, review=result.to_review,
                already=result.already_imported), "success")
    return redirect(url_for("hotline.review"), 303)


@bp.get("/hotline/import/template.<any(csv,xlsx):template_format>")
@tenant_permission(Action.IMPORT_HOTLINE_ORDERS)
def template(template_format: str):
    """An empty export with the header row and one example row, to show the columns."""
    name = f"12345-template.{template_format}"
    if template_format == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(parsing.TEMPLATE_HEADER)
        writer.writerow(parsing.TEMPLATE_EXAMPLE)
        data = io.BytesIO(("\ufeff" + text.getvalue()).encode("utf-8"))
        return send_file(data, as_attachment=True, download_name=name, mimetype="text/csv")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("12345")
    sheet.append(parsing.TEMPLATE_HEADER)
    sheet.append(parsing.TEMPLATE_EXAMPLE)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return send_file(data, as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- the review list ---------------------------------------------------------------------------------

@bp.get("/hotline/review")
@tenant_permission(Action.IMPORT_HOTLINE_ORDERS)
def review():
    form = forms.ReviewFilterForm()
    stmt = searched(services.review_query(), form.q.data, HotlineOrder.order_number, HotlineOrder.content,
                    HotlineOrder.address, HotlineOrder.community_text)
    page = paginate(stmt) if form.checked() else ListPage.empty()
    return render_template("hotline/review.html", page=page, form=form, masked=services.masked_phone), form.status


def _order_page(order: HotlineOrder, assign_form=None, dismiss_form=None, status: int = 200):
    return render_template("hotline/order.html", order=order, OrderState=OrderState, masked=services.masked_phone,
                           assign_form=assign_form or forms.AssignForm(formdata=None),
                           dismiss_form=dismiss_form or forms.DismissForm(formdata=None)), status


@bp.get("/hotline/orders/<int:order_id>")
@tenant_permission(Action.IMPORT_HOTLINE_ORDERS)
def order(order_id: int):
    return _order_page(get_scoped_or_404(HotlineOrder, order_id), assign_form=forms.AssignForm(request.args or None))


@bp.post("/hotline/orders/<int:order_id>/assign")
@tenant_permission(Action.IMPORT_HOTLINE_ORDERS)
def assign(order_id: int):
    found = get_scoped_or_404(HotlineOrder, order_id)
    form = forms.AssignForm()
    if form.searching() or not form.validate_on_submit():
        return _order_page(found, assign_form=form, status=200 if form.searching() else 400)
    community = scoped_or_none(Community, form.community_id.data)
    if community is None:
        form.community_id.errors = list(form.community_id.errors) + [_("Choose the community.")]
        return _order_page(found, assign_form=form, status=400)
    try:
        ticket = services.assign(tenant=g.tenant, actor=current_user, order=found, community=community)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        apply_to_form(form, error, fallback="community_id")
        return _order_page(get_scoped_or_404(HotlineOrder, order_id), assign_form=form, status=error.status)
    flash(_("Ticket %(ref)s created for work order %(number)s.", ref=ticket.reference, number=found.order_number),
          "success")
    return redirect(url_for("hotline.review"), 303)


@bp.post("/hotline/orders/<int:order_id>/dismiss")
@tenant_permission(Action.IMPORT_HOTLINE_ORDERS)
def dismiss(order_id: int):
    found = get_scoped_or_404(HotlineOrder, order_id)
    form = forms.DismissForm()
    if not form.validate_on_submit():
        return _order_page(found, dismiss_form=form, status=400)
    try:
        services.dismiss(tenant=g.tenant, actor=current_user, order=found, reason=form.reason.data)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        apply_to_form(form, error, fallback="reason")
        return _order_page(get_scoped_or_404(HotlineOrder, order_id), dismiss_form=form, status=error.status)
    flash(_("Work order %(number)s dismissed.", number=found.order_number), "success")
    return redirect(url_for("hotline.review"), 303)


# --- the directory ---------------------------------------------------------------------------------------

@bp.get("/hotlines/")
@tenant_permission(Action.MANAGE_HOTLINES)
def directory():
    return render_template("hotline/directory.html", hotlines=services.directory())


def _values(form) -> dict:
    return {"name": form.name.data, "number": form.number.data, "hours": form.hours.data,
            "area_id": form.area_id.data or None, "position": form.position.data or 0}


def _save(form, hotline: Hotline | None):
    page = lambda status: (render_template("hotline/hotline_form.html", form=form, hotline=hotline), status)  # noqa: E731
    if request.method == "GET" or form.searching():
        return page(200)
    if not form.validate_on_submit():
        return page(400)
    try:
        if hotline is None:
            services.add_hotline(tenant=g.tenant, actor=current_user, values=_values(form))
        else:
            services.update_hotline(tenant=g.tenant, actor=current_user, hotline=hotline, values=_values(form))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        apply_to_form(form, error, fallback="name")
        return page(400)
    flash(_("The hotline directory has been saved."), "success")
    return redirect(url_for("hotline.directory"), 303)


@bp.route("/hotlines/new", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_HOTLINES)
def new_hotline():
    return _save(forms.HotlineForm(), None)


@bp.route("/hotlines/<int:hotline_id>/edit", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_HOTLINES)
def edit_hotline(hotline_id: int):
    hotline = get_scoped_or_404(Hotline, hotline_id)
    return _save(forms.HotlineForm(obj=hotline) if request.method == "GET" else forms.HotlineForm(), hotline)


@bp.post("/hotlines/<int:hotline_id>/delete")
@tenant_permission(Action.MANAGE_HOTLINES)
def delete_hotline(hotline_id: int):
    hotline = get_scoped_or_404(Hotline, hotline_id)
    services.remove_hotline(tenant=g.tenant, actor=current_user, hotline=hotline)
    db.session.commit()
    flash(_("The hotline has been removed from the directory."), "success")
    return redirect(url_for("hotline.directory"), 303)


@bp.get("/public/hotlines")
def public():
    """The tenant's hotline directory for everyone: numbers and hours of offices, no person."""
    if g.get("tenant") is None:
        abort(404)
    return public_response(make_response(render_template("hotline/public.html", hotlines=services.directory())))
