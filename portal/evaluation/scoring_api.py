"""API operations of owner scoring, comment moderation and assessments (see portal/evaluation/api.py).

The owner's operations answer only about the caller's own units; nothing here gives a firm who scored what
(the firm has none of these operations: scores reach it only as a computed run's aggregates)."""
from __future__ import annotations

import json

from flask import g
from flask_login import current_user

from portal.api.framework import api_abort, page_of
from portal.communities.models import Community
from portal.communities.services import local_today
from portal.db import utcnow
from portal.evaluation import scoring_assessments as assessing
from portal.evaluation import scoring_services as services
from portal.evaluation.api import api_bp
from portal.evaluation.models import Assessment, CommentStatus, EvaluationPeriod, OwnerScore, PeriodStatus
from portal.evaluation.scoring_schemas import (AssessmentCreateSchema, AssessmentQuerySchema, AssessmentSchema,
                                               AssessmentWriteSchema, CommentQuerySchema, CommentSchema,
                                               ModerationSchema, MyScoreSchema, ScoreSubmitSchema)
from portal.guards import scoped_or_none
from portal.permissions import Action, can


def _period(period_id: int) -> EvaluationPeriod:
    period = scoped_or_none(EvaluationPeriod, period_id)
    if period is None or period.status == PeriodStatus.DRAFT:
        api_abort(404)
    return period


def _my_score(period: EvaluationPeriod, unit, score: OwnerScore | None, now) -> dict:
    return {"period_id": period.id, "period": period.name, "period_status": period.status,
            "scoring_open": services.scoring_open(period, now), "scoring_closes_at": period.scoring_closes_at,
            "unit_id": unit.id, "unit": unit.label, "community": unit.community.name if unit.community else "",
            "scored": score is not None, "ratings": services.ratings_of(score),
            "score_cp": score.score_cp if score else None, "comment": score.comment if score else "",
            "comment_status": score.comment_status if score else CommentStatus.NONE,
            "updated_at": score.updated_at if score else None}


@api_bp.get("/evaluation/my-scores")
@api_bp.requires(Action.SCORE_OWN_FIRM)
@api_bp.response(200, MyScoreSchema(many=True))
def my_scores():
    """The caller's units in each recent period (open ones first): whether scored, the stars, when scoring closes."""
    now = utcnow()
    periods = services.recent_periods()
    units = services.owner_units(current_user.id)
    scores = services.scores_of_units([p.id for p in periods], [u.id for u in units])
    return [_my_score(p, u, scores.get((p.id, u.id)), now) for p in periods for u in units]


@api_bp.put("/evaluation/periods/<id:period_id>/units/<id:unit_id>/score")
@api_bp.requires(Action.SCORE_OWN_FIRM)
@api_bp.arguments(ScoreSubmitSchema)
@api_bp.response(200, MyScoreSchema)
@api_bp.answers(409)
def put_score(data, period_id: int, unit_id: int):
    """Score (or change the score of) the firm serving one of the caller's units: stars 1..5 for every list-A
    category, an optional comment. One score per unit per period; 409 once scoring has closed."""
    period = _period(period_id)
    unit = services.bound_unit(current_user.id, unit_id)
    if unit is None:
        api_abort(404)
    now = utcnow()
    score, _created = services.submit_score(tenant=g.tenant, actor=current_user, period=period, unit_id=unit.id,
                                            ratings=data["ratings"], comment=data["comment"], now=now)
    return _my_score(period, unit, score, now)


def _comment(score: OwnerScore, names: dict) -> dict:
    return {"id": score.id, "community_id": score.community_id, "community": names.get(score.community_id, ""),
            "comment": score.comment, "comment_status": score.comment_status,
            "moderation_reason": score.moderation_reason, "moderated_at": score.moderated_at,
            "updated_at": score.updated_at}


@api_bp.get("/evaluation/periods/<id:period_id>/comments")
@api_bp.requires(Action.MODERATE_COMMENTS)
@api_bp.arguments(CommentQuerySchema, location="query")
@api_bp.response(200, CommentSchema(many=True))
@api_bp.paginate()
def list_comments(query, period_id: int, pagination_parameters):
    """The period's owner comments in one moderation state (default: pending), oldest first, without who wrote them."""
    period = _period(period_id)
    page = page_of(services.comment_queue(period, query.get("status", CommentStatus.PENDING)), pagination_parameters)
    names = services.community_names(s.community_id for s in page)
    return [_comment(s, names) for s in page]


