"""Pages of the evaluation's setup: the methodology (public), scheme versions, periods and their steps (the bureau's
administrator), and owners told when scoring opens and closes (their dashboard). Adjustments: setup_adjustment_views."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, g, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.db import utcnow
from portal.domain import apply_to_form
from portal.evaluation import setup_services as services
from portal.evaluation.models import EvaluationScheme, EvaluationPeriod, PeriodStatus, SchemeStatus
from portal.evaluation.rules import DEFAULT_RULES
from portal.evaluation.setup_forms import RULE_FIELDS, ButtonForm, PeriodFilterForm, PeriodForm, SchemeForm, StepForm
from portal.evaluation.setup_methodology import percent, points, worked_example
from portal.evaluation.setup_services import SetupError
from portal.evaluation import setup_wording as wording
from portal.evaluation.views import bp
from portal.extensions import db
from portal.guards import get_scoped_or_404, tenant_permission
from portal.listing import ListPage, paginate
from portal.permissions import Action, can
from portal.public_pages import public_response

HELPERS = {"points": points, "percent": percent, "wording": wording}


def _methodology(scheme: EvaluationScheme | None, *, preview: bool = False):
    rules = services.rules_of(scheme) if scheme else None
    return render_template("evaluation/setup/methodology.html", scheme=scheme, rules=rules, preview=preview,
                           example=worked_example(rules) if rules else None,
                           periods=services.periods_using(scheme) if scheme else [], **HELPERS)


@bp.get("/evaluation/methodology")
def methodology():
    """How projects and firms are evaluated, generated from the scheme in force (public, cacheable)."""
    return public_response(make_response(_methodology(services.scheme_in_force())))


# ----------------------------------------------------------------------------- schemes


@bp.get("/evaluation/schemes/")
@tenant_permission(Action.MANAGE_EVALUATION)
def schemes():
    page = paginate(services.schemes_query())
    return render_template("evaluation/setup/schemes.html", page=page, in_force=services.scheme_in_force())


def _scheme_form_errors(form: SchemeForm, error: SetupError) -> None:
    if error.field in RULE_FIELDS:
        error = SetupError(RULE_FIELDS[error.field], error.message)
    apply_to_form(form, error)


@bp.route("/evaluation/schemes/new", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_EVALUATION)
def new_scheme():
    """A new draft version, prefilled with the newest version's rules (or the defaults of §8)."""
    base = services.latest_published()
    rules = services.rules_of(base) if base else DEFAULT_RULES
    form = SchemeForm()
    if not form.is_submitted():
        form.fill(rules)
        form.name.data = base.name if base else _("Evaluation scheme")
    if form.validate_on_submit():
        try:
            scheme = services.create_scheme(tenant=g.tenant, actor=current_user, name=form.name.data,
                                            rules=form.rules(rules), note=form.change_note.data or "")
        except SetupError as error:
            db.session.rollback()
            _scheme_form_errors(form, error)
        else:
            db.session.commit()
            flash(_("Draft version %(n)s saved. Publish it when it is right.", n=scheme.number), "success")
            return redirect(url_for("evaluation.scheme", scheme_id=scheme.id), 303)
    return render_template("evaluation/setup/scheme_form.html", form=form, scheme=None), 400 if form.errors else 200


@bp.get("/evaluation/schemes/<int:scheme_id>")
@tenant_permission(Action.MANAGE_EVALUATION)
def scheme(scheme_id: int):
    """One version as its methodology reads, with what can be done with it."""
    found = get_scoped_or_404(EvaluationScheme, scheme_id)
    return _methodology(found, preview=True)


@bp.route("/evaluation/schemes/<int:scheme_id>/edit", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_EVALUATION)
def edit_scheme(scheme_id: int):
    """Edit a draft; for a published or frozen version the changes are saved as a new draft version."""
    found = get_scoped_or_404(EvaluationScheme, scheme_id)
    rules = services.rules_of(found)
    form = SchemeForm()
    if not form.is_submitted():
        form.fill(rules)
        form.name.data, form.change_note.data = found.name, found.change_note if found.status == SchemeStatus.DRAFT else ""
    if form.validate_on_submit():
        try:
            saved = services.edit_scheme(tenant=g.tenant, actor=current_user, scheme=found, name=form.name.data,
                                         rules=form.rules(rules), note=form.change_note.data or "")
        except SetupError as error:
            db.session.rollback()
            _scheme_form_errors(form, error)
        else:
            db.session.commit()
            if saved.id != found.id:
                flash(_("Version %(old)s stays as it was; your changes are the new draft version %(n)s.",
                        old=found.number, n=saved.number), "success")
            else:
                flash(_("Draft version %(n)s saved.", n=saved.number), "success")
            return redirect(url_for("evaluation.scheme", scheme_id=saved.id), 303)
    return render_template("evaluation/setup/scheme_form.html", form=form, scheme=found), 400 if form.errors else 200


@bp.post("/evaluation/schemes/<int:scheme_id>/publish")
@tenant_permission(Action.MANAGE_EVALUATION)
def publish_scheme(scheme_id: int):
    found = get_scoped_or_404(EvaluationScheme, scheme_id)
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.publish_scheme(tenant=g.tenant, actor=current_user, scheme=found)
    except SetupError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _methodology(get_scoped_or_404(EvaluationScheme, scheme_id), preview=True), error.status
    db.session.commit()
    flash(_("Version %(n)s is published: the next period to open adopts it.", n=found.number), "success")
    return redirect(url_for("evaluation.scheme", scheme_id=found.id), 303)


