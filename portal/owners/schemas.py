"""Marshmallow schemas of the owners API: explicit fields, unknown fields refused, server-set fields dump-only."""
from __future__ import annotations

from marshmallow import fields, validate

from portal.api.schemas import PagedQuerySchema, StrictSchema, _no_control_chars, _no_control_chars_in_filter, search_text
from portal.owners.models import ClaimStatus
from portal.owners.services import CodeFilter


class BuildingCodesSummarySchema(StrictSchema):
    building_id = fields.Integer(attribute="building.id", dump_only=True)
    building_name = fields.String(attribute="building.name", dump_only=True)
    units = fields.Integer(dump_only=True)
    active_codes = fields.Integer(dump_only=True, metadata={"description": "Units with an unused (active) code."})
    bound_units = fields.Integer(dump_only=True, metadata={"description": "Units with at least one bound account."})


class CommunityCodesSchema(StrictSchema):
    community_id = fields.Integer(dump_only=True)
    community_name = fields.String(dump_only=True)
    buildings = fields.List(fields.Nested(BuildingCodesSummarySchema), dump_only=True)


class ClaimCodeSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    unit_id = fields.Integer(dump_only=True)
    status = fields.Enum(ClaimStatus, by_value=True, dump_only=True)
    code = fields.String(attribute="code_plain", dump_only=True, allow_none=True,
                           metadata={"description": "The readable code while it is active; null once used or revoked."})
    issued_at = fields.AwareDateTime(dump_only=True)


class UnitCodesSchema(StrictSchema):
    unit_id = fields.Integer(attribute="unit.id", dump_only=True)
    label = fields.String(attribute="unit.label", dump_only=True)
    entrance = fields.String(attribute="unit.entrance", dump_only=True)
    room = fields.String(attribute="unit.room", dump_only=True)
    active_code = fields.Nested(ClaimCodeSchema, attribute="code", dump_only=True,
                                  allow_none=True)
    bound_accounts = fields.Function(lambda r: len(r.bindings), dump_only=True, metadata={"type": "integer"})


class BuildingCodesSchema(StrictSchema):
    building_id = fields.Integer(dump_only=True)
    building_name = fields.String(dump_only=True)
    community_id = fields.Integer(dump_only=True)
    units = fields.Integer(dump_only=True)
    active_codes = fields.Integer(dump_only=True, metadata={"description": "Units with an unused (active) code."})
    bound_units = fields.Integer(dump_only=True, metadata={"description": "Units with at least one bound account."})


class BuildingUnitQuerySchema(PagedQuerySchema):
    q = search_text("Words of the unit's room or entrance.")
    entrance = fields.String(validate=[validate.Length(max=20), _no_control_chars_in_filter],
                             metadata={"description": "Only the units of this entrance (exactly as the roster names it)."})
    state = fields.Enum(CodeFilter, by_value=True, metadata={
        "description": "unused: units with an active code; no_code: without one; bound: with a bound account; "
                       "unbound: without one."})


class IssueRequestSchema(StrictSchema):
    include_bound = fields.Boolean(load_default=False, metadata={
        "description": "Also issue codes for units that already have a bound account."})


class IssuedSchema(StrictSchema):
    issued = fields.List(fields.Nested(ClaimCodeSchema), dump_only=True)


class ReasonSchema(StrictSchema):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=500), _no_control_chars])


class ReissuedSchema(StrictSchema):
    revoked = fields.Nested(ClaimCodeSchema, dump_only=True)
    issued = fields.Nested(ClaimCodeSchema, dump_only=True)


class OwnedUnitSchema(StrictSchema):
    unit_id = fields.Integer(attribute="unit.id", dump_only=True)
    community_id = fields.Integer(attribute="unit.community_id", dump_only=True)
    community_name = fields.String(attribute="unit.community.name", dump_only=True)
    building_name = fields.String(attribute="unit.building.name", dump_only=True)
    entrance = fields.String(attribute="unit.entrance", dump_only=True)
    room = fields.String(attribute="unit.room", dump_only=True)
    floor_area = fields.Function(lambda o: str(o.unit.floor_area), dump_only=True,
                                 metadata={"type": "string", "format": "decimal",
                                           "description": "m², exact decimal as a string"})
    bound_at = fields.Function(lambda o: o.binding.bound_at.isoformat(), dump_only=True,
                               metadata={"type": "string", "format": "date-time"})
    other_accounts = fields.Integer(attribute="others", dump_only=True)
