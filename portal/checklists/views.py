"""HTML pages of the three lists: overview, readable versions (and draft previews), the draft editor.

Who sees what: bureau administrators edit (EDIT_CHECKLISTS); bureau staff read everything, drafts
included; area officers and firm staff (VIEW_CHECKLISTS) read the published and superseded
versions of all three lists — list C is what they are assessed with, list A the standard their
service is measured by, list B the public legal reference on owners' assemblies. Owners and committee
members read lists A and B on their community page (built by the owners feature with
``services.current_version`` and the ``checklists/_version.html`` macros), not here.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.models import User
from portal.checklists import services, wording
from portal.checklists.forms import ItemForm, MoveForm, NewDraftForm, PublishForm, ReasonForm, SectionForm
from portal.checklists.models import ChecklistItem, ChecklistSection, ChecklistVersion, ListKind, VersionStatus
from portal.domain import apply_to_form
from portal.extensions import db
from portal.guards import get_scoped_or_404, tenant_permission
from portal.permissions import Action, can

bp = Blueprint("checklists", __name__, url_prefix="/t/<tenant_slug>")

# For templates everywhere (the owners' community page renders lists A and B with the same macros).
bp.add_app_template_filter(services.format_weight, "checklist_weight")
bp.add_app_template_global(services.threshold_text, "checklist_threshold")
bp.add_app_template_filter(wording.evidence_text, "checklist_evidence")
bp.add_app_template_filter(wording.note_text, "checklist_note")
bp.add_app_template_global(wording.TO_VERIFY_MEANING, "checklist_to_verify_meaning")


def _refused(error: services.ChecklistError, version: ChecklistVersion | None = None):
    """A change the version's state forbids: a 409 page saying why, and where to go instead."""
    db.session.rollback()
    return render_template("checklists/refused.html", message=error.message, version=version), error.status


@bp.errorhandler(services.NotEditable)
def _not_editable(error: services.NotEditable):
    return _refused(error, getattr(error, "version", None))


def _user_names(versions) -> dict[int, str]:
    ids = {v.published_by_id for v in versions if v.published_by_id} | {v.created_by_id for v in versions if v.created_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids))).all())


@bp.get("/checklists/")
@tenant_permission(Action.VIEW_CHECKLISTS)
def index():
    drafts_visible = services.sees_drafts(g.memberships)
    lists = []
    everything = services.versions(include_drafts=drafts_visible)
    for kind in ListKind:
        mine = [v for v in everything if v.kind == kind]
        lists.append({
            "kind": kind,
            "current": next((v for v in mine if v.status == VersionStatus.PUBLISHED), None),
            "draft": next((v for v in mine if v.status == VersionStatus.DRAFT), None),
            "history": [v for v in mine if v.status != VersionStatus.DRAFT],
        })
    return render_template("checklists/index.html", lists=lists, names=_user_names(everything),
                           may_edit=can(g.memberships, Action.EDIT_CHECKLISTS), new_form=NewDraftForm())


@bp.get("/checklists/versions/<int:version_id>")
@tenant_permission(Action.VIEW_CHECKLISTS)
def version(version_id: int):
    """A version as everyone reads it; for a draft (bureau only) this is the preview."""
    found = get_scoped_or_404(ChecklistVersion, version_id)
    if found.status == VersionStatus.DRAFT and not services.sees_drafts(g.memberships):
        abort(404)
    grade = request.args.get("grade")
    grade = grade if grade in services.GRADES else None
    return render_template("checklists/version.html", version=found, grade=grade, names=_user_names([found]),
                           may_edit=can(g.memberships, Action.EDIT_CHECKLISTS))


@bp.post("/checklists/drafts/new")
@tenant_permission(Action.EDIT_CHECKLISTS)
def new_draft():
    form = NewDraftForm()
    if not form.validate_on_submit():
        return _index_with_errors(form)
    try:
        draft = services.create_draft(tenant=g.tenant, actor=current_user, kind=ListKind(form.kind.data),
                                      note=form.note.data or "")
    except services.DraftExists as error:
        db.session.rollback()
        flash(str(error.message), "info")
        return redirect(url_for("checklists.draft", draft_id=error.draft.id), 303)
    db.session.commit()
    flash(_("Draft version %(number)s created from the current version.", number=draft.number), "success")
    return redirect(url_for("checklists.draft", draft_id=draft.id), 303)


