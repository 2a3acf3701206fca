"""Signed-in pages of the results: filing and deciding appeals, rectification plans and their re-inspection,
the evidence photos, and a firm tenant's ranking of its own project teams and managers."""
from __future__ import annotations

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
import sqlalchemy as sa

from portal import storage
from portal.db import utcnow
from portal.domain import DomainError, apply_to_form
from portal.evaluation import appeals as appeal_services
from portal.evaluation import result_rectification as rect
from portal.evaluation import result_services as rs
from portal.evaluation.models import (
    Assessment, EvaluationPeriod, EvidenceFile, EvidenceSubject,
)
from portal.evaluation.result_forms import (
    AppealForm, DecisionForm, MilestoneDoneForm, MilestoneForm, PlanForm, ReinspectionForm, appeal_item_choices,
)
from portal.evaluation.result_models import (
    Appeal, AppealItem, AppealStatus, ProjectResult, RectificationMilestone, RectificationPlan,
)
from portal.evaluation.views import bp
from portal.extensions import db
from portal.guards import get_scoped_or_404, tenant_permission
from portal.listing import paginate
from portal.permissions import Action, can
from tenants.roles import Role

STAFF_ROLES_OF_BUREAU = {Role.BUREAU_ADMIN, Role.BUREAU_STAFF}


def _bureau(memberships) -> bool:
    return any(m.is_active and m.role in STAFF_ROLES_OF_BUREAU for m in memberships)


# ---------------------------------------------------------------- appeals


def _appeal_form(period, result):
    form = AppealForm()
    assessments = db.session.scalars(sa.select(Assessment).where(Assessment.period_id == period.id,
                                                                 Assessment.community_id == result.community_id)
                                     .order_by(Assessment.id))
    form.item.choices = appeal_item_choices(rs.adjustments_for(period, result.community_id), list(assessments))
    return form


@bp.route("/evaluation/results/<int:result_period_id>/projects/<int:community_id>/appeal", methods=["GET", "POST"])
@tenant_permission(Action.FILE_APPEALS)
def appeal_new(result_period_id: int, community_id: int):
    """The project's firm or its owners' committee appeals one item of the draft result, with photos."""
    period = get_scoped_or_404(EvaluationPeriod, result_period_id)
    run = rs.current_run(period)
    result = None if run is None else db.session.scalar(sa.select(ProjectResult).where(
        ProjectResult.run_id == run.id, ProjectResult.community_id == community_id))
    if result is None or appeal_services.side_for(g.memberships, result) is None:
        abort(404)
    form = _appeal_form(period, result)
    names = rs.names_for([result])
    now = utcnow()
    context = dict(period=period, result=result, names=names, open=appeal_services.window_open(period, now))

    def render(status=200):
        return render_template("evaluation/results/appeal_new.html", form=form, **context), status

    if request.method == "GET" or not context["open"]:
        return render(200 if request.method == "GET" else 409)
    if not form.validate_on_submit():
        return render(400)
    item_value, _sep, ref = (form.item.data or "").partition(":")
    item = next((i for i in AppealItem if i.value == item_value), None)
    if item is None or not ref.isdigit() or form.item.data not in dict(form.item.choices):
        form.item.errors = list(form.item.errors) + [_("Choose the item you appeal.")]
        return render(400)
    keys = []
    try:
        photos = appeal_services.accept_photos(request.files.getlist("photos"))
        appeal, keys = appeal_services.file_appeal(
            tenant=g.tenant, actor=current_user, memberships=g.memberships, period=period, community_id=community_id,
            item=item, item_ref=int(ref), statement=form.statement.data, photos=photos, now=now)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        for key in keys:
            storage.delete(g.tenant.id, key)
        if error.field == "photos":
            form.photo_errors = [str(error.message)]
        else:
            apply_to_form(form, error, fallback="statement")
        return render(_status(error))
    flash(_("Appeal filed. A reviewer who did not score the item will decide it."), "success")
    return redirect(url_for("evaluation.appeal_detail", appeal_id=appeal.id), 303)


def _visible_ids():
    from portal.communities.services import visible_community_ids

    return visible_community_ids(g.memberships)


def _community_visible(community_id: int) -> bool:
    ids = _visible_ids()
    return ids is None or db.session.scalar(sa.select(sa.literal(True)).where(
        sa.literal(community_id).in_(ids))) is not None


def _appeal_visible(appeal: Appeal) -> bool:
    return _community_visible(appeal.community_id)


