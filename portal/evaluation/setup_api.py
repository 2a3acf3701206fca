"""JSON API of the evaluation's setup: schemes (versions), periods and their steps, bonus/penalty/veto records and
the derived disclosure penalties (see portal/evaluation/api.py for the blueprint)."""
from __future__ import annotations

from dataclasses import asdict, replace

from flask import g
from flask_login import current_user

from portal.api.framework import page_of
from portal.evaluation import setup_adjustments as adjustments
from portal.evaluation import setup_services as services
from portal.evaluation.api import api_bp
from portal.evaluation.models import EvaluationPeriod, EvaluationScheme, ScoreAdjustment
from portal.evaluation.rules import DEFAULT_RULES, GradeBand, SchemeRules
from portal.evaluation.setup_schemas import (EvaluationAdjustmentCreateSchema, EvaluationAdjustmentQuerySchema, EvaluationAdjustmentRevokeSchema,
                                             EvaluationAdjustmentSchema, EvaluationDerivedCountsSchema, EvaluationPeriodCreateSchema,
                                             EvaluationPeriodDetailSchema, EvaluationPeriodQuerySchema, EvaluationPeriodSchema, EvaluationPeriodStepSchema,
                                             EvaluationSchemeCreateSchema, EvaluationSchemeDetailSchema, EvaluationSchemeEditSchema, EvaluationSchemeSchema)
from portal.permissions import Action


def _scheme(s: EvaluationScheme, in_force_id: int | None, rules: bool = False) -> dict:
    data = {"id": s.id, "number": s.number, "name": s.name, "status": s.status, "change_note": s.change_note,
            "created_at": s.created_at, "published_at": s.published_at, "frozen_at": s.frozen_at,
            "in_force": s.id == in_force_id}
    if rules:
        data["rules"] = asdict(services.rules_of(s))
    return data


def _in_force_id() -> int | None:
    found = services.scheme_in_force()
    return found.id if found else None


def _merged(base: SchemeRules, data: dict | None) -> SchemeRules:
    if not data:
        return base
    values = dict(data)
    if "grade_bands" in values:
        values["grade_bands"] = tuple(GradeBand(**band) for band in values["grade_bands"])
    if "veto_conditions" in values:
        values["veto_conditions"] = tuple(values["veto_conditions"])
    return replace(base, **values)


@api_bp.get("/evaluation/schemes")
@api_bp.requires(Action.MANAGE_EVALUATION)
@api_bp.response(200, EvaluationSchemeSchema(many=True))
@api_bp.paginate()
def list_schemes(pagination_parameters):
    """Every version of the tenant's evaluation scheme, newest first."""
    in_force = _in_force_id()
    return [_scheme(s, in_force) for s in page_of(services.schemes_query(), pagination_parameters)]


@api_bp.get("/evaluation/schemes/<id:scheme_id>")
@api_bp.requires(Action.MANAGE_EVALUATION)
@api_bp.loads(EvaluationScheme, "scheme_id")
@api_bp.response(200, EvaluationSchemeDetailSchema)
def get_scheme(scheme):
    """One version with all its rules."""
    return _scheme(scheme, _in_force_id(), rules=True)


@api_bp.post("/evaluation/schemes")
@api_bp.requires(Action.MANAGE_EVALUATION)
@api_bp.arguments(EvaluationSchemeCreateSchema)
@api_bp.response(201, EvaluationSchemeDetailSchema)
@api_bp.answers(422)
def create_scheme(data):
    """A new draft version: the rules given, the others from the newest published version (or the defaults)."""
    base = services.latest_published()
    rules = _merged(services.rules_of(base) if base else DEFAULT_RULES, data.get("rules"))
    scheme = services.create_scheme(tenant=g.tenant, actor=current_user, name=data["name"], rules=rules,
                                    note=data.get("change_note", ""))
    return _scheme(scheme, _in_force_id(), rules=True)


