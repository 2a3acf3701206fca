"""JSON API of the owners feature: claim codes per community and building, and an owner's own units."""
from __future__ import annotations

from flask import g
from flask_login import current_user

from portal.api.framework import ApiBlueprint, page_of
from portal.communities.models import Building, Community
from portal.communities.services import can_see_community
from portal.owners import schemas, services
from portal.owners.models import ClaimCode
from portal.permissions import Action

api_bp = ApiBlueprint("owners_api", __name__, description="Claim codes and owners' units.")


def in_own_community(community_of):
    """Visible when the caller may manage the object's community (committee members: their own only)."""
    return lambda obj: can_see_community(g.memberships, community_of(obj))


@api_bp.get("/claim-codes/communities/<id:community_id>")
@api_bp.requires(Action.MANAGE_CLAIM_CODES)
@api_bp.loads(Community, "community_id", in_own_community(lambda c: c.id))
@api_bp.response(200, schemas.CommunityCodesSchema)
def community_codes(community: Community):
    """Claim-code status per building of a community: units, units with an unused code, units with a
    bound account (committee members: their own community only)."""
    return {"community_id": community.id, "community_name": community.name,
            "buildings": services.building_summaries(community)}


@api_bp.get("/claim-codes/buildings/<id:building_id>")
@api_bp.requires(Action.MANAGE_CLAIM_CODES)
@api_bp.loads(Building, "building_id", in_own_community(lambda b: b.community_id))
@api_bp.response(200, schemas.BuildingCodesSchema)
def building_codes(building: Building):
    """A building's claim-code figures: units, units with an unused code, units with a bound account (its
    units, page by page: ``/claim-codes/buildings/{building_id}/units``)."""
    summary = services.building_summary(building)
    return {"building_id": building.id, "building_name": building.name, "community_id": building.community_id,
            "units": summary.units, "active_codes": summary.active_codes, "bound_units": summary.bound_units}


@api_bp.get("/claim-codes/buildings/<id:building_id>/units")
@api_bp.requires(Action.MANAGE_CLAIM_CODES)
@api_bp.loads(Building, "building_id", in_own_community(lambda b: b.community_id))
@api_bp.arguments(schemas.BuildingUnitQuerySchema, location="query")
@api_bp.response(200, schemas.UnitCodesSchema(many=True))
@api_bp.paginate()
def building_units(query, pagination_parameters, building: Building):
    """The units of a building a page at a time, in the building's order, with their active claim code
    (readable while unused) and number of bound accounts; filter by words of the room or entrance, one
    entrance, and the code's state."""
    stmt = services.building_units(building, q=query.get("q"), entrance=query.get("entrance") or None,
                                   status=query.get("state"))
    return services.rows_of(page_of(stmt, pagination_parameters))


@api_bp.post("/claim-codes/buildings/<id:building_id>/issue")
@api_bp.requires(Action.MANAGE_CLAIM_CODES)
@api_bp.loads(Building, "building_id", in_own_community(lambda b: b.community_id))
@api_bp.arguments(schemas.IssueRequestSchema)
@api_bp.response(201, schemas.IssuedSchema)
def issue_codes(data, building: Building):
    """Issue a claim code for every unit of the building that has none active."""
    return {"issued": services.issue_codes(tenant=g.tenant, actor=current_user, building=building,
                                           include_bound=data["include_bound"])}


@api_bp.post("/claim-codes/<id:code_id>/revoke")
@api_bp.requires(Action.MANAGE_CLAIM_CODES)
@api_bp.loads(ClaimCode, "code_id", in_own_community(lambda c: c.unit.community_id))
@api_bp.arguments(schemas.ReasonSchema)
@api_bp.response(200, schemas.ClaimCodeSchema)
@api_bp.answers(409)
def revoke_code(data, code: ClaimCode):
    """Revoke an active claim code (reason required); 409 if it is no longer active (used or revoked)."""
    services.revoke_code(tenant=g.tenant, actor=current_user, code=code, reason=data["reason"])
    return code


@api_bp.post("/claim-codes/<id:code_id>/reissue")
@api_bp.requires(Action.MANAGE_CLAIM_CODES)
@api_bp.loads(ClaimCode, "code_id", in_own_community(lambda c: c.unit.community_id))
@api_bp.arguments(schemas.ReasonSchema)
@api_bp.response(201, schemas.ReissuedSchema)
@api_bp.answers(409)
def reissue_code(data, code: ClaimCode):
    """Revoke an active claim code and issue a new one for the same unit (reason required); 409 if it is
    no longer active."""
    new = services.reissue_code(tenant=g.tenant, actor=current_user, code=code, reason=data["reason"])
    return {"revoked": code, "issued": new}


@api_bp.get("/my/units")
@api_bp.requires(Action.VIEW_OWN_UNITS)
@api_bp.response(200, schemas.OwnedUnitSchema(many=True))
@api_bp.paginate()
def my_units(pagination_parameters):
    """The caller's bound units (owners only)."""
    bindings = page_of(services.owned_bindings(current_user.id), pagination_parameters)
    return services.owned_units(current_user.id, bindings)
