"""Pages of community assessments (list C) and bureau inspections (list A, evidence photos) of a period: the
projects one may assess with what is recorded, a new assessment, one assessment (corrected while the period
takes inputs) and its photos. Registered on the evaluation blueprint by portal/evaluation/scoring_views.py."""
from __future__ import annotations

import json

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import storage
from portal.communities.models import Community
from portal.communities.services import local_today
from portal.domain import apply_to_form
from portal.evaluation import scoring_assessments as assessing
from portal.evaluation.models import Assessment, AssessmentKind, EvaluationPeriod, EvidenceFile, EvidenceSubject, PeriodStatus
from portal.evaluation.scoring_assessments import field_name, format_cp
from portal.evaluation.scoring_forms import assessment_form
from portal.evaluation.scoring_services import ScoringError
from portal.evaluation.views import bp
from portal.extensions import db
from portal.guards import get_scoped_or_404, tenant_permission
from portal.i18n import current_locale_code
from portal.listing import paginate
from portal.permissions import Action, can


def _period_or_404(period_id: int) -> EvaluationPeriod:
    period = get_scoped_or_404(EvaluationPeriod, period_id)
    if period.status == PeriodStatus.DRAFT:
        abort(404)
    return period


def _may_assess_any() -> bool:
    return can(g.memberships, Action.ASSESS_COMMUNITY) or can(g.memberships, Action.INSPECT_PROJECTS)


@bp.get("/evaluation/periods/<int:period_id>/assessments")
@tenant_permission(Action.VIEW_EVALUATION)
def assessments(period_id: int):
    """The projects this member assesses in the period, each with the assessments and inspections recorded."""
    if not _may_assess_any():
        abort(403)
    period = _period_or_404(period_id)
    kind = AssessmentKind.COMMUNITY if can(g.memberships, Action.ASSESS_COMMUNITY) else AssessmentKind.AUTHORITY
    page = paginate(assessing.assessable_communities(g.memberships, kind))
    recorded = assessing.assessments_of(period.id, [c.id for c in page.items], g.memberships)
    return render_template("evaluation/scoring/assessments.html", period=period, page=page, recorded=recorded,
                           format_cp=format_cp, may_assess=can(g.memberships, Action.ASSESS_COMMUNITY),
                           may_inspect=can(g.memberships, Action.INSPECT_PROJECTS),
                           takes_inputs=period.status in assessing.ASSESSABLE)


def _record(period_id: int, community_id: int, kind: AssessmentKind):
    period = _period_or_404(period_id)
    community = get_scoped_or_404(Community, community_id)
    if not assessing.may_assess(g.memberships, kind, community.id):
        abort(404)  # outside her area: not told
    lines = assessing.lines(assessing.version_for(period, kind), current_locale_code())
    form = assessment_form(lines)
    if not form.is_submitted():
        form.assessed_on.data = min(local_today(), period.end_date)
    status = 200
    if period.status not in assessing.ASSESSABLE:
        status = 409
        if request.method == "POST":
            flash(_("Assessments of “%(period)s” can no longer be recorded or changed.", period=period.name), "error")
    elif form.validate_on_submit():
        keys: list[str] = []
        try:
            photos = assessing.accept_photos(request.files.getlist("photos"), form.photos.label.text)
            assessment, keys = assessing.record_assessment(
                tenant=g.tenant, actor=current_user, memberships=g.memberships, period=period, kind=kind,
                community=community, points=form.points(), notes=form.notes.data or "",
                assessed_on=form.assessed_on.data, photos=photos, today=local_today())
        except ScoringError as error:
            db.session.rollback()
            assessing.discard_photos(g.tenant, keys)
            apply_to_form(form, error, fallback="notes")
            status = error.status if error.status in (403, 409) else 400
        else:
            db.session.commit()
            flash(_("Saved: total %(total)s points.", total=format_cp(assessment.total_cp)), "success")
            return redirect(url_for("evaluation.assessment", assessment_id=assessment.id), 303)
    elif form.is_submitted():
        status = 400
    return render_template("evaluation/scoring/assess.html", period=period, community=community, kind=kind, form=form,
                           takes_inputs=period.status in assessing.ASSESSABLE, assessment=None, photos=[],
                           format_cp=format_cp), status