# ----------------------------------------------------------------------------- periods


@bp.get("/evaluation/periods/")
@tenant_permission(Action.VIEW_EVALUATION)
def periods():
    form = PeriodFilterForm()
    page = paginate(services.periods_query(PeriodStatus(form.state.data) if form.state.data else None, form.q.data)) \
        if form.checked() else ListPage.empty()
    return render_template("evaluation/setup/periods.html", page=page, form=form,
                           may_manage=can(g.memberships, Action.MANAGE_EVALUATION)), form.status


@bp.route("/evaluation/periods/new", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_EVALUATION)
def new_period():
    form = PeriodForm()
    if not form.is_submitted():
        form.name.data, form.start_date.data, form.end_date.data = services.default_period(
            services.local_day(utcnow(), g.tenant))
    if form.validate_on_submit():
        try:
            period = services.create_period(tenant=g.tenant, actor=current_user, name=form.name.data,
                                            start_date=form.start_date.data, end_date=form.end_date.data)
        except SetupError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            db.session.commit()
            flash(_("Period “%(name)s” created. Open it when owners may score.", name=period.name), "success")
            return redirect(url_for("evaluation.period", period_id=period.id), 303)
    return render_template("evaluation/setup/period_form.html", form=form), 400 if form.errors else 200


def _period_page(period: EvaluationPeriod, form: StepForm | None = None, status: int = 200):
    manage = can(g.memberships, Action.MANAGE_EVALUATION)
    step = services.next_step(period)
    log = services.transitions_of(period)
    actors = {}
    if log:
        from portal.models import User

        ids = {t.actor_id for t in log if t.actor_id}
        actors = {u.id: u.display_name for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))} if ids else {}
    lists = {}
    if period.list_a_version_id or period.list_c_version_id:
        from portal.checklists.models import ChecklistVersion

        ids = [i for i in (period.list_a_version_id, period.list_c_version_id) if i]
        lists = {v.id: v for v in db.session.scalars(sa.select(ChecklistVersion).where(ChecklistVersion.id.in_(ids)))}
    return render_template(
        "evaluation/setup/period.html", period=period, scheme=services.scheme_of(period), log=log, actors=actors,
        lists=lists, step=step if manage else None, step_label=services.STEP_LABELS.get(step),
        form=form or (StepForm() if manage and step else None),
        derive_form=ButtonForm() if can(g.memberships, Action.RECORD_ADJUSTMENTS) else None,
        show_actors=manage), status


@bp.get("/evaluation/periods/<int:period_id>")
@tenant_permission(Action.VIEW_EVALUATION)
def period(period_id: int):
    """A period: its state, dates, what was frozen when it opened, the log of its steps, the next step."""
    return _period_page(get_scoped_or_404(EvaluationPeriod, period_id))


@bp.post("/evaluation/periods/<int:period_id>/advance")
@tenant_permission(Action.MANAGE_EVALUATION)
def advance(period_id: int):
    """Take the period's next step (the form says which step it showed: a second click does not skip one)."""
    from flask import request

    found = get_scoped_or_404(EvaluationPeriod, period_id)
    form = StepForm()
    step = services.next_step(found)
    expected = request.form.get("to", "")
    if step is None or expected != step.value:
        flash(_("This period is now “%(state)s”; that step is not open.", state=found.status.label), "error")
        return _period_page(found, form, 409)
    if not form.validate_on_submit():
        return _period_page(found, form, 400)
    try:
        services.transition(tenant=g.tenant, actor=current_user, period=found, to=step, reason=form.reason.data)
    except SetupError as error:
        db.session.rollback()
        found = get_scoped_or_404(EvaluationPeriod, period_id)
        if error.field == "reason":
            apply_to_form(form, error)
        else:
            flash(str(error.message), "error")
        return _period_page(found, form, error.status if error.status != 422 else 400)
    db.session.commit()
    flash(_("Done: the period is now “%(state)s”.", state=found.status.label), "success")
    return redirect(url_for("evaluation.period", period_id=found.id), 303)


@bp.post("/evaluation/periods/<int:period_id>/disclosure-penalties")
@tenant_permission(Action.RECORD_ADJUSTMENTS)
def derive_penalties(period_id: int):
    """Turn the period's overdue notice-board sections and late objections into penalties now (idempotent)."""
    from portal.evaluation.setup_adjustments import derive_disclosure_penalties

    found = get_scoped_or_404(EvaluationPeriod, period_id)
    form = ButtonForm()
    if not form.validate_on_submit():
        return _period_page(found, status=400)
    try:
        services.require_inputs_open(found)
    except SetupError as error:
        flash(str(error.message), "error")
        return _period_page(found, status=409)
    counts = derive_disclosure_penalties(tenant=g.tenant, actor=current_user, period=found)
    db.session.commit()
    flash(_("Disclosure penalties: %(added)s added, %(updated)s updated, %(kept)s unchanged.", **counts), "success")
    return redirect(url_for("evaluation.period", period_id=found.id), 303)


# ----------------------------------------------------------------------------- owners told


@bp.app_context_processor
def _evaluation_notices():
    """``evaluation_notices()`` in every template: the periods an owner is told about (their dashboard)."""

    def notices():
        if g.get("tenant") is None:
            return []
        return services.owner_notices(utcnow(), g.tenant)

    return {"evaluation_notices": notices}


from portal.evaluation import setup_adjustment_views  # noqa: E402  (registers the adjustment pages on ``bp``)

ADJUSTMENT_PAGES = setup_adjustment_views