@bp.get("/evaluation/appeals/")
@tenant_permission(Action.VIEW_EVALUATION_CASES)
def appeals_index():
    """The appeals of the communities one may see, those under review first."""
    stmt = sa.select(Appeal).order_by(Appeal.status != AppealStatus.FILED, Appeal.filed_at.desc(), Appeal.id.desc())
    ids = _visible_ids()
    if ids is not None:
        stmt = stmt.where(Appeal.community_id.in_(ids))
    page = paginate(stmt)
    names = rs.names_for(page.items)
    periods = {p.id: p for p in db.session.scalars(sa.select(EvaluationPeriod).where(
        EvaluationPeriod.id.in_({a.period_id for a in page.items})))}
    return render_template("evaluation/results/appeals.html", page=page, names=names, periods=periods)


@bp.route("/evaluation/appeals/<int:appeal_id>", methods=["GET", "POST"])
@tenant_permission(Action.VIEW_EVALUATION_CASES)
def appeal_detail(appeal_id: int):
    """An appeal: what, why, the photos; a reviewer other than the original scorer decides it here."""
    appeal = get_scoped_or_404(Appeal, appeal_id)
    if not _appeal_visible(appeal):
        abort(404)
    period = get_scoped_or_404(EvaluationPeriod, appeal.period_id)
    may_decide = can(g.memberships, Action.DECIDE_APPEALS) and appeal_services.may_decide(current_user, appeal)
    form = DecisionForm()
    names = rs.names_for([appeal])

    def render(status=200):
        return render_template("evaluation/results/appeal.html", appeal=appeal, period=period, names=names,
                               form=form, may_decide=may_decide,
                               scorer_blocked=current_user.id in appeal_services.original_scorers(appeal),
                               evidence=appeal_services.evidence_of(appeal.id)), status

    if request.method == "GET":
        return render()
    if not can(g.memberships, Action.DECIDE_APPEALS):
        abort(403)
    if not form.validate_on_submit():
        return render(400)
    corrected = None if form.corrected.data is None else int(form.corrected.data * 100)
    try:
        appeal_services.decide(tenant=g.tenant, actor=current_user, appeal=appeal,
                               status=AppealStatus(form.decision.data), reason=form.reason.data,
                               corrected_cp=corrected, now=utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        appeal = get_scoped_or_404(Appeal, appeal_id)
        apply_to_form(form, error, fallback="reason")
        return render(_status(error))
    flash(_("Decision recorded."), "success")
    return redirect(url_for("evaluation.appeal_detail", appeal_id=appeal.id), 303)


@bp.get("/evaluation/evidence/<int:case_evidence_id>")
@tenant_permission(Action.VIEW_EVALUATION_CASES)
def evidence_photo(case_evidence_id: int):
    """An appeal's or a rectification's photo, to those who may see the appeal or plan."""
    evidence = get_scoped_or_404(EvidenceFile, case_evidence_id)
    if evidence.subject == EvidenceSubject.APPEAL:
        if not _appeal_visible(get_scoped_or_404(Appeal, evidence.subject_id)):
            abort(404)
    elif evidence.subject == EvidenceSubject.RECTIFICATION:
        if not _plan_visible(get_scoped_or_404(RectificationPlan, evidence.subject_id)):
            abort(404)
    else:
        abort(404)
    try:
        data = storage.read(g.tenant.id, evidence.storage_key)
    except FileNotFoundError:
        abort(404)
    response = make_response(data)
    response.mimetype = evidence.content_type
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- rectification


def _plan_visible(plan: RectificationPlan) -> bool:
    return _community_visible(plan.community_id)


def _plan_or_404(rectification_id: int) -> RectificationPlan:
    plan = get_scoped_or_404(RectificationPlan, rectification_id)
    if not _plan_visible(plan):
        abort(404)
    return plan


def _render_plan(plan, status=200, **forms):
    context = dict(plan_form=PlanForm(prefix="plan", data={"plan": plan.plan}), milestone_form=MilestoneForm(prefix="ms"),
                   done_form=MilestoneDoneForm(prefix="done"), reinspection_form=ReinspectionForm(prefix="re"))
    context.update(forms)
    return render_template("evaluation/results/plan.html", plan=plan, names=rs.names_for([plan]),
                           milestones=rect.milestones_of(plan.id), evidence=rect.evidence_of(plan.id),
                           firm_side=rect.acts_for_firm(g.memberships, plan),
                           may_verify=can(g.memberships, Action.VERIFY_RECTIFICATION), **context), status


@bp.get("/evaluation/rectification/<int:rectification_id>")
@tenant_permission(Action.VIEW_EVALUATION_CASES)
def plan_detail(rectification_id: int):
    return _render_plan(_plan_or_404(rectification_id))


def _firm_plan(rectification_id: int) -> RectificationPlan:
    plan = _plan_or_404(rectification_id)
    if not rect.acts_for_firm(g.memberships, plan):
        abort(403)
    return plan


def _act(plan, form_name, form, action, done_message):
    if not form.validate_on_submit():
        return _render_plan(plan, 400, **{form_name: form})
    keys = []
    try:
        keys = action() or []
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        for key in keys:
            storage.delete(g.tenant.id, key)
        plan = get_scoped_or_404(RectificationPlan, plan.id)
        if error.field == "photos":
            form.photo_errors = [str(error.message)]
        else:
            apply_to_form(form, error)
        return _render_plan(plan, _status(error), **{form_name: form})
    flash(done_message, "success")
    return redirect(url_for("evaluation.plan_detail", rectification_id=plan.id), 303)


@bp.post("/evaluation/rectification/<int:rectification_id>/plan")
@tenant_permission(Action.WORK_RECTIFICATION)
def plan_write(rectification_id: int):
    plan = _firm_plan(rectification_id)
    form = PlanForm(prefix="plan")
    return _act(plan, "plan_form", form, lambda: rect.write_plan(tenant=g.tenant, actor=current_user, plan=plan,
                                                                  text=form.plan.data), _("Plan saved."))


@bp.post("/evaluation/rectification/<int:rectification_id>/milestones")
@tenant_permission(Action.WORK_RECTIFICATION)
def plan_milestone_add(rectification_id: int):
    plan = _firm_plan(rectification_id)
    form = MilestoneForm(prefix="ms")
    return _act(plan, "milestone_form", form, lambda: rect.add_milestone(
        tenant=g.tenant, actor=current_user, plan=plan, title=form.title.data, due_on=form.due_on.data) and None,
        _("Step added."))


@bp.post("/evaluation/rectification/<int:rectification_id>/milestones/<int:milestone_id>/done")
@tenant_permission(Action.WORK_RECTIFICATION)
def plan_milestone_done(rectification_id: int, milestone_id: int):
    plan = _firm_plan(rectification_id)
    milestone = get_scoped_or_404(RectificationMilestone, milestone_id)
    if milestone.plan_id != plan.id:
        abort(404)
    form = MilestoneDoneForm(prefix="done")
    return _act(plan, "done_form", form, lambda: rect.complete_milestone(
        tenant=g.tenant, actor=current_user, plan=plan, milestone=milestone, note=form.note.data, now=utcnow()),
        _("Step marked done."))


@bp.post("/evaluation/rectification/<int:rectification_id>/submit")
@tenant_permission(Action.WORK_RECTIFICATION)
def plan_submit(rectification_id: int):
    plan = _firm_plan(rectification_id)
    form = MilestoneDoneForm(prefix="done")

    def action():
        photos = appeal_services.accept_photos(request.files.getlist("photos"))
        return rect.submit(tenant=g.tenant, actor=current_user, plan=plan, photos=photos, now=utcnow())

    return _act(plan, "done_form", form, action, _("Reported done. The bureau will re-inspect."))


@bp.post("/evaluation/rectification/<int:rectification_id>/reinspect")
@tenant_permission(Action.VERIFY_RECTIFICATION)
def plan_reinspect(rectification_id: int):
    plan = _plan_or_404(rectification_id)
    form = ReinspectionForm(prefix="re")
    return _act(plan, "reinspection_form", form, lambda: rect.reinspect(
        tenant=g.tenant, actor=current_user, plan=plan, accepted=form.outcome.data == "verified",
        note=form.note.data, now=utcnow()), _("Re-inspection recorded."))


# ---------------------------------------------------------------- a firm tenant's own teams and managers


@bp.get("/evaluation/results/<int:result_period_id>/teams")
@tenant_permission(Action.VIEW_EVALUATION_CASES)
def team_ranking(result_period_id: int):
    """Project teams and project managers ranked by the period's results, within what one may see: a firm
    tenant its own teams and managers; a bureau's firm staff their firm's; the bureau every firm's."""
    period = get_scoped_or_404(EvaluationPeriod, result_period_id)
    run = rs.current_run(period)
    if run is None:
        abort(404)
    ids = _visible_ids()
    page = paginate(rs.ranking(run.id, community_ids=ids))
    managers = rs.manager_ranking(run.id, community_ids=ids)
    names = rs.names_for(list(page.items) + [m for m in managers if m.manager_id], period_id=period.id, managers=True)
    return render_template("evaluation/results/teams.html", period=period, run=run, page=page, managers=managers,
                           names=names, rs=rs)


def _status(error: DomainError) -> int:
    """A refused action's page: 403/404/409 as the service says; bad input otherwise (400)."""
    return error.status if error.status in (403, 404, 409) else 400