def _index_with_errors(form):
    drafts_visible = services.sees_drafts(g.memberships)
    everything = services.versions(include_drafts=drafts_visible)
    lists = [{"kind": kind, "current": next((v for v in everything if v.kind == kind and v.status == VersionStatus.PUBLISHED), None),
              "draft": next((v for v in everything if v.kind == kind and v.status == VersionStatus.DRAFT), None),
              "history": [v for v in everything if v.kind == kind and v.status != VersionStatus.DRAFT]} for kind in ListKind]
    return render_template("checklists/index.html", lists=lists, names=_user_names(everything), may_edit=True,
                           new_form=form), 400


def _load_draft(draft_id: int) -> ChecklistVersion:
    return get_scoped_or_404(ChecklistVersion, draft_id)


def _draft_page(version: ChecklistVersion, *, publish_form=None, discard_form=None, problems=None, status=200,
                error=None):
    sections = services.sections_of(version)
    items = {s.id: services.items_of(s) for s in sections}
    total = services.weight_sum(version)
    return render_template(
        "checklists/draft.html", version=version, sections=sections, items=items, total=total,
        difference=total - services.HUNDRED, problems=problems if problems is not None else services.publish_problems(version),
        publish_form=publish_form or PublishForm(formdata=None), discard_form=discard_form or ReasonForm(formdata=None),
        move_form=MoveForm(formdata=None), format_weight=services.format_weight, error=error,
    ), status


@bp.get("/checklists/drafts/<int:draft_id>")
@tenant_permission(Action.EDIT_CHECKLISTS)
def draft(draft_id: int):
    version = _load_draft(draft_id)
    services.require_editable(version)
    return _draft_page(version)


@bp.post("/checklists/drafts/<int:draft_id>/publish")
@tenant_permission(Action.EDIT_CHECKLISTS)
def publish(draft_id: int):
    version = _load_draft(draft_id)
    services.require_editable(version)
    form = PublishForm()
    if not form.validate_on_submit():
        return _draft_page(version, publish_form=form, status=400)
    try:
        services.publish(tenant=g.tenant, actor=current_user, version=version, note=form.note.data)
    except services.PublishRefused as error:
        db.session.rollback()
        form.note.errors = list(form.note.errors) + [_("Not published: fix the problems listed above.")]
        return _draft_page(version, publish_form=form, problems=error.problems, status=400)
    except services.ChecklistError as error:
        db.session.rollback()
        apply_to_form(form, error)
        return _draft_page(version, publish_form=form, status=400)
    db.session.commit()
    flash(_("Version %(number)s of list %(kind)s is published; the previous version is superseded.",
            number=version.number, kind=version.kind.value), "success")
    return redirect(url_for("checklists.version", version_id=version.id), 303)


@bp.post("/checklists/drafts/<int:draft_id>/discard")
@tenant_permission(Action.EDIT_CHECKLISTS)
def discard(draft_id: int):
    version = _load_draft(draft_id)
    services.require_editable(version)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _draft_page(version, discard_form=form, status=400)
    number, kind = version.number, version.kind.value
    services.discard(tenant=g.tenant, actor=current_user, version=version, reason=form.reason.data or "")
    db.session.commit()
    flash(_("Draft version %(number)s of list %(kind)s discarded.", number=number, kind=kind), "success")
    return redirect(url_for("checklists.index"), 303)


def _section_form_page(form, version, section=None, status=200):
    return render_template("checklists/section_form.html", form=form, version=version, section=section), status


@bp.route("/checklists/drafts/<int:draft_id>/sections/new", methods=["GET", "POST"])
@tenant_permission(Action.EDIT_CHECKLISTS)
def section_add(draft_id: int):
    version = _load_draft(draft_id)
    services.require_editable(version)
    form = SectionForm()
    if form.validate_on_submit():
        try:
            section = services.add_section(tenant=g.tenant, actor=current_user, version=version, data={
                "code": form.code.data, "title_zh": form.title_zh.data, "title_en": form.title_en.data,
                "weight": form.weight.data})
        except services.ChecklistError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            db.session.commit()
            flash(_("Section %(code)s added.", code=section.code), "success")
            return redirect(url_for("checklists.draft", draft_id=version.id, _anchor=f"s{section.id}"), 303)
    return _section_form_page(form, version, status=400 if form.errors else 200)


@bp.route("/checklists/sections/<int:section_id>/edit", methods=["GET", "POST"])
@tenant_permission(Action.EDIT_CHECKLISTS)
def section_edit(section_id: int):
    section = get_scoped_or_404(ChecklistSection, section_id)
    version = services.version_of(section)
    services.require_editable(version)
    is_post = request.method == "POST"
    form = SectionForm(obj=None if is_post else section)
    if not is_post:
        form.weight.data = services.format_weight(section.weight)
    if form.validate_on_submit():
        try:
            services.update_section(tenant=g.tenant, actor=current_user, section=section, data={
                "code": form.code.data, "title_zh": form.title_zh.data, "title_en": form.title_en.data,
                "weight": form.weight.data})
        except services.ChecklistError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            db.session.commit()
            flash(_("Section %(code)s saved.", code=section.code), "success")
            return redirect(url_for("checklists.draft", draft_id=version.id, _anchor=f"s{section.id}"), 303)
    return _section_form_page(form, version, section, status=400 if form.errors else 200)


