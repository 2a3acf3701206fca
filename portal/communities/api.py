"""JSON API of the registry: areas, communities, buildings, owners' committees (see OPENAPI_OPERATIONS)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify
from flask_login import current_user

from portal.api.errors import domain_error, json_error
from portal.api.openapi import _ok
from portal.api.views import api_permission, load_json, load_query
from portal.communities import committees, services
from portal.communities.models import Area, AreaKind, Building, Community
from portal.communities.schemas import (
    AreaSchema,
    AreaUpdateSchema,
    BuildingSchema,
    CommitteeMemberSchema,
    CommitteeSchema,
    CommunityQuerySchema,
    CommunitySchema,
)
from portal.extensions import db
from portal.guards import scoped_or_none
from portal.permissions import Action, can

api_bp = Blueprint("communities_api", __name__, url_prefix="/api/v1/t/<tenant_slug>")


def visible_community(community_id: int) -> Community | None:
    community = scoped_or_none(Community, community_id)
    if community is None or not services.can_see_community(g.memberships, community.id):
        return None
    return community


# --- areas ------------------------------------------------------------------------------------------

@api_bp.get("/areas")
@api_permission(Action.VIEW_REGISTRY)
def list_areas():
    """Streets and community offices the caller may see."""
    return jsonify(AreaSchema(many=True).dump(services.visible_areas(g.memberships)))


@api_bp.post("/areas")
@api_permission(Action.MANAGE_REGISTRY)
def create_area():
    data = load_json(AreaSchema())
    try:
        area = services.create_area(tenant=g.tenant, actor=current_user, kind=AreaKind(data["kind"]), name=data["name"],
                                    parent_id=data.get("parent_id"))
    except services.RegistryError as error:
        return domain_error(error)
    db.session.commit()
    return jsonify(AreaSchema().dump(area)), 201


@api_bp.get("/areas/<int:area_id>")
@api_permission(Action.VIEW_REGISTRY)
def get_area(area_id: int):
    area = scoped_or_none(Area, area_id)
    if area is None or not services.can_see_area(g.memberships, area.id):
        return json_error(404)
    return jsonify(AreaSchema().dump(area))


@api_bp.patch("/areas/<int:area_id>")
@api_permission(Action.MANAGE_REGISTRY)
def update_area(area_id: int):
    area = scoped_or_none(Area, area_id)
    if area is None:
        return json_error(404)
    data = load_json(AreaUpdateSchema())
    try:
        services.rename_area(tenant=g.tenant, actor=current_user, area=area, name=data["name"])
    except services.RegistryError as error:
        return domain_error(error)
    db.session.commit()
    return jsonify(AreaSchema().dump(area))


# --- communities ------------------------------------------------------------------------------------

def community_payload(communities: list[Community]) -> list[dict]:
    """Communities as the API shows them: the account number in full only to registry managers."""
    from portal.firms.services import current_contracts

    full = can(g.memberships, Action.MANAGE_REGISTRY)
    ids = [c.id for c in communities]
    units = services.unit_counts(ids) if ids else {}
    contracts = current_contracts(ids) if ids else {}
    rows = []
    for c in communities:
        contract = contracts.get(c.id)
        rows.append({
            "id": c.id, "name": c.name, "address": c.address, "area_id": c.area_id,
            "area_name": c.area.name if c.area else None,
            "service_grade": c.service_grade.value if c.service_grade else None, "declared_units": c.declared_units,
            "unit_count": units.get(c.id, 0), "revenue_bank": c.revenue_bank,
            "revenue_account_name": c.revenue_account_name,
            "revenue_account_number": c.revenue_account_number if full else c.masked_account_number,
            "current_contract_id": contract.id if contract else None,
            "current_firm_id": contract.firm_id if contract else None,
        })
    return CommunitySchema(many=True).dump(rows)


@api_bp.get("/communities")
@api_permission(Action.VIEW_REGISTRY)
def list_communities():
    """Communities the caller may see (the bureau: all; an officer: their area; firm staff: served now)."""
    query = load_query(CommunityQuerySchema())
    stmt = services.visible_communities(g.memberships)
    if query.get("area_id"):
        stmt = stmt.where(Community.area_id.in_(services.area_and_children(query["area_id"])))
    return jsonify(community_payload(list(db.session.scalars(stmt))))


@api_bp.post("/communities")
@api_permission(Action.MANAGE_REGISTRY)
def create_community():
    data = load_json(CommunitySchema())
    try:
        community = services.create_community(tenant=g.tenant, actor=current_user, values=data)
    except services.RegistryError as error:
        return domain_error(error)
    db.session.commit()
    return jsonify(community_payload([community])[0]), 201


@api_bp.get("/communities/<int:community_id>")
@api_permission(Action.VIEW_REGISTRY)
def get_community(community_id: int):
    community = visible_community(community_id)
    if community is None:
        return json_error(404)
    return jsonify(community_payload([community])[0])


@api_bp.patch("/communities/<int:community_id>")
@api_permission(Action.MANAGE_REGISTRY)
def update_community(community_id: int):
    community = scoped_or_none(Community, community_id)
    if community is None:
        return json_error(404)
    data = load_json(CommunitySchema(partial=True))
    try:
        services.update_community(tenant=g.tenant, actor=current_user, community=community, values=data)
    except services.RegistryError as error:
        return domain_error(error)
    db.session.commit()
    return jsonify(community_payload([community])[0])


# --- buildings --------------------------------------------------------------------------------------

def building_payload(buildings: list[Building], community_id: int) -> list[dict]:
    counts = services.building_unit_counts(community_id)
    return BuildingSchema(many=True).dump([{"id": b.id, "community_id": b.community_id, "name": b.name,
                                             "position": b.position, "unit_count": counts.get(b.id, 0)}
                                            for b in buildings])


@api_bp.get("/communities/<int:community_id>/buildings")
@api_permission(Action.VIEW_REGISTRY)
def list_buildings(community_id: int):
    community = visible_community(community_id)
    if community is None:
        return json_error(404)
    return jsonify(building_payload(services.list_buildings(community.id), community.id))


@api_bp.post("/communities/<int:community_id>/buildings")
@api_permission(Action.MANAGE_REGISTRY)
def create_building(community_id: int):
    community = scoped_or_none(Community, community_id)
    if community is None:
        return json_error(404)
    data = load_json(BuildingSchema())
    try:
        building = services.add_building(tenant=g.tenant, actor=current_user, community=community, name=data["name"],
                                         position=data.get("position"))
    except services.RegistryError as error:
        return domain_error(error)
    db.session.commit()
    return jsonify(building_payload([building], community.id)[0]), 201


@api_bp.get("/buildings/<int:building_id>")
@api_permission(Action.VIEW_REGISTRY)
def get_building(building_id: int):
    building = scoped_or_none(Building, building_id)
    if building is None or visible_community(building.community_id) is None:
        return json_error(404)
    return jsonify(building_payload([building], building.community_id)[0])


@api_bp.patch("/buildings/<int:building_id>")
@api_permission(Action.MANAGE_REGISTRY)
def update_building(building_id: int):
    building = scoped_or_none(Building, building_id)
    if building is None:
        return json_error(404)
    data = load_json(BuildingSchema(partial=True))
    try:
        services.rename_building(tenant=g.tenant, actor=current_user, building=building,
                                 name=data.get("name", building.name), position=data.get("position"))
    except services.RegistryError as error:
        return domain_error(error)
    db.session.commit()
    return jsonify(building_payload([building], building.community_id)[0])


# --- owners' committee ------------------------------------------------------------------------------

def committee_payload(committee) -> dict:
    return CommitteeSchema().dump({
        "id": committee.id, "community_id": committee.community_id, "term_start": committee.term_start,
        "term_end": committee.term_end, "filing_date": committee.filing_date, "filing_ref": committee.filing_ref,
        "filing_late": committees.filing_late(committee),
        "members": [{"id": m.id, "name": m.name, "position": m.position.value, "phone": m.phone}
                    for m in committee.members]})


@api_bp.get("/communities/<int:community_id>/committee")
@api_permission(Action.VIEW_REGISTRY)
def get_committee(community_id: int):
    community = visible_community(community_id)
    committee = committees.committee_of(community.id) if community is not None else None
    if committee is None:
        return json_error(404)
    return jsonify(committee_payload(committee))


@api_bp.put("/communities/<int:community_id>/committee")
@api_permission(Action.MANAGE_REGISTRY)
def put_committee(community_id: int):
    community = scoped_or_none(Community, community_id)
    if community is None:
        return json_error(404)
    data = load_json(CommitteeSchema())
    try:
        committee = committees.replace_committee(
            tenant=g.tenant, actor=current_user, community=community, term_start=data["term_start"],
            term_end=data["term_end"], filing_date=data.get("filing_date"), filing_ref=data.get("filing_ref", ""),
            members=data["members"])
    except services.RegistryError as error:
        return domain_error(error)
    db.session.commit()
    return jsonify(committee_payload(committee))


P = "/api/v1/t/{tenant_slug}"
READ = (401, 403, 404)
WRITE = (401, 403, 404, 415, 422)
OPENAPI_OPERATIONS = [
    (f"{P}/areas", "get", "Streets and community offices the caller may see.", _ok("Area", many=True), READ),
    (f"{P}/areas", "post", "Add a street or a community office (under a street; names unique per parent).",
     _ok("Area", status="201", description="Created"), WRITE, "Area"),
    (f"{P}/areas/{{area_id}}", "get", "One area.", _ok("Area"), READ),
    (f"{P}/areas/{{area_id}}", "patch", "Rename an area.", _ok("Area"), WRITE, "AreaUpdate"),
    (f"{P}/communities", "get", "Communities the caller may see, with unit counts and the current firm; the "
     "revenue account number is masked unless the caller manages the registry.", _ok("Community", many=True),
     (401, 403, 404, 422), None, CommunityQuerySchema),
    (f"{P}/communities", "post", "Register a community.", _ok("Community", status="201", description="Created"),
     WRITE, "Community"),
    (f"{P}/communities/{{community_id}}", "get", "One community (404 if the caller may not see it).",
     _ok("Community"), READ),
    (f"{P}/communities/{{community_id}}", "patch", "Change some fields of a community.", _ok("Community"), WRITE,
     "Community"),
    (f"{P}/communities/{{community_id}}/buildings", "get", "The community's buildings with unit counts.",
     _ok("Building", many=True), READ),
    (f"{P}/communities/{{community_id}}/buildings", "post", "Add a building (names unique per community).",
     _ok("Building", status="201", description="Created"), WRITE, "Building"),
    (f"{P}/buildings/{{building_id}}", "get", "One building.", _ok("Building"), READ),
    (f"{P}/buildings/{{building_id}}", "patch", "Rename or reorder a building.", _ok("Building"), WRITE, "Building"),
    (f"{P}/communities/{{community_id}}/committee", "get", "The owners' committee: term, filing, members.",
     _ok("Committee"), READ),
    (f"{P}/communities/{{community_id}}/committee", "put", "Register or replace the owners' committee (term, filing "
     "and the whole member list, all or nothing).", _ok("Committee"), WRITE, "Committee"),
]
# CommitteeMember before Committee: apispec names the nested schema when it meets it.
OPENAPI_SCHEMAS = {"Area": AreaSchema, "AreaUpdate": AreaUpdateSchema, "Community": CommunitySchema,
                   "Building": BuildingSchema, "CommitteeMember": CommitteeMemberSchema, "Committee": CommitteeSchema}
