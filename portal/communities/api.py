"""JSON API of the registry: areas, communities, buildings, owners' committees."""
from __future__ import annotations

import sqlalchemy as sa
from flask import g
from flask_login import current_user

from portal.api.framework import ApiBlueprint, Pager, api_abort, page_of
from portal.communities import committees, services
from portal.communities.models import Area, Building, Community
from portal.communities.schemas import (
    AreaQuerySchema,
    AreaSchema,
    AreaUpdateSchema,
    BuildingSchema,
    CommitteeSchema,
    CommunityQuerySchema,
    CommunitySchema,
)
from portal.extensions import db
from portal.permissions import Action, can

api_bp = ApiBlueprint("communities_api", __name__, description="The registry: areas, communities, buildings, "
                                                               "owners' committees.")


def sees_community(community: Community) -> bool:
    return services.can_see_community(g.memberships, community.id)


# --- areas ------------------------------------------------------------------------------------------

@api_bp.get("/areas")
@api_bp.requires(Action.VIEW_REGISTRY)
@api_bp.arguments(AreaQuerySchema, location="query")
@api_bp.etag
@api_bp.response(200, AreaSchema(many=True))
@api_bp.paginate(Pager)
def list_areas(query):
    """Streets and community offices the caller may see, each street followed by its offices; filter by
    words of the name and by kind."""
    stmt = services.searched_areas(g.memberships, query.get("q"))
    return stmt.where(Area.kind == query["kind"]) if query.get("kind") else stmt


@api_bp.post("/areas")
@api_bp.requires(Action.MANAGE_REGISTRY)
@api_bp.arguments(AreaSchema)
@api_bp.response(201, AreaSchema)
def create_area(data):
    """Add a street or a community office (under a street; names unique per parent)."""
    return services.create_area(tenant=g.tenant, actor=current_user, kind=data["kind"], name=data["name"],
                                parent_id=data.get("parent_id"))


@api_bp.get("/areas/<id:area_id>")
@api_bp.requires(Action.VIEW_REGISTRY)
@api_bp.loads(Area, "area_id", lambda a: services.can_see_area(g.memberships, a.id))
@api_bp.response(200, AreaSchema)
def get_area(area: Area):
    """One area."""
    return area


@api_bp.patch("/areas/<id:area_id>")
@api_bp.requires(Action.MANAGE_REGISTRY)
@api_bp.loads(Area, "area_id")
@api_bp.arguments(AreaUpdateSchema)
@api_bp.response(200, AreaSchema)
def update_area(data, area: Area):
    """Rename an area."""
    services.rename_area(tenant=g.tenant, actor=current_user, area=area, name=data["name"])
    return area


# --- communities ------------------------------------------------------------------------------------

def community_payload(communities: list[Community]) -> list[dict]:
    """Communities as the API shows them: the account number in full only to registry managers."""
    from portal.firms.services import current_contracts

    full = can(g.memberships, Action.MANAGE_REGISTRY)
    ids = [c.id for c in communities]
    units = services.unit_counts(ids) if ids else {}
    contracts = current_contracts(ids, brief=True) if ids else {}
    rows = []
    for c in communities:
        contract = contracts.get(c.id)
        rows.append({
            "id": c.id, "name": c.name, "address": c.address, "area_id": c.area_id,
            "area_name": c.area.name if c.area else None, "service_grade": c.service_grade,
            "declared_units": c.declared_units, "unit_count": units.get(c.id, 0), "revenue_bank": c.revenue_bank,
            "revenue_account_name": c.revenue_account_name,
            "revenue_account_number": c.revenue_account_number if full else c.masked_account_number,
            "current_contract_id": contract.id if contract else None,
            "current_firm_id": contract.firm_id if contract else None,
        })
    return rows


@api_bp.get("/communities")
@api_bp.requires(Action.VIEW_REGISTRY)
@api_bp.arguments(CommunityQuerySchema, location="query")
@api_bp.etag
@api_bp.response(200, CommunitySchema(many=True))
@api_bp.paginate()
def list_communities(query, pagination_parameters):
    """Communities the caller may see, with unit counts and the current firm (the bureau: all; an officer:
    their area; firm staff: served now), by name; filter by words of the name or address, area, grade,
    the firm serving now, with or without a contract. The revenue account number is masked unless the
    caller manages the registry."""
    stmt = services.filtered_communities(g.memberships, q=query.get("q"), area_id=query.get("area_id"),
                                         grade=query.get("grade"), firm_id=query.get("firm_id"),
                                         served=query.get("has_contract"))
    return community_payload(page_of(stmt, pagination_parameters))


@api_bp.post("/communities")
@api_bp.requires(Action.MANAGE_REGISTRY)
@api_bp.arguments(CommunitySchema)
@api_bp.response(201, CommunitySchema)
def create_community(data):
    """Register a community."""
    community = services.create_community(tenant=g.tenant, actor=current_user, values=data)
    return community_payload([community])[0]


