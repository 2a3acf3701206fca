"""Pages of owner scoring and comment moderation (see portal/evaluation/views.py for the blueprint): an owner's
overview of the periods and their units, the star form per unit, and the bureau's moderation queue.
Assessment and inspection pages: portal/evaluation/scoring_assessment_views.py."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.db import utcnow
from portal.domain import apply_to_form
from portal.evaluation import scoring_services as services
from portal.evaluation.models import CommentStatus, EvaluationPeriod, OwnerScore, PeriodStatus
from portal.evaluation.scoring_forms import CommentFilterForm, ModerateForm, score_form, star_field_name
from portal.evaluation.scoring_services import ScoringError
from portal.evaluation.views import bp
from portal.extensions import db
from portal.firms.models import Firm
from portal.guards import get_scoped_or_404
from portal.i18n import current_locale_code
from portal.listing import ListPage, paginate
from portal.permissions import Action
from portal.guards import tenant_permission


def _period_or_404(period_id: int) -> EvaluationPeriod:
    """A period being prepared is nobody's business here (404), whatever the role."""
    period = get_scoped_or_404(EvaluationPeriod, period_id)
    if period.status == PeriodStatus.DRAFT:
        abort(404)
    return period


@bp.get("/evaluation/my-scores")
@tenant_permission(Action.SCORE_OWN_FIRM)
def my_scores():
    """An owner's periods (open ones first: when scoring closes) and, for each, every unit and whether it is scored."""
    now = utcnow()
    periods = services.recent_periods()
    units = services.owner_units(current_user.id)
    scores = services.scores_of_units([p.id for p in periods], [u.id for u in units])
    return render_template("evaluation/scoring/my_scores.html", periods=periods, units=units, scores=scores,
                           is_open={p.id: services.scoring_open(p, now) for p in periods})


def _firm_name(community_id: int, now) -> str:
    firm_id = services.serving_firm_id(community_id, services.local_date(now))
    firm = db.session.get(Firm, firm_id) if firm_id else None
    return firm.name if firm else ""


@bp.route("/evaluation/periods/<int:period_id>/units/<int:unit_id>/score", methods=["GET", "POST"])
@tenant_permission(Action.SCORE_OWN_FIRM)
def score_unit(period_id: int, unit_id: int):
    """Score the firm serving this unit's community: stars per category, a comment; change it until scoring closes."""
    period = _period_or_404(period_id)
    unit = services.bound_unit(current_user.id, unit_id)
    if unit is None:
        abort(404)  # not this owner's unit: its existence is not told
    now = utcnow()
    sections = services.categories(period.list_a_version_id)
    score = services.score_of(period.id, unit.id)
    is_open = services.scoring_open(period, now)
    form = score_form(sections, current_locale_code())
    if score is not None and not form.is_submitted():
        for code, stars in services.ratings_of(score).items():
            field = getattr(form, star_field_name(code), None)
            if field is not None:
                field.data = str(stars)
        form.comment.data = score.comment
    status = 200
    if request.method == "POST":
        if not is_open:
            flash(_("Scoring for “%(period)s” is closed; your score can no longer be changed.", period=period.name), "error")
            status = 409
        elif form.validate_on_submit():
            try:
                saved, created = services.submit_score(tenant=g.tenant, actor=current_user, period=period,
                                                       unit_id=unit.id, ratings=form.ratings(),
                                                       comment=form.comment.data or "", now=now)
            except ScoringError as error:
                db.session.rollback()
                apply_to_form(form, error, fallback="comment")
                status = error.status if error.status in (403, 409) else 400
            else:
                db.session.commit()
                flash(_("Thank you: your score is saved.") if created else _("Your score is changed."), "success")
                return redirect(url_for("evaluation.my_scores"), 303)
        else:
            status = 400
    return render_template("evaluation/scoring/score.html", period=period, unit=unit, form=form, score=score,
                           is_open=is_open, firm_name=_firm_name(unit.community_id, now)), status


# ----------------------------------------------------------------------------- moderation


@bp.get("/evaluation/periods/<int:period_id>/comments")
@tenant_permission(Action.MODERATE_COMMENTS)
def comments(period_id: int):
    """The period's owner comments awaiting moderation (or another state), oldest first, without who wrote them."""
    period = _period_or_404(period_id)
    form = CommentFilterForm()
    if form.checked():
        state = form.state.data or CommentStatus.PENDING.value
        status = None if state == "all" else CommentStatus(state)
        page = paginate(services.comment_queue(period, status))
    else:
        page = ListPage.empty()
    return render_template("evaluation/scoring/comments.html", period=period, page=page, form=form,
                           names=services.community_names(s.community_id for s in page.items),
                           counts=services.comment_counts(period)), form.status


@bp.route("/evaluation/periods/<int:period_id>/comments/<int:score_id>", methods=["GET", "POST"])
@tenant_permission(Action.MODERATE_COMMENTS)
def moderate_comment(period_id: int, score_id: int):
    """One comment: publish it, or hide it with a reason (kept, with the reason, for the audit)."""
    period = _period_or_404(period_id)
    score = get_scoped_or_404(OwnerScore, score_id)
    if score.period_id != period.id or score.comment_status == CommentStatus.NONE:
        abort(404)
    form = ModerateForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.moderate(tenant=g.tenant, actor=current_user, score=score, publish=form.decision.data == "publish",
                              reason=form.reason.data or "")
        except ScoringError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="reason")
            status = 400
        else:
            db.session.commit()
            flash(_("Comment published.") if score.comment_status == CommentStatus.PUBLISHED else _("Comment hidden."),
                  "success")
            return redirect(url_for("evaluation.comments", period_id=period.id), 303)
    elif form.is_submitted():
        status = 400
    return render_template("evaluation/scoring/moderate.html", period=period, score=score, form=form,
                           community=services.community_names([score.community_id]).get(score.community_id, "")), status


from portal.evaluation import scoring_assessment_views  # noqa: E402,F401  (registers its routes on bp)
