"""JSON schemas of the tickets API: the list's filters, a ticket, filing, a workflow step."""
from __future__ import annotations

from marshmallow import fields, validate, validates_schema, ValidationError

from portal.api.schemas import PagedQuerySchema, StrictSchema, _no_control_chars, _no_control_chars_in_filter, search_text
from portal.tickets.models import (
    Complexity,
    Satisfaction,
    TicketSource,
    TicketStatus,
    TicketType,
    Urgency,
)
from portal.validation import DbId

STEPS = ("accept", "start", "resolve", "confirm", "reopen", "triage", "urge", "extend", "reassign", "follow_up", "close")


def _text(max_length: int, required: bool = False, **kwargs):
    checks = [validate.Length(min=1 if required else 0, max=max_length),
              _no_control_chars if required else _no_control_chars_in_filter]
    return fields.String(required=required, validate=checks, **kwargs)


class TicketQuerySchema(PagedQuerySchema):
    q = search_text("Words of the description or location.")
    status = fields.Enum(TicketStatus, by_value=True, metadata={"description": "Only tickets in this status."})
    ticket_type = fields.Enum(TicketType, by_value=True, metadata={"description": "Only tickets of this type."})
    community_id = DbId(metadata={"description": "Only tickets of this community."})
    area_id = DbId(metadata={"description": "Only tickets of communities in this area (a street with its offices)."})
    overdue = fields.Boolean(metadata={"description": "Only tickets past their running deadline."})
    escalated = fields.Integer(strict=True, validate=validate.Range(min=1, max=2),
                               metadata={"description": "Only tickets escalated to this level or higher (1 the "
                                                        "community office, 2 the bureau)."})


class TicketSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    reference = fields.String(dump_only=True)
    community_id = fields.Integer(dump_only=True)
    community_name = fields.Function(lambda t: t.community.name, dump_only=True)
    firm_id = fields.Integer(dump_only=True, allow_none=True)
    ticket_type = fields.Enum(TicketType, by_value=True, dump_only=True)
    category_id = fields.Integer(dump_only=True)
    category_code = fields.Function(lambda t: t.category.code, dump_only=True)
    urgency = fields.Enum(Urgency, by_value=True, dump_only=True)
    source = fields.Enum(TicketSource, by_value=True, dump_only=True)
    description = fields.String(dump_only=True)
    location = fields.String(dump_only=True)
    status = fields.Enum(TicketStatus, by_value=True, dump_only=True)
    complexity = fields.Enum(Complexity, by_value=True, dump_only=True, allow_none=True)
    assignee_id = fields.Integer(dump_only=True, allow_none=True)
    filed_at = fields.AwareDateTime(dump_only=True)
    accepted_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    resolved_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    confirmed_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    followed_up_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    closed_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    response_due_at = fields.AwareDateTime(dump_only=True)
    resolve_due_at = fields.AwareDateTime(dump_only=True)
    due_at = fields.AwareDateTime(dump_only=True, allow_none=True,
                                  metadata={"description": "The deadline now running; null once resolved."})
    escalation_level = fields.Integer(dump_only=True)
    reopen_count = fields.Integer(dump_only=True)
    urge_count = fields.Integer(dump_only=True)
    rating = fields.Integer(dump_only=True, allow_none=True)
    resolution_note = fields.String(dump_only=True)


class TicketEventSchema(StrictSchema):
    kind = fields.String(dump_only=True)
    from_status = fields.String(dump_only=True)
    to_status = fields.String(dump_only=True)
    actor_label = fields.String(dump_only=True)
    at = fields.AwareDateTime(dump_only=True)
    note = fields.String(dump_only=True)


class TicketDetailSchema(TicketSchema):
    events = fields.List(fields.Nested(TicketEventSchema), dump_only=True)
    photo_count = fields.Integer(dump_only=True)


