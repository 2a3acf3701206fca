"""JSON schemas of the results: project and firm results (open data, no personal data) and appeals."""
from __future__ import annotations

from marshmallow import fields, validate

from portal.api.schemas import PagedQuerySchema, StrictSchema
from portal.evaluation.result_models import AppealItem, AppealStatus, Grade, LadderLevel

_CP = {"description": "Centipoints: hundredths of a point (8735 = 87.35)."}
_W = {"description": "Weight applied, in ten-thousandths (3500 = 35 %)."}


class ResultQuerySchema(PagedQuerySchema):
    pool = fields.String(validate=validate.Length(max=80), metadata={"description": "A ranking pool key."})
    grade = fields.Enum(Grade, by_value=True)
    area_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    level = fields.Enum(LadderLevel, by_value=True)


class ProjectResultSchema(StrictSchema):
    community_id = fields.Integer(dump_only=True)
    community = fields.String(attribute="community_name", dump_only=True)
    firm_id = fields.Integer(dump_only=True)
    firm = fields.String(attribute="firm_name", dump_only=True)
    pool = fields.String(dump_only=True)
    units = fields.Integer(dump_only=True)
    sample_n = fields.Integer(dump_only=True)
    sample_needed = fields.Integer(dump_only=True)
    sample_ok = fields.Boolean(dump_only=True)
    owner_raw_cp = fields.Integer(dump_only=True, allow_none=True, metadata=_CP)
    owner_cp = fields.Integer(dump_only=True, allow_none=True, metadata=_CP)
    owner_ci_low_cp = fields.Integer(dump_only=True, allow_none=True, metadata=_CP)
    owner_ci_high_cp = fields.Integer(dump_only=True, allow_none=True, metadata=_CP)
    community_cp = fields.Integer(dump_only=True, allow_none=True, metadata=_CP)
    authority_cp = fields.Integer(dump_only=True, allow_none=True, metadata=_CP)
    ticket_cp = fields.Integer(dump_only=True, allow_none=True, metadata=_CP)
    w_owner = fields.Integer(dump_only=True, metadata=_W)
    w_community = fields.Integer(dump_only=True, metadata=_W)
    w_authority = fields.Integer(dump_only=True, metadata=_W)
    w_ticket = fields.Integer(dump_only=True, metadata=_W)
    weighted_cp = fields.Integer(dump_only=True, metadata=_CP)
    bonus_cp = fields.Integer(dump_only=True, metadata=_CP)
    penalty_cp = fields.Integer(dump_only=True, metadata=_CP)
    veto = fields.Boolean(dump_only=True)
    composite_cp = fields.Integer(dump_only=True, metadata=_CP)
    grade = fields.Enum(Grade, by_value=True, dump_only=True)
    ranked = fields.Boolean(dump_only=True)
    not_ranked_reason = fields.String(dump_only=True)
    rank = fields.Integer(dump_only=True, allow_none=True)
    pool_size = fields.Integer(dump_only=True)
    bottom = fields.Boolean(dump_only=True)
    under_appeal = fields.Boolean(dump_only=True)
    level = fields.Enum(LadderLevel, by_value=True, attribute="ladder_level", dump_only=True)


class FirmResultSchema(StrictSchema):
    firm_id = fields.Integer(dump_only=True)
    firm = fields.String(attribute="firm_name", dump_only=True)
    projects = fields.Integer(dump_only=True)
    units = fields.Integer(dump_only=True)
    composite_cp = fields.Integer(dump_only=True, metadata=_CP)
    grade = fields.Enum(Grade, by_value=True, dump_only=True)
    vetoed_projects = fields.Integer(dump_only=True)
    rank = fields.Integer(dump_only=True, allow_none=True)
    pool_size = fields.Integer(dump_only=True)


class AppealSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    period_id = fields.Integer(dump_only=True)
    run_id = fields.Integer(dump_only=True)
    community_id = fields.Integer(dump_only=True)
    firm_id = fields.Integer(dump_only=True)
    item = fields.Enum(AppealItem, by_value=True, dump_only=True)
    item_ref = fields.Integer(dump_only=True)
    filed_as = fields.String(dump_only=True)
    statement = fields.String(dump_only=True)
    filed_at = fields.DateTime(dump_only=True)
    status = fields.Enum(AppealStatus, by_value=True, dump_only=True)
    decision_reason = fields.String(dump_only=True)
    decided_at = fields.DateTime(dump_only=True, allow_none=True)
    result_run_id = fields.Integer(dump_only=True, allow_none=True)


class AppealQuerySchema(PagedQuerySchema):
    status = fields.Enum(AppealStatus, by_value=True)
