"""JSON schemas of owner scoring, comment moderation and assessments (scores in centipoints: 7083 is 70.83
points; times UTC). No schema a firm can reach carries an owner or a unit: the owner's own scores go to that
owner only, and the moderation queue (bureau) shows the comment without who wrote it."""
from __future__ import annotations

from marshmallow import fields, validate

from portal.api.schemas import PagedQuerySchema, StrictSchema, _no_control_chars_in_filter
from portal.evaluation.models import AssessmentKind, CommentStatus, PeriodStatus
from portal.evaluation.scoring_assessments import NOTES_MAX
from portal.evaluation.scoring_services import COMMENT_MAX, REASON_MAX

CP = "centipoints: 0..10000 is 0.00..100.00 points"
DB_ID = validate.Range(min=1, max=2**31 - 1)


def _text(limit: int, **kwargs):
    return fields.String(validate=[validate.Length(max=limit), _no_control_chars_in_filter], **kwargs)


class MyScoreSchema(StrictSchema):
    period_id = fields.Integer()
    period = fields.String(metadata={"description": "The period's name."})
    period_status = fields.Enum(PeriodStatus, by_value=True)
    scoring_open = fields.Boolean(metadata={"description": "Whether the owner may score (or change the score) now."})
    scoring_closes_at = fields.DateTime(allow_none=True, metadata={
        "description": "When scoring closes, if announced; null: when the bureau closes the period."})
    unit_id = fields.Integer(metadata={"description": "One of the caller's own bound units."})
    unit = fields.String(metadata={"description": "The caller's unit: building, entrance and room."})
    community = fields.String()
    scored = fields.Boolean()
    ratings = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Stars 1..5 per list-A category code; empty when not scored."})
    score_cp = fields.Integer(allow_none=True, metadata={"description": "The mean of the stars on 0..100, " + CP})
    comment = fields.String()
    comment_status = fields.Enum(CommentStatus, by_value=True)
    updated_at = fields.DateTime(allow_none=True)


class ScoreSubmitSchema(StrictSchema):
    ratings = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=16)),
                          values=fields.Integer(validate=validate.Range(min=1, max=5)), required=True,
                          validate=validate.Length(min=1, max=40),
                          metadata={"description": "Stars 1..5 for every category (section) of the period's list A."})
    comment = _text(COMMENT_MAX, load_default="", metadata={"description": "Optional; published only after moderation."})


class CommentQuerySchema(PagedQuerySchema):
    status = fields.Enum(CommentStatus, by_value=True, metadata={"description": "Default: pending."})


class CommentSchema(StrictSchema):
    id = fields.Integer()
    community_id = fields.Integer()
    community = fields.String()
    comment = fields.String(metadata={"description": "Kept also when hidden (for the audit)."})
    comment_status = fields.Enum(CommentStatus, by_value=True)
    moderation_reason = fields.String()
    moderated_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


class ModerationSchema(StrictSchema):
    decision = fields.String(required=True, validate=validate.OneOf(["publish", "hide"]))
    reason = _text(REASON_MAX, load_default="", metadata={"description": "Required to hide."})


class AssessmentQuerySchema(PagedQuerySchema):
    kind = fields.Enum(AssessmentKind, by_value=True)
    community_id = fields.Integer(validate=DB_ID)


class AssessmentSchema(StrictSchema):
    id = fields.Integer()
    period_id = fields.Integer()
    community_id = fields.Integer()
    firm_id = fields.Integer()
    kind = fields.Enum(AssessmentKind, by_value=True)
    checklist_version_id = fields.Integer()
    item_scores_cp = fields.Dict(keys=fields.String(), values=fields.Integer(),
                                 metadata={"description": "Points per checklist item code, " + CP})
    total_cp = fields.Integer(metadata={"description": "The points over the list's total weight, " + CP})
    notes = fields.String()
    assessed_on = fields.Date()
    photos = fields.Integer(metadata={"description": "How many evidence photos (added through the page)."})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class AssessmentWriteSchema(StrictSchema):
    item_scores_cp = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=16)),
                                 values=fields.Integer(validate=validate.Range(min=0, max=10000)), required=True,
                                 validate=validate.Length(min=1, max=200),
                                 metadata={"description": "Points for every item of the list version, each from 0 to "
                                                          "the item's worth (its section's weight shared among the "
                                                          "section's items), " + CP})
    notes = _text(NOTES_MAX, load_default="")
    assessed_on = fields.Date(required=True, metadata={"description": "From the period's first day to today."})


class AssessmentCreateSchema(AssessmentWriteSchema):
    kind = fields.Enum(AssessmentKind, by_value=True, required=True, metadata={
        "description": "community: list C (community or street office, or the bureau); authority: list A inspection (bureau)."})
    community_id = fields.Integer(required=True, validate=DB_ID)