@bp.route("/evaluation/periods/<int:period_id>/communities/<int:community_id>/assess", methods=["GET", "POST"])
@tenant_permission(Action.ASSESS_COMMUNITY)
def assess(period_id: int, community_id: int):
    """Record a community assessment (list C) of a project of one's area."""
    return _record(period_id, community_id, AssessmentKind.COMMUNITY)


@bp.route("/evaluation/periods/<int:period_id>/communities/<int:community_id>/inspect", methods=["GET", "POST"])
@tenant_permission(Action.INSPECT_PROJECTS)
def inspect(period_id: int, community_id: int):
    """Record a bureau inspection (list A) of a project, with evidence photos."""
    return _record(period_id, community_id, AssessmentKind.AUTHORITY)


def _visible_assessment_or_404(assessment_id: int) -> Assessment:
    assessment = get_scoped_or_404(Assessment, assessment_id)
    if not can(g.memberships, assessing.ACTION_FOR[assessment.kind]):
        abort(403)  # the role does not record this kind of assessment
    if not assessing.may_see(g.memberships, assessment):
        abort(404)  # outside her area: not told
    return assessment


@bp.route("/evaluation/assessments/<int:assessment_id>", methods=["GET", "POST"])
@tenant_permission(Action.VIEW_EVALUATION)
def assessment(assessment_id: int):
    """One assessment with its points and photos; the assessor (or the bureau) corrects it while the period takes inputs."""
    assessment = _visible_assessment_or_404(assessment_id)
    period = get_scoped_or_404(EvaluationPeriod, assessment.period_id)
    community = get_scoped_or_404(Community, assessment.community_id)
    editable = assessing.may_edit(g.memberships, current_user.id, assessment, period)
    lines = assessing.lines(assessment.checklist_version_id, current_locale_code())
    form = assessment_form(lines)
    if not form.is_submitted():
        given = json.loads(assessment.item_scores)
        for line in lines:
            getattr(form, field_name(line.code)).data = format_cp(given.get(line.code))
        form.notes.data, form.assessed_on.data = assessment.notes, assessment.assessed_on
    status = 200
    if request.method == "POST":
        if not editable:
            abort(403 if period.status in assessing.ASSESSABLE else 409)
        if form.validate_on_submit():
            keys: list[str] = []
            try:
                photos = assessing.accept_photos(request.files.getlist("photos"), form.photos.label.text)
                keys = assessing.update_assessment(
                    tenant=g.tenant, actor=current_user, memberships=g.memberships, period=period,
                    assessment=assessment, points=form.points(), notes=form.notes.data or "",
                    assessed_on=form.assessed_on.data, photos=photos, today=local_today())
            except ScoringError as error:
                db.session.rollback()
                assessing.discard_photos(g.tenant, keys)
                apply_to_form(form, error, fallback="notes")
                status = error.status if error.status in (403, 409) else 400
            else:
                db.session.commit()
                flash(_("Saved: total %(total)s points.", total=format_cp(assessment.total_cp)), "success")
                return redirect(url_for("evaluation.assessment", assessment_id=assessment.id), 303)
        else:
            status = 400
    return render_template("evaluation/scoring/assess.html", period=period, community=community, kind=assessment.kind,
                           form=form, takes_inputs=editable, assessment=assessment,
                           photos=assessing.photos_of(assessment), format_cp=format_cp), status


@bp.get("/evaluation/assessments/<int:assessment_id>/photos/<int:evidence_id>")
@tenant_permission(Action.VIEW_EVALUATION)
def assessment_photo(assessment_id: int, evidence_id: int):
    """An evidence photo, only to those who see the assessment (never public)."""
    assessment = _visible_assessment_or_404(assessment_id)
    photo = get_scoped_or_404(EvidenceFile, evidence_id)
    if photo.subject != EvidenceSubject.ASSESSMENT or photo.subject_id != assessment.id:
        abort(404)
    return storage.response(g.tenant.id, photo.storage_key, download_name=f"evidence-{photo.id}")
