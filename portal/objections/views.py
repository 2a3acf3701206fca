"""Objection pages: an owner files one against an item of a published board section and follows it; the firm
answers; the owner accepts or escalates; the street office decides; supervisors list open and overdue ones."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import storage
from portal.communities.services import local_today
from portal.disclosures import services as boards
from portal.disclosures.models import NoticeBoard
from portal.disclosures.public import lay_out
from portal.domain import apply_to_form
from portal.extensions import db
from portal.guards import get_scoped_or_404, tenant_permission
from portal.listing import ListPage, paginate
from portal.objections import services
from portal.objections.forms import (AcceptForm, AnswerDaysForm, AnswerForm, DecideForm, EscalateForm,
                                     FileObjectionForm, ObjectionFilterForm)
from portal.objections.models import Decision, Objection, ObjectionStatus
from portal.objections.services import ObjectionError
from portal.permissions import Action, can

bp = Blueprint("objections", __name__, url_prefix="/t/<tenant_slug>")


def visible_objection_or_404(objection_id: int) -> Objection:
    """Load → authorise: an objection this member may not see is a 404 (its existence is not told)."""
    objection = get_scoped_or_404(Objection, objection_id)
    if not services.may_see(g.memberships, g.tenant, current_user.id, objection):
        abort(404)
    return objection


@bp.route("/boards/<int:board_id>/versions/<int:seq>/object", methods=["GET", "POST"])
@tenant_permission(Action.FILE_OBJECTIONS)
def file(board_id: int, seq: int):
    """File an objection against a published version: pick the row (or the section), say why, add a photo."""
    board = get_scoped_or_404(NoticeBoard, board_id)
    version = boards.version_by_seq(board, seq)
    if version is None or not services.owner_units_in(current_user.id, board.community_id):
        abort(404)
    form = FileObjectionForm()
    form.set_items(services.item_choices(version))
    fields, columns, rows = lay_out(version.section, boards.content_of(version))
    refused = False
    if form.validate_on_submit():
        key = None
        try:
            upload = request.files.get("photo")
            if upload is not None and upload.filename:
                try:
                    accepted = storage.accept(upload.stream, kinds=storage.IMAGE_KINDS, label=str(form.photo.label.text))
                except storage.UploadRejected as error:
                    raise ObjectionError("photo", str(error)) from error
                key = storage.store(g.tenant.id, services.PHOTO_FOLDER, accepted)
            row = None if form.item.data == "section" else int(form.item.data)
            objection = services.file_objection(tenant=g.tenant, actor=current_user, version=version, row_index=row,
                                                reason=form.reason.data, photo_key=key)
        except ObjectionError as error:
            db.session.rollback()
            if key:
                storage.delete(g.tenant.id, key)
            apply_to_form(form, error, fallback="reason")
            refused = True
        else:
            db.session.commit()
            flash(_("Your objection is filed. The firm must answer by %(day)s.", day=objection.due_on), "success")
            return redirect(url_for("objections.detail", objection_id=objection.id), 303)
    status = 400 if refused or form.errors else 200
    return render_template("objections/file.html", board=board, version=version, form=form, fields=fields,
                           columns=columns, rows=rows, answer_days=services.answer_days()), status


@bp.get("/objections/")
@tenant_permission(Action.VIEW_OBJECTIONS)
def index():
    """The objections this member sees: an owner their own, the firm its boards', supervisors their area's."""
    form = ObjectionFilterForm()
    if form.checked():
        page = paginate(services.listed(g.memberships, g.tenant, current_user.id, q=form.q.data,
                                        status=form.state.data or None, overdue_only=bool(form.overdue.data)))
    else:
        page = ListPage.empty()
    return render_template("objections/index.html", page=page, form=form, today=local_today(),
                           item_labels=services.item_labels(page.items),
                           is_owner=can(g.memberships, Action.FILE_OBJECTIONS),
                           may_set=can(g.memberships, Action.MANAGE_OBJECTION_RULES)), form.status


def _forms(objection: Objection) -> dict:
    """The action forms this member may use on this objection now."""
    today = local_today()
    owner = services.is_owner_of(current_user, objection)
    forms = {}
    if objection.status == ObjectionStatus.OPEN and can(g.memberships, Action.ANSWER_OBJECTIONS) \
            and services.may_answer(g.memberships, g.tenant, objection):
        forms["answer"] = AnswerForm(prefix="answer")
    if owner and objection.status == ObjectionStatus.ANSWERED:
        forms["accept"] = AcceptForm(prefix="accept")
    if owner and (objection.status == ObjectionStatus.ANSWERED
                  or (objection.status == ObjectionStatus.OPEN and objection.is_overdue(today))):
        forms["escalate"] = EscalateForm(prefix="escalate")
    if objection.status == ObjectionStatus.ESCALATED and can(g.memberships, Action.DECIDE_OBJECTIONS) \
            and services.may_decide(g.memberships, g.tenant, objection):
        forms["decide"] = DecideForm(prefix="decide")
    return forms


def _render(objection: Objection, forms: dict, status: int = 200):
    correction = None
    if objection.correction_version_id:
        correction = next((v for v in boards.versions_of(objection.board, objection.section)
                           if v.id == objection.correction_version_id), None)
    return render_template("objections/detail.html", objection=objection, forms=forms, today=local_today(),
                           item_label=services.item_label,
                           events=services.events_of(objection), correction=correction,
                           owner=services.is_owner_of(current_user, objection)), status


@bp.get("/objections/<int:objection_id>")
@tenant_permission(Action.VIEW_OBJECTIONS)
def detail(objection_id: int):
    objection = visible_objection_or_404(objection_id)
    return _render(objection, _forms(objection))


def _act(objection_id: int, name: str, act):
    """POST one action: the form must be on offer to this member now (else 403, or 409 for a closed state)."""
    objection = visible_objection_or_404(objection_id)
    forms = _forms(objection)
    form = forms.get(name)
    if form is None:
        allowed = {"answer": lambda: services.may_answer(g.memberships, g.tenant, objection),
                   "decide": lambda: services.may_decide(g.memberships, g.tenant, objection)}.get(
            name, lambda: services.is_owner_of(current_user, objection))
        if not allowed():
            abort(403)  # never this member's step on this objection
        flash(_("This objection is now “%(state)s”; that step is not open to you.", state=objection.status.label), "error")
        return _render(objection, forms, 409)
    if form.validate_on_submit():
        try:
            act(objection, form)
        except ObjectionError as error:
            db.session.rollback()
            apply_to_form(form, error)
            return _render(get_scoped_or_404(Objection, objection_id), forms, error.status if error.status != 422 else 400)
        db.session.commit()
        flash(_("Saved: the objection is now “%(state)s”.", state=objection.status.label), "success")
        return redirect(url_for("objections.detail", objection_id=objection.id), 303)
    return _render(objection, forms, 400)


@bp.post("/objections/<int:objection_id>/answer")
@tenant_permission(Action.ANSWER_OBJECTIONS)
def answer(objection_id: int):
    return _act(objection_id, "answer", lambda o, f: services.answer(
        tenant=g.tenant, actor=current_user, objection=o, text=f.answer.data, correction_seq=f.correction_seq.data))


@bp.post("/objections/<int:objection_id>/accept")
@tenant_permission(Action.FILE_OBJECTIONS)
def accept(objection_id: int):
    return _act(objection_id, "accept", lambda o, f: services.accept(tenant=g.tenant, actor=current_user, objection=o))


@bp.post("/objections/<int:objection_id>/escalate")
@tenant_permission(Action.FILE_OBJECTIONS)
def escalate(objection_id: int):
    return _act(objection_id, "escalate", lambda o, f: services.escalate(
        tenant=g.tenant, actor=current_user, objection=o, note=f.note.data or ""))


@bp.post("/objections/<int:objection_id>/decide")
@tenant_permission(Action.DECIDE_OBJECTIONS)
def decide(objection_id: int):
    return _act(objection_id, "decide", lambda o, f: services.decide(
        tenant=g.tenant, actor=current_user, objection=o, decision=Decision(f.decision.data),
        reason=f.decision_reason.data))


@bp.get("/objections/<int:objection_id>/photo")
@tenant_permission(Action.VIEW_OBJECTIONS)
def photo(objection_id: int):
    """The objection's photo, only to those who see the objection (never public)."""
    objection = visible_objection_or_404(objection_id)
    if not objection.photo_key:
        abort(404)
    return storage.response(g.tenant.id, objection.photo_key, download_name=f"objection-{objection.id}")


@bp.route("/objections/settings", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_OBJECTION_RULES)
def settings():
    """How many working days a firm has to answer an objection in this tenant."""
    form = AnswerDaysForm()
    if not form.is_submitted():
        form.answer_days.data = services.answer_days()
    if form.validate_on_submit():
        try:
            services.set_answer_days(tenant=g.tenant, actor=current_user, days=form.answer_days.data)
        except ObjectionError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            db.session.commit()
            flash(_("Answer limit saved."), "success")
            return redirect(url_for("objections.settings"), 303)
    return render_template("objections/settings.html", form=form), 400 if form.errors else 200
