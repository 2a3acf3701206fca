"""JSON schemas of the evaluation's setup API: schemes and their rules, periods and their steps, adjustments.
Scores and points in centipoints (integers), weights in ten-thousandths; times UTC, days ISO dates."""
from __future__ import annotations

from marshmallow import fields, validate

from portal.api.schemas import PagedQuerySchema, StrictSchema, search_text
from portal.evaluation.models import AdjustmentKind, AdjustmentSource, PeriodStatus, SchemeStatus
from portal.evaluation.rules import COMPONENTS, ELIMINATION_MODES, POOL_RULES, VETO_CONDITIONS

INT32 = 2**31 - 1


def _int(low: int, high: int, description: str = "", **kw):
    return fields.Integer(validate=validate.Range(min=low, max=high), metadata={"description": description}, **kw)


class EvaluationWeightsSchema(StrictSchema):
    owner = _int(0, 10000, "Ten-thousandths: 3500 is 35 %.", required=True)
    community = _int(0, 10000, required=True)
    authority = _int(0, 10000, required=True)
    ticket = _int(0, 10000, required=True)


class EvaluationGradeBandSchema(StrictSchema):
    grade = fields.String(required=True, validate=validate.OneOf(["excellent", "good", "pass", "basic", "fail"]))
    min_cp = _int(0, 10500, "The lowest composite of the band, in centipoints.", required=True)


class EvaluationRulesSchema(StrictSchema):
    """Every rule of a scheme; on input, rules left out keep the base version's (or the defaults)."""

    weights = fields.Nested(EvaluationWeightsSchema, metadata={"description": f"One weight per component: {', '.join(COMPONENTS)}; they add up to 10000."})
    bonus_cap_cp = _int(0, 2000)
    penalty_cap_cp = _int(0, 10000)
    score_max_cp = _int(10000, 12000)
    veto_conditions = fields.List(fields.String(validate=validate.OneOf(VETO_CONDITIONS)), validate=validate.Length(max=len(VETO_CONDITIONS)))
    grade_bands = fields.List(fields.Nested(EvaluationGradeBandSchema), validate=validate.Length(min=1, max=5),
                              metadata={"description": "Highest first; the last starts at 0."})
    pool_rule = fields.String(validate=validate.OneOf(POOL_RULES))
    min_sample_units = _int(1, 10000)
    min_sample_permille = _int(0, 1000)
    shrinkage_strength = _int(0, 1000)
    elimination_mode = fields.String(validate=validate.OneOf(ELIMINATION_MODES))
    elimination_value = _int(0, 100)
    elimination_grade = fields.String(validate=validate.OneOf(["excellent", "good", "pass", "basic", "fail"]))
    yellow_after = _int(1, 12)
    red_after = _int(1, 12)
    removal_after = _int(1, 12)
    exit_after = _int(1, 12)
    rectification_days = _int(1, 365)
    appeal_working_days = _int(1, 60)
    review_working_days = _int(1, 60)
    min_service_months = _int(0, 60)
    board_overdue_penalty_cp = _int(0, 3000)
    objection_late_penalty_cp = _int(0, 3000)
    adjustment_validity_days = _int(1, 3650)


class EvaluationSchemeSchema(StrictSchema):
    id = fields.Integer()
    number = fields.Integer(metadata={"description": "Version number within the tenant."})
    name = fields.String()
    status = fields.Enum(SchemeStatus, by_value=True, metadata={
        "description": "draft (editable) → published (adopted by the next period to open) → frozen (used by a period)."})
    change_note = fields.String()
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    frozen_at = fields.DateTime(allow_none=True)
    in_force = fields.Boolean(metadata={"description": "The scheme the methodology page shows now."})


class EvaluationSchemeDetailSchema(EvaluationSchemeSchema):
    rules = fields.Nested(EvaluationRulesSchema)


class EvaluationSchemeCreateSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    change_note = fields.String(load_default="", validate=validate.Length(max=500))
    rules = fields.Nested(EvaluationRulesSchema, load_default=None, allow_none=True)