def _simple_action(version, form, action, done_message):
    """POST buttons (delete, move): refused states are a 409 page; a bad form is a 400 draft page."""
    services.require_editable(version)
    if not form.validate_on_submit():
        db.session.rollback()
        problems = [f"{form[name].label.text}: {' '.join(str(e) for e in errors)}"
                    for name, errors in form.errors.items() if name != "csrf_token"]
        return _draft_page(version, status=400, error=" ".join(problems))
    try:
        result = action()
    except services.ChecklistError as error:
        db.session.rollback()
        return _draft_page(version, status=400, error=str(error.message))
    db.session.commit()
    if done_message and result is not False:
        flash(done_message, "success")
    return redirect(url_for("checklists.draft", draft_id=version.id), 303)


@bp.post("/checklists/sections/<int:section_id>/delete")
@tenant_permission(Action.EDIT_CHECKLISTS)
def section_delete(section_id: int):
    section = get_scoped_or_404(ChecklistSection, section_id)
    version = services.version_of(section)
    return _simple_action(version, ReasonForm(), lambda: services.delete_section(
        tenant=g.tenant, actor=current_user, section=section), _("Section %(code)s deleted.", code=section.code))


@bp.post("/checklists/sections/<int:section_id>/move")
@tenant_permission(Action.EDIT_CHECKLISTS)
def section_move(section_id: int):
    section = get_scoped_or_404(ChecklistSection, section_id)
    version = services.version_of(section)
    form = MoveForm()
    return _simple_action(version, form, lambda: services.move_section(
        tenant=g.tenant, actor=current_user, section=section, direction=form.direction.data), None)


def _item_form_page(form, version, section, item=None, status=200):
    return render_template("checklists/item_form.html", form=form, version=version, section=section,
                           item=item), status


@bp.route("/checklists/sections/<int:section_id>/items/new", methods=["GET", "POST"])
@tenant_permission(Action.EDIT_CHECKLISTS)
def item_add(section_id: int):
    section = get_scoped_or_404(ChecklistSection, section_id)
    version = services.version_of(section)
    services.require_editable(version)
    form = ItemForm()
    if form.validate_on_submit():
        try:
            item = services.add_item(tenant=g.tenant, actor=current_user, section=section, data=form.data_for_service())
        except services.ChecklistError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            db.session.commit()
            flash(_("Item %(code)s added.", code=item.code), "success")
            return redirect(url_for("checklists.draft", draft_id=version.id, _anchor=f"i{item.id}"), 303)
    return _item_form_page(form, version, section, status=400 if form.errors else 200)


@bp.route("/checklists/items/<int:item_id>/edit", methods=["GET", "POST"])
@tenant_permission(Action.EDIT_CHECKLISTS)
def item_edit(item_id: int):
    item = get_scoped_or_404(ChecklistItem, item_id)
    section = services.section_of(item)
    version = services.version_of(section)
    services.require_editable(version)
    form = ItemForm(obj=None if request.method == "POST" else item)
    if form.validate_on_submit():
        try:
            services.update_item(tenant=g.tenant, actor=current_user, item=item, data=form.data_for_service())
        except services.ChecklistError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            db.session.commit()
            flash(_("Item %(code)s saved.", code=item.code), "success")
            return redirect(url_for("checklists.draft", draft_id=version.id, _anchor=f"i{item.id}"), 303)
    return _item_form_page(form, version, section, item, status=400 if form.errors else 200)


@bp.post("/checklists/items/<int:item_id>/delete")
@tenant_permission(Action.EDIT_CHECKLISTS)
def item_delete(item_id: int):
    item = get_scoped_or_404(ChecklistItem, item_id)
    version = services.version_of(services.section_of(item))
    return _simple_action(version, ReasonForm(), lambda: services.delete_item(
        tenant=g.tenant, actor=current_user, item=item), _("Item %(code)s deleted.", code=item.code))


@bp.post("/checklists/items/<int:item_id>/move")
@tenant_permission(Action.EDIT_CHECKLISTS)
def item_move(item_id: int):
    item = get_scoped_or_404(ChecklistItem, item_id)
    version = services.version_of(services.section_of(item))
    form = MoveForm()
    return _simple_action(version, form, lambda: services.move_item(
        tenant=g.tenant, actor=current_user, item=item, direction=form.direction.data), None)