@api_bp.patch("/evaluation/schemes/<id:scheme_id>")
@api_bp.requires(Action.MANAGE_EVALUATION)
@api_bp.loads(EvaluationScheme, "scheme_id")
@api_bp.arguments(EvaluationSchemeEditSchema)
@api_bp.response(200, EvaluationSchemeDetailSchema)
@api_bp.answers(422)
def edit_scheme(data, scheme):
    """Change a draft; a published or frozen version stays as it is and the change is answered as a new draft."""
    saved = services.edit_scheme(tenant=g.tenant, actor=current_user, scheme=scheme,
                                 name=data.get("name", scheme.name),
                                 rules=_merged(services.rules_of(scheme), data.get("rules")),
                                 note=data.get("change_note", scheme.change_note if scheme.status.value == "draft" else ""))
    return _scheme(saved, _in_force_id(), rules=True)


@api_bp.post("/evaluation/schemes/<id:scheme_id>/publish")
@api_bp.requires(Action.MANAGE_EVALUATION)
@api_bp.loads(EvaluationScheme, "scheme_id")
@api_bp.response(200, EvaluationSchemeDetailSchema)
@api_bp.answers(409, 422)
def publish_scheme(scheme):
    """Publish a draft: the next period to open adopts it."""
    services.publish_scheme(tenant=g.tenant, actor=current_user, scheme=scheme)
    return _scheme(scheme, _in_force_id(), rules=True)


# ----------------------------------------------------------------------------- periods


def _period(p: EvaluationPeriod, detail: bool = False) -> dict:
    data = {name: getattr(p, name) for name in (
        "id", "name", "start_date", "end_date", "status", "scheme_id", "list_a_version_id", "list_c_version_id",
        "scoring_closes_at", "opened_at", "closed_at", "appeal_until", "published_at", "current_run_id")}
    if detail:
        data["transitions"] = [{"from_status": t.from_status, "to_status": t.to_status, "at": t.at,
                                "reason": t.reason, "actor_id": t.actor_id} for t in services.transitions_of(p)]
        data["next_status"] = services.next_step(p)
    return data


@api_bp.get("/evaluation/periods")
@api_bp.requires(Action.VIEW_EVALUATION)
@api_bp.arguments(EvaluationPeriodQuerySchema, location="query")
@api_bp.response(200, EvaluationPeriodSchema(many=True))
@api_bp.paginate()
def list_periods(query, pagination_parameters):
    """The tenant's evaluation periods, newest first."""
    stmt = services.periods_query(query.get("status"), query.get("q"))
    return [_period(p) for p in page_of(stmt, pagination_parameters)]


@api_bp.get("/evaluation/periods/<id:period_id>")
@api_bp.requires(Action.VIEW_EVALUATION)
@api_bp.loads(EvaluationPeriod, "period_id")
@api_bp.response(200, EvaluationPeriodDetailSchema)
def get_period(period):
    """One period with the log of its steps."""
    return _period(period, detail=True)


@api_bp.post("/evaluation/periods")
@api_bp.requires(Action.MANAGE_EVALUATION)
@api_bp.arguments(EvaluationPeriodCreateSchema)
@api_bp.response(201, EvaluationPeriodDetailSchema)
@api_bp.answers(409, 422)
def create_period(data):
    """A period being prepared (owners score once it opens)."""
    period = services.create_period(tenant=g.tenant, actor=current_user, name=data["name"],
                                    start_date=data["start_date"], end_date=data["end_date"])
    return _period(period, detail=True)


@api_bp.post("/evaluation/periods/<id:period_id>/transitions")
@api_bp.requires(Action.MANAGE_EVALUATION)
@api_bp.loads(EvaluationPeriod, "period_id")
@api_bp.arguments(EvaluationPeriodStepSchema)
@api_bp.response(200, EvaluationPeriodDetailSchema)
@api_bp.answers(409, 422)
def step_period(data, period):
    """Move the period one step (open, close, compute, appeal window, publish), with the reason logged."""
    services.transition(tenant=g.tenant, actor=current_user, period=period, to=data["to"], reason=data["reason"])
    return _period(period, detail=True)