@api_bp.post("/evaluation/periods/<id:period_id>/comments/<id:score_id>/moderation")
@api_bp.requires(Action.MODERATE_COMMENTS)
@api_bp.arguments(ModerationSchema)
@api_bp.response(200, CommentSchema)
@api_bp.answers(409)
def moderate_comment(data, period_id: int, score_id: int):
    """Publish a comment, or hide it with a reason (the text is kept for the audit); logged."""
    period = _period(period_id)
    score = scoped_or_none(OwnerScore, score_id)
    if score is None or score.period_id != period.id:
        api_abort(404)
    services.moderate(tenant=g.tenant, actor=current_user, score=score, publish=data["decision"] == "publish",
                      reason=data["reason"])
    return _comment(score, services.community_names([score.community_id]))


def _assessment(a: Assessment) -> dict:
    return {"id": a.id, "period_id": a.period_id, "community_id": a.community_id, "firm_id": a.firm_id,
            "kind": a.kind, "checklist_version_id": a.checklist_version_id,
            "item_scores_cp": json.loads(a.item_scores), "total_cp": a.total_cp, "notes": a.notes,
            "assessed_on": a.assessed_on, "photos": len(assessing.photos_of(a)), "created_at": a.created_at,
            "updated_at": a.updated_at}


def _assessor() -> None:
    if not (can(g.memberships, Action.ASSESS_COMMUNITY) or can(g.memberships, Action.INSPECT_PROJECTS)):
        api_abort(403)


@api_bp.get("/evaluation/periods/<id:period_id>/assessments")
@api_bp.requires(Action.VIEW_EVALUATION)
@api_bp.arguments(AssessmentQuerySchema, location="query")
@api_bp.response(200, AssessmentSchema(many=True))
@api_bp.paginate()
def list_assessments(query, period_id: int, pagination_parameters):
    """The period's assessments the caller records: the bureau all, an officer her area's community assessments."""
    _assessor()
    period = _period(period_id)
    stmt = assessing.visible_assessments(g.memberships, period)
    if query.get("kind"):
        stmt = stmt.where(Assessment.kind == query["kind"])
    if query.get("community_id"):
        stmt = stmt.where(Assessment.community_id == query["community_id"])
    return [_assessment(a) for a in page_of(stmt, pagination_parameters)]


@api_bp.post("/evaluation/periods/<id:period_id>/assessments")
@api_bp.requires(Action.VIEW_EVALUATION)
@api_bp.arguments(AssessmentCreateSchema)
@api_bp.response(201, AssessmentSchema)
@api_bp.answers(409)
def create_assessment(data, period_id: int):
    """Record a community assessment (list C) or an inspection (list A) of a project; 409 once the period no longer
    takes inputs. Evidence photos are added on the page."""
    _assessor()
    period = _period(period_id)
    community = scoped_or_none(Community, data["community_id"])
    if community is None or not assessing.may_assess(g.memberships, data["kind"], community.id):
        api_abort(422, fields={"community_id": ["Unknown community, or not one you may assess."]})
    assessment, _keys = assessing.record_assessment(
        tenant=g.tenant, actor=current_user, memberships=g.memberships, period=period, kind=data["kind"],
        community=community, points=data["item_scores_cp"], notes=data["notes"], assessed_on=data["assessed_on"],
        today=local_today())
    return _assessment(assessment)


def _visible(a: Assessment) -> bool:
    if not can(g.memberships, assessing.ACTION_FOR[a.kind]):
        api_abort(403)  # the role does not record this kind of assessment
    return assessing.may_see(g.memberships, a)


@api_bp.get("/evaluation/assessments/<id:assessment_id>")
@api_bp.requires(Action.VIEW_EVALUATION)
@api_bp.loads(Assessment, "assessment_id", _visible)
@api_bp.response(200, AssessmentSchema)
def get_assessment(assessment: Assessment):
    """One assessment with its points per item."""
    return _assessment(assessment)


@api_bp.put("/evaluation/assessments/<id:assessment_id>")
@api_bp.requires(Action.VIEW_EVALUATION)
@api_bp.loads(Assessment, "assessment_id", _visible)
@api_bp.arguments(AssessmentWriteSchema)
@api_bp.response(200, AssessmentSchema)
@api_bp.answers(409)
def put_assessment(data, assessment: Assessment):
    """Correct an assessment (the assessor or the bureau) while the period takes inputs; logged with before and after."""
    period = scoped_or_none(EvaluationPeriod, assessment.period_id)
    assessing.update_assessment(tenant=g.tenant, actor=current_user, memberships=g.memberships, period=period,
                                assessment=assessment, points=data["item_scores_cp"], notes=data["notes"],
                                assessed_on=data["assessed_on"], today=local_today())
    return _assessment(assessment)