class TicketFileSchema(StrictSchema):
    """Filing without photos (photos are taken by the web form)."""

    community_id = DbId(required=True, metadata={"description": "Staff: the caller's community. Owners: "
                                                                "the community of one of their units."})
    unit_id = DbId(metadata={"description": "Owners: which of their units (required for owners)."})
    category_id = DbId(required=True)
    description = _text(2000, required=True)
    location = _text(120)
    urgency = fields.Enum(Urgency, by_value=True, load_default=Urgency.NORMAL)
    source = fields.Enum(TicketSource, by_value=True, metadata={
        "description": "Staff only: phone, walk_in, reception_day or hotline (owners file online)."})
    caller_name = _text(80)
    caller_phone = _text(32)


class TransitionSchema(StrictSchema):
    """One step of the workflow; which fields a step needs is said next to each."""

    action = fields.String(required=True, validate=validate.OneOf(STEPS))
    note = _text(2000, metadata={"description": "resolve: what was done (required); urge: required; others: optional."})
    assignee_id = DbId(metadata={"description": "accept, reassign: the staff member."})
    rating = fields.Integer(strict=True, validate=validate.Range(min=1, max=5), metadata={"description": "confirm."})
    reason = _text(1000, metadata={"description": "reopen, extend: required."})
    complexity = fields.Enum(Complexity, by_value=True, metadata={"description": "triage."})
    days = fields.Integer(strict=True, validate=validate.Range(min=1, max=30), metadata={"description": "extend."})
    reached = fields.Boolean(metadata={"description": "follow_up: whether the caller was reached."})
    satisfaction = fields.Enum(Satisfaction, by_value=True, metadata={"description": "follow_up, when reached."})

    @validates_schema
    def _needs(self, data, **kwargs):
        needed = {"accept": "assignee_id", "reassign": "assignee_id", "confirm": "rating", "triage": "complexity",
                  "extend": "days", "follow_up": "reached"}.get(data.get("action"))
        if needed and data.get(needed) is None:
            raise ValidationError("Missing data for required field.", needed)


class KpiQuerySchema(StrictSchema):
    month = fields.String(validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="Give the month as YYYY-MM."),
                          metadata={"description": "The month (local, Asia/Shanghai) whose filed tickets are counted; "
                                                   "default the current month."})
    group_by = fields.String(load_default="community",
                             validate=validate.OneOf(("tenant", "community", "firm", "area", "street", "category")),
                             metadata={"description": "One row per community (default), firm, area, street, category, "
                                                      "or one row for everything the caller may see (tenant)."})
    area_id = DbId(metadata={"description": "Only communities in this area (a street with its offices)."})
    firm_id = DbId(metadata={"description": "Only tickets of this firm."})
    community_id = DbId(metadata={"description": "Only tickets of this community."})


class KpiSchema(StrictSchema):
    """The KPIs of one group; rates are 0–1 (null without data), hours to first resolution."""

    key = fields.Raw(dump_only=True, metadata={"description": "The group's id (community, firm, area, street or "
                                                              "category), null for tickets without one; 'all' for tenant."})
    tickets = fields.Integer(dump_only=True)
    responded = fields.Integer(dump_only=True)
    resolved = fields.Integer(dump_only=True)
    ever_resolved = fields.Integer(dump_only=True)
    judged = fields.Integer(dump_only=True, metadata={"description": "Tickets with a satisfaction verdict."})
    satisfied = fields.Integer(dump_only=True)
    due = fields.Integer(dump_only=True, metadata={"description": "Tickets resolved or past their resolution deadline."})
    on_time = fields.Integer(dump_only=True)
    reopened = fields.Integer(dump_only=True)
    followed_up = fields.Integer(dump_only=True)
    response_rate = fields.Float(dump_only=True, allow_none=True)
    resolution_rate = fields.Float(dump_only=True, allow_none=True)
    satisfaction_rate = fields.Float(dump_only=True, allow_none=True)
    on_time_rate = fields.Float(dump_only=True, allow_none=True)
    reopen_rate = fields.Float(dump_only=True, allow_none=True)
    follow_up_coverage = fields.Float(dump_only=True, allow_none=True)
    median_hours = fields.Float(dump_only=True, allow_none=True)
    p90_hours = fields.Float(dump_only=True, allow_none=True)
    score = fields.Float(dump_only=True, allow_none=True, metadata={"description": "40·response + 30·resolution + "
                                                                                   "30·satisfaction (0–100)."})
