"""JSON API of the owners feature (documented through OPENAPI_OPERATIONS, see portal/api/openapi.py)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, g, jsonify
from flask_login import current_user

from portal.api.errors import domain_error, json_error
from portal.api.views import api_permission, load_json
from portal.communities.models import Building, Community
from portal.communities.services import can_see_community
from portal.extensions import db
from portal.owners import schemas, services
from portal.owners.models import ClaimCode
from portal.permissions import Action

api_bp = Blueprint("owners_api", __name__, url_prefix="/api/v1/t/<tenant_slug>")


def _visible(model, object_id: int, community_of):
    """A tenant-scoped object whose community the caller may manage, or None (answered as 404)."""
    obj = db.session.scalar(sa.select(model).where(model.id == object_id))
    if obj is None or not can_see_community(g.memberships, community_of(obj)):
        return None
    return obj


@api_bp.get("/claim-codes/communities/<int:community_id>")
@api_permission(Action.MANAGE_CLAIM_CODES)
def community_codes(community_id: int):
    """Per building of a community: units, units with an unused code, units with a bound account."""
    community = _visible(Community, community_id, lambda c: c.id)
    if community is None:
        return json_error(404)
    return jsonify(schemas.CommunityCodesSchema().dump({
        "community_id": community.id, "community_name": community.name,
        "buildings": services.building_summaries(community)}))


@api_bp.get("/claim-codes/buildings/<int:building_id>")
@api_permission(Action.MANAGE_CLAIM_CODES)
def building_codes(building_id: int):
    """The units of a building with their active code (readable while unused) and bound-account count."""
    building = _visible(Building, building_id, lambda b: b.community_id)
    if building is None:
        return json_error(404)
    return jsonify(schemas.BuildingCodesSchema().dump({
        "building_id": building.id, "building_name": building.name, "community_id": building.community_id,
        "units": services.unit_rows(building)}))


@api_bp.post("/claim-codes/buildings/<int:building_id>/issue")
@api_permission(Action.MANAGE_CLAIM_CODES)
def issue_codes(building_id: int):
    """Issue a code for every unit of the building without an active code."""
    building = _visible(Building, building_id, lambda b: b.community_id)
    if building is None:
        return json_error(404)
    data = load_json(schemas.IssueRequestSchema())
    created = services.issue_codes(tenant=g.tenant, actor=current_user, building=building,
                                   include_bound=data["include_bound"])
    db.session.commit()
    return jsonify(schemas.IssuedSchema().dump({"issued": created})), 201


@api_bp.post("/claim-codes/<int:code_id>/revoke")
@api_permission(Action.MANAGE_CLAIM_CODES)
def revoke_code(code_id: int):
    """Revoke an active code (a reason is required)."""
    code = _visible(ClaimCode, code_id, lambda c: c.unit.community_id)
    if code is None:
        return json_error(404)
    data = load_json(schemas.ReasonSchema())
    try:
        services.revoke_code(tenant=g.tenant, actor=current_user, code=code, reason=data["reason"])
    except services.OwnerError as error:
        db.session.rollback()
        return domain_error(error)
    db.session.commit()
    return jsonify(schemas.ClaimCodeSchema().dump(code))


@api_bp.post("/claim-codes/<int:code_id>/reissue")
@api_permission(Action.MANAGE_CLAIM_CODES)
def reissue_code(code_id: int):
    """Revoke an active code and issue a new one for the same unit."""
    code = _visible(ClaimCode, code_id, lambda c: c.unit.community_id)
    if code is None:
        return json_error(404)
    data = load_json(schemas.ReasonSchema())
    try:
        new = services.reissue_code(tenant=g.tenant, actor=current_user, code=code, reason=data["reason"])
    except services.OwnerError as error:
        db.session.rollback()
        return domain_error(error)
    db.session.commit()
    return jsonify(schemas.ReissuedSchema().dump({"revoked": code, "issued": new})), 201


@api_bp.get("/my/units")
@api_permission(Action.VIEW_OWN_UNITS)
def my_units():
    """The caller's bound units (owners)."""
    return jsonify(schemas.OwnedUnitSchema(many=True).dump(services.owned_units(current_user.id)))


def _ok(schema: str, many: bool = False, status: str = "200", description: str = "OK") -> dict:
    ref = {"$ref": f"#/components/schemas/{schema}"}
    content = {"type": "array", "items": ref} if many else ref
    return {status: {"description": description, "content": {"application/json": {"schema": content}}}}


_CONFLICT = {"409": {"description": "The code is no longer active (used or revoked).", "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
_P = "/api/v1/t/{tenant_slug}"
OPENAPI_OPERATIONS: list = [
    (f"{_P}/claim-codes/communities/{{community_id}}", "get",
     "Claim-code status per building of a community (committee members: their own community only).",
     _ok("CommunityCodes"), (401, 403, 404)),
    (f"{_P}/claim-codes/buildings/{{building_id}}", "get",
     "The units of a building with their active claim code and number of bound accounts.",
     _ok("BuildingCodes"), (401, 403, 404)),
    (f"{_P}/claim-codes/buildings/{{building_id}}/issue", "post",
     "Issue a claim code for every unit of the building that has none active.",
     _ok("ClaimCodesIssued", status="201", description="Issued"), (401, 403, 404, 415, 422), "ClaimCodesIssueRequest"),
    (f"{_P}/claim-codes/{{code_id}}/revoke", "post", "Revoke an active claim code (reason required).",
     {**_ok("ClaimCode"), **_CONFLICT}, (401, 403, 404, 415, 422), "ClaimCodeReason"),
    (f"{_P}/claim-codes/{{code_id}}/reissue", "post",
     "Revoke an active claim code and issue a new one for the same unit (reason required).",
     {**_ok("ClaimCodeReissued", status="201", description="Reissued"), **_CONFLICT}, (401, 403, 404, 415, 422),
     "ClaimCodeReason"),
    (f"{_P}/my/units", "get", "The caller's bound units (owners only).", _ok("OwnedUnit", many=True), (401, 403, 404)),
]
# Nested schemas first: apispec registers a nested schema by itself otherwise, and then refuses the
# same name a second time. Names carry the feature so they cannot clash with another feature's.
OPENAPI_SCHEMAS: dict = {
    "BuildingCodesSummary": schemas.BuildingCodesSummarySchema,
    "UnitCodes": schemas.UnitCodesSchema,
    "ClaimCode": schemas.ClaimCodeSchema,
    "CommunityCodes": schemas.CommunityCodesSchema,
    "BuildingCodes": schemas.BuildingCodesSchema,
    "ClaimCodesIssueRequest": schemas.IssueRequestSchema,
    "ClaimCodesIssued": schemas.IssuedSchema,
    "ClaimCodeReason": schemas.ReasonSchema,
    "ClaimCodeReissued": schemas.ReissuedSchema,
    "OwnedUnit": schemas.OwnedUnitSchema,
}
