"""JSON schemas of the three lists; domain rules (weights, unique codes, thresholds) live in services."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from portal.api.schemas import PagedQuerySchema, StrictSchema, _no_control_chars, _no_control_chars_in_filter
from portal.checklists.models import ListKind, VersionStatus
from portal.checklists.services import format_weight
from portal.validation import schema_text_check


def _not_blank(value: str) -> None:
    from flask_babel import gettext as _

    if not value.strip():
        raise ValidationError(_("Must not be blank."))


def _text(max_len: int, required: bool = False, multiline: bool = False, **kwargs):
    checks = [validate.Length(max=max_len), _no_control_chars if required else _no_control_chars_in_filter]
    if multiline:
        # An item's text is a text area in the editor: line breaks are kept, nothing else invisible.
        checks = [validate.Length(max=max_len), schema_text_check(multiline=True)] + ([_not_blank] if required else [])
    if required:
        return fields.String(required=True, validate=checks, **kwargs)
    return fields.String(validate=checks, **kwargs)


class WeightField(fields.Field):
    """A weight as a JSON number or a decimal string ("12.5"); the range and decimals are checked by the service."""

    default_error_messages = {"invalid": "Not a valid number."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self.make_error("invalid")
        if isinstance(value, str) and len(value) > 20:
            raise ValidationError("Length is outside the allowed range.")
        return value

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format_weight(value)


class ItemSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    position = fields.Integer(dump_only=True)
    code = _text(16, required=True)
    text_zh = _text(500, required=True, multiline=True)
    text_en = _text(500, multiline=True)
    evidence = _text(120)
    grade1 = _text(60, metadata={"description": "Wording for grade 1 (一级) communities; empty: same for all."})
    grade2 = _text(60)
    grade3 = _text(60)
    to_verify = fields.Boolean(metadata={"description": "Wording still to be verified against the original standard."})
    threshold_area = _text(8, metadata={"description": "List B: share of floor area that must approve, e.g. 1/2, 3/4."})
    threshold_headcount = _text(8, metadata={"description": "List B: share of owners that must approve."})
    threshold_strict = fields.Boolean(metadata={"description": "True: more than the share; false: at least the share."})


class SectionSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    position = fields.Integer(dump_only=True)
    code = _text(16, required=True)
    title_zh = _text(120, required=True)
    title_en = _text(160)
    weight = WeightField(allow_none=True, metadata={
        "description": "Lists A and C: points out of 100 (0–100, at most two decimals). List B: ignored, null.",
        "type": "string", "example": "20"})
    items = fields.List(fields.Nested(ItemSchema), dump_only=True)


class VersionSummarySchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    kind = fields.Enum(ListKind, by_value=True, dump_only=True)
    number = fields.Integer(dump_only=True)
    status = fields.Enum(VersionStatus, by_value=True, dump_only=True)
    note = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    published_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    published_by_id = fields.Integer(dump_only=True, allow_none=True)
    frozen_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    frozen_reason = fields.String(dump_only=True)
    total_weight = fields.Function(lambda v: format_weight(v.total_weight) if v.kind.weighted else None, dump_only=True,
                                   metadata={"type": "string", "nullable": True,
                                             "description": "Lists A and C: the sum of the weights; B: null."})


class VersionSchema(VersionSummarySchema):
    sections = fields.List(fields.Nested(SectionSchema), dump_only=True)


class DraftCreateSchema(StrictSchema):
    kind = fields.Enum(ListKind, by_value=True, required=True)
    note = _text(500)


class PublishSchema(StrictSchema):
    note = _text(500, required=True)


class MoveSchema(StrictSchema):
    direction = fields.String(required=True, validate=validate.OneOf(["up", "down"]))


class VersionQuerySchema(PagedQuerySchema):
    kind = fields.Enum(ListKind, by_value=True)
