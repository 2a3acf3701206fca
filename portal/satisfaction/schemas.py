"""JSON schemas of the monthly satisfaction list: the published lists (open data) and the bureau's draft."""
from __future__ import annotations

from marshmallow import fields, validate

from portal.api.schemas import PagedQuerySchema, StrictSchema, _no_control_chars, _no_control_chars_in_filter
from portal.satisfaction.services import TEXT_LIMIT
from portal.validation import DbId


class SatisfactionRankingRowSchema(StrictSchema):
    firm = fields.String(dump_only=True)
    resolved = fields.Integer(dump_only=True, metadata={"description": "Cases resolved in the month."})
    rated = fields.Integer(dump_only=True, metadata={"description": "Cases with a satisfaction verdict (follow-up or rating)."})
    satisfied = fields.Integer(dump_only=True)
    rate = fields.Float(dump_only=True, allow_none=True, metadata={"description": "Satisfied ÷ rated, in per cent."})
    rank = fields.Integer(dump_only=True, allow_none=True,
                          metadata={"description": "None: fewer rated cases than min_firm_cases."})


class SatisfactionTotalsSchema(StrictSchema):
    resolved = fields.Integer(dump_only=True)
    rated = fields.Integer(dump_only=True)
    satisfied = fields.Integer(dump_only=True)
    rate = fields.Float(dump_only=True, allow_none=True)


class SatisfactionPublicCaseSchema(StrictSchema):
    reference = fields.String(dump_only=True)
    community = fields.String(dump_only=True)
    firm = fields.String(dump_only=True)
    category_zh = fields.String(dump_only=True)
    category_en = fields.String(dump_only=True)
    ticket_type = fields.String(dump_only=True)
    resolved_on = fields.String(dump_only=True, metadata={"description": "Local date (Asia/Shanghai), YYYY-MM-DD."})
    rating = fields.Integer(dump_only=True, allow_none=True, metadata={"description": "The owner's rating, 1–5."})
    follow_up = fields.String(dump_only=True, allow_none=True, metadata={"description": "The follow-up's satisfaction."})
    satisfied = fields.Boolean(dump_only=True, allow_none=True)
    problem = fields.String(dump_only=True)
    outcome = fields.String(dump_only=True)


class SatisfactionPublishedSummarySchema(StrictSchema):
    month = fields.String(dump_only=True, attribute="month_key", metadata={"description": "YYYY-MM."})
    version = fields.Integer(dump_only=True, attribute="published_version")


class SatisfactionPublishedListSchema(StrictSchema):
    month = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)
    published_at = fields.AwareDateTime(dump_only=True)
    reason = fields.String(dump_only=True, metadata={"description": "Why this version corrects the previous one."})
    min_firm_cases = fields.Integer(dump_only=True)
    totals = fields.Nested(SatisfactionTotalsSchema, dump_only=True)
    ranking = fields.List(fields.Nested(SatisfactionRankingRowSchema), dump_only=True)
    cases = fields.List(fields.Nested(SatisfactionPublicCaseSchema), dump_only=True)


class SatisfactionPublishedQuerySchema(PagedQuerySchema):
    pass


class SatisfactionVersionQuerySchema(StrictSchema):
    version = fields.Integer(validate=validate.Range(min=1, max=10000),
                             metadata={"description": "An earlier version (default: the newest)."})


class SatisfactionDraftCreateSchema(StrictSchema):
    month = fields.String(required=True, validate=[validate.Length(min=1, max=7), _no_control_chars],
                          metadata={"description": "YYYY-MM of a month that has begun."})
    min_cases = fields.Integer(strict=True, load_default=20, validate=validate.Range(min=1, max=60))
    min_firm_cases = fields.Integer(strict=True, load_default=5, validate=validate.Range(min=1, max=100))


class SatisfactionDraftEntrySchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    reference = fields.Function(lambda e: e.ticket.reference, dump_only=True)
    ticket_id = fields.Integer(dump_only=True)
    community = fields.Function(lambda e: e.ticket.community.name, dump_only=True)
    firm = fields.String(dump_only=True, attribute="firm_name")
    rating = fields.Function(lambda e: e.ticket.rating, dump_only=True, allow_none=True)
    follow_up = fields.String(dump_only=True, allow_none=True)
    included = fields.Boolean(dump_only=True)
    problem_text = fields.String(dump_only=True)
    outcome_text = fields.String(dump_only=True)
    findings = fields.List(fields.String(), dump_only=True,
                           metadata={"description": "Personal-data rules the texts still break: mobile, landline, "
                                                    "id_number, unit, name."})


class SatisfactionDraftSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    month = fields.String(dump_only=True, attribute="month_key")
    min_cases = fields.Integer(dump_only=True)
    min_firm_cases = fields.Integer(dump_only=True)
    published_version = fields.Integer(dump_only=True)
    candidates = fields.Integer(dump_only=True)
    problems = fields.List(fields.String(), dump_only=True, metadata={"description": "Why it cannot be published now."})
    ranking = fields.List(fields.Nested(SatisfactionRankingRowSchema), dump_only=True)
    entries = fields.List(fields.Nested(SatisfactionDraftEntrySchema), dump_only=True)


class SatisfactionEntryEditSchema(StrictSchema):
    id = DbId(required=True)
    included = fields.Boolean()
    problem_text = fields.String(validate=[validate.Length(max=TEXT_LIMIT), _no_control_chars_in_filter])
    outcome_text = fields.String(validate=[validate.Length(max=TEXT_LIMIT), _no_control_chars_in_filter])


class SatisfactionDraftEditSchema(StrictSchema):
    entries = fields.List(fields.Nested(SatisfactionEntryEditSchema), required=True, validate=validate.Length(max=100))


class SatisfactionPublishSchema(StrictSchema):
    reason = fields.String(load_default="", validate=[validate.Length(max=500), _no_control_chars_in_filter],
                           metadata={"description": "Required for a correction (any version after the first)."})