@api_bp.post("/evaluation/periods/<id:period_id>/disclosure-penalties")
@api_bp.requires(Action.RECORD_ADJUSTMENTS)
@api_bp.loads(EvaluationPeriod, "period_id")
@api_bp.response(200, EvaluationDerivedCountsSchema)
@api_bp.answers(409)
def derive_penalties(period):
    """Turn the period's overdue notice-board sections and late objections into penalties (idempotent)."""
    services.require_inputs_open(period)
    return adjustments.derive_disclosure_penalties(tenant=g.tenant, actor=current_user, period=period)


# ----------------------------------------------------------------------------- adjustments


def _adjustment(a: ScoreAdjustment, photos: int | None = None) -> dict:
    data = {name: getattr(a, name) for name in (
        "id", "community_id", "firm_id", "kind", "points_cp", "condition", "reason", "evidence", "occurred_on",
        "valid_until", "source", "source_ref", "created_at", "revoked_at", "revoke_reason")}
    data["photos"] = len(adjustments.evidence_of(a)) if photos is None else photos
    return data


@api_bp.get("/evaluation/adjustments")
@api_bp.requires(Action.RECORD_ADJUSTMENTS)
@api_bp.arguments(EvaluationAdjustmentQuerySchema, location="query")
@api_bp.response(200, EvaluationAdjustmentSchema(many=True))
@api_bp.paginate()
def list_adjustments(query, pagination_parameters):
    """Bonus, penalty and veto records (manual and derived), newest first."""
    stmt = adjustments.adjustments_query(community_id=query.get("community_id"), kind=query.get("kind"),
                                         source=query.get("source"), valid_on=query.get("valid_on"),
                                         include_revoked=query.get("include_revoked", True))
    rows = page_of(stmt, pagination_parameters)
    counts = adjustments.photo_counts([a.id for a in rows])
    return [_adjustment(a, counts.get(a.id, 0)) for a in rows]


@api_bp.get("/evaluation/adjustments/<id:adjustment_id>")
@api_bp.requires(Action.RECORD_ADJUSTMENTS)
@api_bp.loads(ScoreAdjustment, "adjustment_id")
@api_bp.response(200, EvaluationAdjustmentSchema)
def get_adjustment(adjustment):
    return _adjustment(adjustment)


@api_bp.post("/evaluation/adjustments")
@api_bp.requires(Action.RECORD_ADJUSTMENTS)
@api_bp.arguments(EvaluationAdjustmentCreateSchema)
@api_bp.response(201, EvaluationAdjustmentSchema)
@api_bp.answers(422)
def create_adjustment(data):
    """Record a bonus, penalty or veto (evidence photos are added with the HTML form)."""
    adjustment = adjustments.record_adjustment(
        tenant=g.tenant, actor=current_user, community_id=data["community_id"], kind=data["kind"],
        points_cp=data["points_cp"], condition=data["condition"], reason=data["reason"],
        evidence=data["evidence"], occurred_on=data["occurred_on"], valid_until=data["valid_until"])
    return _adjustment(adjustment, 0)


@api_bp.post("/evaluation/adjustments/<id:adjustment_id>/revoke")
@api_bp.requires(Action.RECORD_ADJUSTMENTS)
@api_bp.loads(ScoreAdjustment, "adjustment_id")
@api_bp.arguments(EvaluationAdjustmentRevokeSchema)
@api_bp.response(200, EvaluationAdjustmentSchema)
@api_bp.answers(409, 422)
def revoke_adjustment(data, adjustment):
    """Revoke a record with the reason (it stays listed; computations leave it out)."""
    adjustments.revoke_adjustment(tenant=g.tenant, actor=current_user, adjustment=adjustment, reason=data["reason"])
    return _adjustment(adjustment)
