"""JSON schemas of the objection API (states and decisions as codes; times UTC)."""
from __future__ import annotations

from marshmallow import fields, validate

from portal.api.schemas import PagedQuerySchema, StrictSchema, search_text
from portal.disclosures.models import BoardSection
from portal.objections.models import Decision, ObjectionStatus
from portal.objections.services import ANSWER_MAX, REASON_MAX

STATUS = fields.Enum(ObjectionStatus, by_value=True, metadata={
    "description": "open → answered → accepted | escalated → decided (an overdue open one may be escalated)."})


class ObjectionQuerySchema(PagedQuerySchema):
    q = search_text("Community name or the item objected to.")
    status = fields.Enum(ObjectionStatus, by_value=True)
    overdue = fields.Boolean(metadata={"description": "Only open objections past their answer date."})


class ObjectionSchema(StrictSchema):
    id = fields.Integer()
    community_id = fields.Integer()
    community = fields.String(metadata={"description": "The community's name."})
    board_id = fields.Integer()
    version_seq = fields.Integer(metadata={"description": "The published version objected to (its seq in the board)."})
    section = fields.Enum(BoardSection, by_value=True)
    row_index = fields.Integer(allow_none=True, metadata={"description": "Row of the section, from 0; null: the section."})
    item = fields.String()
    owner = fields.String(metadata={"description": "The unit, masked (e.g. 1号楼 1**), or 'you' for the filer."})
    reason = fields.String()
    has_photo = fields.Boolean()
    status = STATUS
    overdue = fields.Boolean(metadata={"description": "Open past its due date, or answered after it."})
    filed_at = fields.DateTime()
    due_on = fields.Date(metadata={"description": "The last day (tenant time) for the firm's answer, in working days."})
    answer = fields.String()
    answered_at = fields.DateTime(allow_none=True)
    answered_late = fields.Boolean(allow_none=True)
    correction_seq = fields.Integer(allow_none=True)
    decision = fields.Enum(Decision, by_value=True, allow_none=True)
    decision_reason = fields.String()
    decided_at = fields.DateTime(allow_none=True)


class ObjectionEventSchema(StrictSchema):
    at = fields.DateTime()
    actor_role = fields.String(metadata={"description": "owner, firm or street_office."})
    from_status = fields.Enum(ObjectionStatus, by_value=True, allow_none=True)
    to_status = fields.Enum(ObjectionStatus, by_value=True)
    note = fields.String()


class ObjectionDetailSchema(ObjectionSchema):
    events = fields.List(fields.Nested(ObjectionEventSchema))


class ObjectionFileSchema(StrictSchema):
    board_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    seq = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1),
                         metadata={"description": "The published version objected to (never a draft)."})
    row_index = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=10_000))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))


class ObjectionAnswerSchema(StrictSchema):
    answer = fields.String(required=True, validate=validate.Length(min=1, max=ANSWER_MAX))
    correction_seq = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1),
                                    metadata={"description": "A correction of the section published since."})


class ObjectionEscalateSchema(StrictSchema):
    note = fields.String(load_default="", validate=validate.Length(max=REASON_MAX))


class ObjectionDecideSchema(StrictSchema):
    decision = fields.Enum(Decision, by_value=True, required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))
