"""JSON schemas of the registry API: areas, communities, buildings, owners' committees."""
from __future__ import annotations

from marshmallow import fields, validate

from portal.api.schemas import (
    PagedQuerySchema,
    StrictSchema,
    _no_control_chars,
    _no_control_chars_in_filter,
    search_text,
)
from portal.communities.models import AreaKind, CommitteePosition, ServiceGrade
from portal.communities.services import MAX_BUILDING_POSITION
from portal.validation import DbId


def required_text(max_length: int, **kwargs):
    return fields.String(required=True, validate=[validate.Length(min=1, max=max_length), _no_control_chars], **kwargs)


def optional_text(max_length: int, **kwargs):
    return fields.String(validate=[validate.Length(max=max_length), _no_control_chars_in_filter], **kwargs)


class AreaSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    kind = fields.Enum(AreaKind, by_value=True, required=True, metadata={"description": "a bureau's street or community_office; a firm's branch or region"})
    name = required_text(80)
    parent_id = DbId(allow_none=True,
                               metadata={"description": "The street of a community office; null for a street."})


class AreaUpdateSchema(StrictSchema):
    name = required_text(80)


class CommunitySchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    name = required_text(120)
    address = optional_text(255)
    area_id = DbId(required=True)
    area_name = fields.String(dump_only=True)
    service_grade = fields.Enum(ServiceGrade, by_value=True, required=True)
    declared_units = fields.Integer(strict=True, validate=validate.Range(min=0, max=1_000_000))
    unit_count = fields.Integer(dump_only=True, metadata={"description": "Units registered in the roster."})
    revenue_bank = optional_text(120)
    revenue_account_name = optional_text(120)
    revenue_account_number = optional_text(40, metadata={
        "description": "Digits; shown masked (first 4 and last 4 digits) unless the caller manages the registry."})
    current_contract_id = fields.Integer(dump_only=True, allow_none=True)
    current_firm_id = fields.Integer(dump_only=True, allow_none=True)


class CommunityQuerySchema(PagedQuerySchema):
    q = search_text("Words of the community's name or address.")
    area_id = DbId(metadata={"description": "Only communities in this area (a street "
                                                                    "includes its community offices)."})
    grade = fields.Enum(ServiceGrade, by_value=True, metadata={"description": "Only communities of this service grade."})
    firm_id = DbId(metadata={"description": "Only communities this firm serves under a contract in force today."})
    has_contract = fields.Boolean(metadata={
        "description": "Only communities with (true) or without (false) a contract in force today."})


class AreaQuerySchema(PagedQuerySchema):
    q = search_text("Words of the area's name.")
    kind = fields.Enum(AreaKind, by_value=True, metadata={"description": "Only streets, or only community offices."})


class BuildingSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    community_id = fields.Integer(dump_only=True)
    name = required_text(20)
    position = fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_BUILDING_POSITION))
    unit_count = fields.Integer(dump_only=True)


class CommitteeMemberSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    name = required_text(80)
    position = fields.Enum(CommitteePosition, by_value=True, required=True,
                           metadata={"description": "director (主任), deputy (副主任) or member (委员)"})
    phone = optional_text(20)


class CommitteeSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    community_id = fields.Integer(dump_only=True)
    term_start = fields.Date(required=True)
    term_end = fields.Date(required=True, metadata={"description": "After term_start; a term is at most 5 years."})
    filing_date = fields.Date(allow_none=True, metadata={"description": "Not before term_start."})
    filing_ref = optional_text(80)
    filing_late = fields.Boolean(dump_only=True, metadata={"description": "Filed more than 30 days after the term began."})
    members = fields.List(fields.Nested(CommitteeMemberSchema), load_default=list, validate=validate.Length(max=50),
                          metadata={"description": "The whole member list: a PUT replaces it."})