@api_bp.get("/communities/<id:community_id>")
@api_bp.requires(Action.VIEW_REGISTRY)
@api_bp.loads(Community, "community_id", sees_community)
@api_bp.response(200, CommunitySchema)
def get_community(community: Community):
    """One community (404 if the caller may not see it)."""
    return community_payload([community])[0]


@api_bp.patch("/communities/<id:community_id>")
@api_bp.requires(Action.MANAGE_REGISTRY)
@api_bp.loads(Community, "community_id")
@api_bp.arguments(CommunitySchema(partial=True))
@api_bp.response(200, CommunitySchema)
def update_community(data, community: Community):
    """Change some fields of a community."""
    services.update_community(tenant=g.tenant, actor=current_user, community=community, values=data)
    return community_payload([community])[0]


# --- buildings --------------------------------------------------------------------------------------

def building_payload(buildings: list[Building], community_id: int) -> list[dict]:
    counts = services.building_unit_counts(community_id)
    return [{"id": b.id, "community_id": b.community_id, "name": b.name, "position": b.position,
             "unit_count": counts.get(b.id, 0)} for b in buildings]


@api_bp.get("/communities/<id:community_id>/buildings")
@api_bp.requires(Action.VIEW_REGISTRY)
@api_bp.loads(Community, "community_id", sees_community)
@api_bp.response(200, BuildingSchema(many=True))
@api_bp.paginate()
def list_buildings(community: Community, pagination_parameters):
    """The community's buildings with unit counts."""
    stmt = sa.select(Building).where(Building.community_id == community.id).order_by(Building.position, Building.name)
    return building_payload(page_of(stmt, pagination_parameters), community.id)


@api_bp.post("/communities/<id:community_id>/buildings")
@api_bp.requires(Action.MANAGE_REGISTRY)
@api_bp.loads(Community, "community_id")
@api_bp.arguments(BuildingSchema)
@api_bp.response(201, BuildingSchema)
def create_building(data, community: Community):
    """Add a building (names unique per community)."""
    building = services.add_building(tenant=g.tenant, actor=current_user, community=community, name=data["name"],
                                     position=data.get("position"))
    return building_payload([building], community.id)[0]


@api_bp.get("/buildings/<id:building_id>")
@api_bp.requires(Action.VIEW_REGISTRY)
@api_bp.loads(Building, "building_id", lambda b: services.can_see_community(g.memberships, b.community_id))
@api_bp.response(200, BuildingSchema)
def get_building(building: Building):
    """One building."""
    return building_payload([building], building.community_id)[0]


@api_bp.patch("/buildings/<id:building_id>")
@api_bp.requires(Action.MANAGE_REGISTRY)
@api_bp.loads(Building, "building_id")
@api_bp.arguments(BuildingSchema(partial=True))
@api_bp.response(200, BuildingSchema)
def update_building(data, building: Building):
    """Rename or reorder a building."""
    services.rename_building(tenant=g.tenant, actor=current_user, building=building,
                             name=data.get("name", building.name), position=data.get("position"))
    return building_payload([building], building.community_id)[0]


# --- owners' committee ------------------------------------------------------------------------------

def committee_payload(committee) -> dict:
    return {"id": committee.id, "community_id": committee.community_id, "term_start": committee.term_start,
            "term_end": committee.term_end, "filing_date": committee.filing_date, "filing_ref": committee.filing_ref,
            "filing_late": committees.filing_late(committee), "members": committee.members}


@api_bp.get("/communities/<id:community_id>/committee")
@api_bp.requires(Action.VIEW_REGISTRY)
@api_bp.loads(Community, "community_id", sees_community)
@api_bp.response(200, CommitteeSchema)
def get_committee(community: Community):
    """The owners' committee: term, filing, members (404 while none is registered)."""
    committee = committees.committee_of(community.id)
    if committee is None:
        api_abort(404)
    return committee_payload(committee)


@api_bp.put("/communities/<id:community_id>/committee")
@api_bp.requires(Action.MANAGE_REGISTRY)
@api_bp.loads(Community, "community_id")
@api_bp.arguments(CommitteeSchema)
@api_bp.response(200, CommitteeSchema)
def put_committee(data, community: Community):
    """Register or replace the owners' committee (term, filing and the whole member list, all or nothing)."""
    committee = committees.replace_committee(
        tenant=g.tenant, actor=current_user, community=community, term_start=data["term_start"],
        term_end=data["term_end"], filing_date=data.get("filing_date"), filing_ref=data.get("filing_ref", ""),
        members=data["members"])
    db.session.flush()
    db.session.expire(committee, ["members"])  # reloaded in the relationship's order: the director first
    return committee_payload(committee)