class EvaluationSchemeEditSchema(StrictSchema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    change_note = fields.String(validate=validate.Length(max=500))
    rules = fields.Nested(EvaluationRulesSchema)


class EvaluationPeriodQuerySchema(PagedQuerySchema):
    q = search_text("Part of the period's name.")
    status = fields.Enum(PeriodStatus, by_value=True)


class EvaluationPeriodSchema(StrictSchema):
    id = fields.Integer()
    name = fields.String()
    start_date = fields.Date()
    end_date = fields.Date()
    status = fields.Enum(PeriodStatus, by_value=True, metadata={
        "description": "draft → open (owners score) → closed → computed (draft results) → appeal → final."})
    scheme_id = fields.Integer(allow_none=True, metadata={"description": "Fixed when the period opens."})
    list_a_version_id = fields.Integer(allow_none=True)
    list_c_version_id = fields.Integer(allow_none=True)
    scoring_closes_at = fields.DateTime(allow_none=True)
    opened_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    appeal_until = fields.Date(allow_none=True, metadata={"description": "Last day of the appeal window (working days)."})
    published_at = fields.DateTime(allow_none=True)
    current_run_id = fields.Integer(allow_none=True)


class EvaluationTransitionSchema(StrictSchema):
    from_status = fields.Enum(PeriodStatus, by_value=True)
    to_status = fields.Enum(PeriodStatus, by_value=True)
    at = fields.DateTime()
    reason = fields.String()
    actor_id = fields.Integer(allow_none=True)


class EvaluationPeriodDetailSchema(EvaluationPeriodSchema):
    transitions = fields.List(fields.Nested(EvaluationTransitionSchema))
    next_status = fields.Enum(PeriodStatus, by_value=True, allow_none=True)


class EvaluationPeriodCreateSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)


class EvaluationPeriodStepSchema(StrictSchema):
    to = fields.Enum(PeriodStatus, by_value=True, required=True, metadata={"description": "The next state (one step)."})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class EvaluationDerivedCountsSchema(StrictSchema):
    added = fields.Integer()
    updated = fields.Integer()
    kept = fields.Integer()


class EvaluationAdjustmentQuerySchema(PagedQuerySchema):
    community_id = _int(1, INT32)
    kind = fields.Enum(AdjustmentKind, by_value=True)
    source = fields.Enum(AdjustmentSource, by_value=True)
    valid_on = fields.Date(metadata={"description": "Only records valid on this day."})
    include_revoked = fields.Boolean(load_default=True)


class EvaluationAdjustmentSchema(StrictSchema):
    id = fields.Integer()
    community_id = fields.Integer()
    firm_id = fields.Integer()
    kind = fields.Enum(AdjustmentKind, by_value=True)
    points_cp = fields.Integer()
    condition = fields.String()
    reason = fields.String()
    evidence = fields.String()
    occurred_on = fields.Date()
    valid_until = fields.Date()
    source = fields.Enum(AdjustmentSource, by_value=True)
    source_ref = fields.String(allow_none=True)
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    revoke_reason = fields.String()
    photos = fields.Integer(metadata={"description": "Number of evidence photos (added by the HTML form)."})


class EvaluationAdjustmentCreateSchema(StrictSchema):
    community_id = _int(1, INT32, required=True)
    kind = fields.Enum(AdjustmentKind, by_value=True, required=True)
    points_cp = _int(0, 10000, "Centipoints; ignored for a veto.", load_default=0)
    condition = fields.String(required=True, validate=validate.Length(min=1, max=40),
                              metadata={"description": "Bonus: award, praise, innovation; penalty: service, safety, "
                                                       "disclosure, complaint, other; veto: a veto condition."})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    evidence = fields.String(load_default="", validate=validate.Length(max=2000))
    occurred_on = fields.Date(required=True)
    valid_until = fields.Date(load_default=None, allow_none=True)


class EvaluationAdjustmentRevokeSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
