"""Pages of the monthly satisfaction list (满意度榜单): the bureau's drafts and editing, and the public site's
published lists (months, one list with its corrections, the Excel export)."""
from __future__ import annotations

import io

import sqlalchemy as sa

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.db import utcnow
from portal.domain import DomainError, apply_to_form
from portal.extensions import db
from portal.guards import get_scoped_or_404, tenant_permission
from portal.ledger.exporting import safe_cell
from portal.permissions import Action
from portal.public_pages import clear_page_cache, public_response
from portal.satisfaction import forms, privacy, services
from portal.satisfaction.models import SatisfactionList
from portal.tickets.models import Satisfaction, TicketType
from portal.validation import bounded_int

bp = Blueprint("satisfaction", __name__, url_prefix="/t/<tenant_slug>")


# --- the bureau's drafts ---------------------------------------------------------------------------------

def _index(form, status=200):
    lists = list(db.session.scalars(sa.select(SatisfactionList).order_by(SatisfactionList.month.desc())))
    return render_template("satisfaction/index.html", lists=lists, form=form), status


@bp.get("/satisfaction-lists/")
@tenant_permission(Action.MANAGE_SATISFACTION_LISTS)
def index():
    return _index(forms.DraftForm())


@bp.post("/satisfaction-lists/")
@tenant_permission(Action.MANAGE_SATISFACTION_LISTS)
def create():
    form = forms.DraftForm()
    if not form.validate_on_submit():
        return _index(form, 400)
    try:
        month = services.parse_month(form.month.data, now=utcnow())
        existing = services.list_for_month(month)
        if existing is not None:
            flash(_("There is already a list for %(month)s: here it is.", month=existing.month_key), "info")
            return redirect(url_for("satisfaction.edit", list_id=existing.id), 303)
        lst = services.generate_draft(tenant=g.tenant, actor=current_user, month=month, min_cases=form.min_cases.data,
                                      min_firm_cases=form.min_firm_cases.data)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        apply_to_form(form, error, fallback="month")
        return _index(form, 400)
    flash(_("Draft of %(month)s made: choose the cases and check their texts.", month=lst.month_key), "success")
    return redirect(url_for("satisfaction.edit", list_id=lst.id), 303)


def _edit_page(lst: SatisfactionList, *, entries=None, publish_form=None, status=200, errors=()):
    entries = entries if entries is not None else services.entries_of(lst)
    firms, totals = services.ranking(lst.month, lst.min_firm_cases)
    return render_template(
        "satisfaction/edit.html", lst=lst, entries=entries, firms=firms, totals=totals,
        candidates=services.candidate_count(lst), problems=services.problems(lst, entries), errors=errors,
        edit_form=forms.EditForm(), publish_form=publish_form or forms.PublishForm(),
        versions=services.versions_of(lst), rule_label=privacy.rule_label, satisfaction_label=_satisfaction_label,
        max_length=services.TEXT_LIMIT), status


@bp.get("/satisfaction-lists/<int:list_id>")
@tenant_permission(Action.MANAGE_SATISFACTION_LISTS)
def edit(list_id: int):
    return _edit_page(get_scoped_or_404(SatisfactionList, list_id))


@bp.post("/satisfaction-lists/<int:list_id>")
@tenant_permission(Action.MANAGE_SATISFACTION_LISTS)
def save(list_id: int):
    lst = get_scoped_or_404(SatisfactionList, list_id)
    form = forms.EditForm()
    if not form.validate_on_submit():
        return _edit_page(lst, status=400, errors=[_("The form has expired: reload the page and try again.")])
    changes = {}
    for raw in request.form.getlist("entry"):
        entry_id = bounded_int(raw, minimum=1)
        if entry_id is None:
            continue
        changes[entry_id] = {"included": request.form.get(f"include-{entry_id}") == "on",
                             "problem_text": request.form.get(f"problem-{entry_id}", ""),
                             "outcome_text": request.form.get(f"outcome-{entry_id}", "")}
    try:
        entries = services.save_edits(tenant=g.tenant, actor=current_user, lst=lst, changes=changes)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _edit_page(get_scoped_or_404(SatisfactionList, list_id), status=400, errors=[str(error.message)])
    warned = [e for e in entries if e.included and e.findings]
    if warned:
        flash(_("Saved. %(n)s chosen cases still contain personal data: see the warnings below.", n=len(warned)), "error")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("satisfaction.edit", list_id=lst.id), 303)


@bp.post("/satisfaction-lists/<int:list_id>/publish")
@tenant_permission(Action.MANAGE_SATISFACTION_LISTS)
def publish(list_id: int):
    lst = get_scoped_or_404(SatisfactionList, list_id)
    form = forms.PublishForm()
    if not form.validate_on_submit():
        return _edit_page(lst, publish_form=form, status=400)
    try:
        version = services.publish(tenant=g.tenant, actor=current_user, lst=lst, reason=form.reason.data)
        db.session.commit()
        clear_page_cache()  # the public list and its months change now, not after the cache's lifetime
    except DomainError as error:
        db.session.rollback()
        lst = get_scoped_or_404(SatisfactionList, list_id)
        if error.field:
            apply_to_form(form, error)
            return _edit_page(lst, publish_form=form, status=400)
        return _edit_page(lst, publish_form=form, status=409, errors=services.problems(lst) or [str(error.message)])
    flash(_("Version %(n)s of the list of %(month)s is published.", n=version.number, month=lst.month_key), "success")
    return redirect(url_for("satisfaction.edit", list_id=lst.id), 303)


# --- public ------------------------------------------------------------------------------------------------

def _satisfaction_label(code):
    return Satisfaction(code).label if code else ""


def _type_label(code):
    return TicketType(code).label


@bp.get("/public/satisfaction")
def public_index():
    """The published months, newest first."""
    lists = list(db.session.scalars(services.published_lists()))
    return public_response(make_response(render_template("satisfaction/public_index.html", lists=lists)))


def _published(month_key: str) -> SatisfactionList:
    lst = services.published_for_month(month_key)
    if lst is None:
        abort(404)
    return lst


@bp.get("/public/satisfaction/<month_key>")
def public_list(month_key: str):
    """One month's list as published (its newest version, or ``?version=N``), with its corrections."""
    lst = _published(month_key)
    number = bounded_int(request.args.get("version", ""), minimum=1) if request.args.get("version") else None
    version = services.version_of(lst, number)
    if version is None:
        abort(404)
    return public_response(make_response(render_template(
        "satisfaction/public_list.html", lst=lst, version=version, content=services.content_of(version),
        versions=services.versions_of(lst), satisfaction_label=_satisfaction_label, type_label=_type_label)))


@bp.get("/public/satisfaction/<month_key>/export.xlsx")
def public_export(month_key: str):
    """The month's newest version as a workbook: the ranking and the cases."""
    from openpyxl import Workbook

    lst = _published(month_key)
    content = services.content_of(services.version_of(lst))
    ranking_rows, case_rows = services.export_rows(content)
    workbook = Workbook(write_only=True)
    sheets = ((_("Ranking"), [_("Rank"), _("Firm"), _("Resolved cases"), _("Rated"), _("Satisfied"),
                              _("Satisfaction rate (%)")], ranking_rows),
              (_("Cases"), [_("Case"), _("Community"), _("Firm"), _("Category"), _("Resolved on"), _("Owner's rating"),
                            _("Follow-up"), _("Problem"), _("Outcome")], case_rows))
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append([safe_cell(h) for h in header])
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    response = make_response(out.getvalue())
    response.mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = f'attachment; filename="satisfaction-{lst.month_key}-v{content["version"]}.xlsx"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return public_response(response)
