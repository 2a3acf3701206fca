"""JSON API of firms, project managers and contracts (see OPENAPI_OPERATIONS)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, g, jsonify
from flask_login import current_user

from portal.api.openapi import _ok
from portal.api.views import api_permission, load_json, load_query
from portal.communities.services import local_today, visible_community_ids
from portal.extensions import db
from portal.guards import scoped_or_none
from portal.api.errors import domain_error, json_error
from portal.firms import services
from portal.firms.models import Contract, Firm, ProjectManager
from portal.firms.schemas import (
    ContractEndSchema,
    ContractQuerySchema,
    ContractSchema,
    ContractUpdateSchema,
    FirmSchema,
    ManagerSchema,
)
from portal.permissions import Action
from tenants.roles import Role

api_bp = Blueprint("firms_api", __name__, url_prefix="/api/v1/t/<tenant_slug>")


def visible_firm(firm_id: int) -> Firm | None:
    firm = scoped_or_none(Firm, firm_id)
    if firm is None or not services.can_see_firm(g.memberships, firm.id):
        return None
    return firm


def visible_contracts() -> sa.Select:
    """Contracts of communities the caller may see, plus every contract of a firm staff member's own firm."""
    stmt = sa.select(Contract).order_by(Contract.start_date.desc(), Contract.id.desc())
    ids = visible_community_ids(g.memberships)
    if ids is None:
        return stmt
    own = [m.firm_id for m in g.memberships if m.is_active and m.role == Role.FIRM_STAFF and m.firm_id]
    return stmt.where(sa.or_(Contract.community_id.in_(ids), Contract.firm_id.in_(own)))


# --- firms ------------------------------------------------------------------------------------------

@api_bp.get("/firms")
@api_permission(Action.VIEW_REGISTRY)
def list_firms():
    """Firms the caller may see."""
    return jsonify(FirmSchema(many=True).dump(db.session.scalars(services.visible_firms(g.memberships)).all()))


@api_bp.post("/firms")
@api_permission(Action.MANAGE_REGISTRY)
def create_firm():
    data = load_json(FirmSchema())
    try:
        firm = services.create_firm(tenant=g.tenant, actor=current_user, values=data)
    except services.RegistryError as error:
        return domain_error(error)
    db.session.commit()
    return jsonify(FirmSchema().dump(firm)), 201


@api_bp.get("/firms/<int:firm_id>")
@api_permission(Action.VIEW_REGISTRY)
def get_firm(firm_id: int):
    firm = visible_firm(firm_id)
    if firm is None:
        return json_error(404)
    return jsonify(FirmSchema().dump(firm))


@api_bp.patch("/firms/<int:firm_id>")
@api_permission(Action.MANAGE_REGISTRY)
def update_firm(firm_id: int):
    firm = scoped_or_none(Firm, firm_id)
    if firm is None:
        return json_error(404)
    data = load_json(FirmSchema(partial=True))
    try:
        services.update_firm(tenant=g.tenant, actor=current_user, firm=firm, values=data)
    except services.RegistryError as error:
        return domain_error(error)
    db.session.commit()
    return jsonify(FirmSchema().dump(firm))


# --- project managers -------------------------------------------------------------------------------

@api_bp.get("/firms/<int:firm_id>/managers")
@api_permission(Action.VIEW_REGISTRY)
def list_managers(firm_id: int):
    firm = visible_firm(firm_id)
    if firm is None:
        return json_error(404)
    return jsonify(ManagerSchema(many=True).dump(services.managers_of(firm.id)))


@api_bp.post("/firms/<int:firm_id>/managers")
@api_permission(Action.MANAGE_REGISTRY)
def create_manager(firm_id: int):
    firm = scoped_or_none(Firm, firm_id)
    if firm is None:
        return json_error(404)
    data = load_json(ManagerSchema())
    try:
        manager = services.add_manager(tenant=g.tenant, actor=current_user, firm=firm, values=data)
    except services.RegistryError as error:
        return domain_error(error)
    db.session.commit()
    return jsonify(ManagerSchema().dump(manager)), 201


@api_bp.get("/managers/<int:manager_id>")
@api_permission(Action.VIEW_REGISTRY)
def get_manager(manager_id: int):
    manager = scoped_or_none(ProjectManager, manager_id)
    if manager is None or visible_firm(manager.firm_id) is None:
        return json_error(404)
    return jsonify(ManagerSchema().dump(manager))


@api_bp.patch("/managers/<int:manager_id>")
@api_permission(Action.MANAGE_REGISTRY)
def update_manager(manager_id: int):
    manager = scoped_or_none(ProjectManager, manager_id)
    if manager is None:
        return json_error(404)
    data = load_json(ManagerSchema(partial=True))
    try:
        services.update_manager(tenant=g.tenant, actor=current_user, manager=manager, values=data)
    except services.RegistryError as error:
        return domain_error(error)
    db.session.commit()
    return jsonify(ManagerSchema().dump(manager))


# --- contracts --------------------------------------------------------------------------------------

def contract_payload(contracts) -> list[dict]:
    today = local_today()
    return ContractSchema(many=True).dump([{
        "id": c.id, "firm_id": c.firm_id, "firm_name": c.firm.name, "community_id": c.community_id,
        "community_name": c.community.name, "manager_id": c.manager_id, "start_date": c.start_date,
        "end_date": c.end_date, "fee_model": c.fee_model.value, "grade": c.grade.value, "end_reason": c.end_reason,
        "in_force": c.is_current(today)} for c in contracts])


@api_bp.get("/contracts")
@api_permission(Action.VIEW_REGISTRY)
def list_contracts():
    """Contracts the caller may see, newest first; filter by community, firm, in force today."""
    query = load_query(ContractQuerySchema())
    stmt = visible_contracts()
    if query.get("community_id"):
        stmt = stmt.where(Contract.community_id == query["community_id"])
    if query.get("firm_id"):
        stmt = stmt.where(Contract.firm_id == query["firm_id"])
    rows = list(db.session.scalars(stmt))
    if "in_force" in query:
        today = local_today()
        rows = [c for c in rows if c.is_current(today) == query["in_force"]]
    return jsonify(contract_payload(rows))


@api_bp.post("/contracts")
@api_permission(Action.MANAGE_REGISTRY)
def create_contract():
    data = load_json(ContractSchema())
    try:
        contract = services.create_contract(
            tenant=g.tenant, actor=current_user, firm_id=data["firm_id"], community_id=data["community_id"],
            start_date=data["start_date"], end_date=data.get("end_date"), fee_model=data["fee_model"],
            grade=data.get("grade"), manager_id=data.get("manager_id"))
    except services.RegistryError as error:
        return domain_error(error)
    db.session.commit()
    return jsonify(contract_payload([contract])[0]), 201


@api_bp.get("/contracts/<int:contract_id>")
@api_permission(Action.VIEW_REGISTRY)
def get_contract(contract_id: int):
    contract = db.session.scalar(visible_contracts().where(Contract.id == contract_id))
    if contract is None:
        return json_error(404)
    return jsonify(contract_payload([contract])[0])


@api_bp.patch("/contracts/<int:contract_id>")
@api_permission(Action.MANAGE_REGISTRY)
def update_contract(contract_id: int):
    contract = scoped_or_none(Contract, contract_id)
    if contract is None:
        return json_error(404)
    data = load_json(ContractUpdateSchema())
    try:
        services.update_contract(tenant=g.tenant, actor=current_user, contract=contract, values=data)
    except services.RegistryError as error:
        return domain_error(error)
    db.session.commit()
    return jsonify(contract_payload([contract])[0])


@api_bp.post("/contracts/<int:contract_id>/end")
@api_permission(Action.MANAGE_REGISTRY)
def end_contract(contract_id: int):
    contract = scoped_or_none(Contract, contract_id)
    if contract is None:
        return json_error(404)
    data = load_json(ContractEndSchema())
    try:
        services.end_contract(tenant=g.tenant, actor=current_user, contract=contract, end_date=data["end_date"],
                              reason=data["reason"])
    except services.RegistryError as error:
        return domain_error(error)
    db.session.commit()
    return jsonify(contract_payload([contract])[0])


P = "/api/v1/t/{tenant_slug}"
READ = (401, 403, 404)
WRITE = (401, 403, 404, 415, 422)
OPENAPI_OPERATIONS = [
    (f"{P}/firms", "get", "Firms the caller may see.", _ok("Firm", many=True), READ),
    (f"{P}/firms", "post", "Register a firm (credit code checked per GB 32100-2015; name and code unique).",
     _ok("Firm", status="201", description="Created"), WRITE, "Firm"),
    (f"{P}/firms/{{firm_id}}", "get", "One firm.", _ok("Firm"), READ),
    (f"{P}/firms/{{firm_id}}", "patch", "Change some fields of a firm.", _ok("Firm"), WRITE, "Firm"),
    (f"{P}/firms/{{firm_id}}/managers", "get", "The firm's project managers.", _ok("ProjectManager", many=True), READ),
    (f"{P}/firms/{{firm_id}}/managers", "post", "Add a project manager to the firm.",
     _ok("ProjectManager", status="201", description="Created"), WRITE, "ProjectManager"),
    (f"{P}/managers/{{manager_id}}", "get", "One project manager.", _ok("ProjectManager"), READ),
    (f"{P}/managers/{{manager_id}}", "patch", "Change a project manager.", _ok("ProjectManager"), WRITE,
     "ProjectManager"),
    (f"{P}/contracts", "get", "Contracts the caller may see, newest first.", _ok("Contract", many=True),
     (401, 403, 404, 422), None, ContractQuerySchema),
    (f"{P}/contracts", "post", "Add a contract; refused (422 on start_date, naming the clashing contract) if the "
     "community already has a contract in force on any of its days.", _ok("Contract", status="201",
                                                                       description="Created"), WRITE, "Contract"),
    (f"{P}/contracts/{{contract_id}}", "get", "One contract.", _ok("Contract"), READ),
    (f"{P}/contracts/{{contract_id}}", "patch", "Change a contract's fee model, grade or project manager.",
     _ok("Contract"), WRITE, "ContractUpdate"),
    (f"{P}/contracts/{{contract_id}}/end", "post", "End a contract: its last day and the reason (audited); it stays "
     "in the community's history.", _ok("Contract"), WRITE, "ContractEnd"),
]
OPENAPI_SCHEMAS = {"Firm": FirmSchema, "ProjectManager": ManagerSchema, "Contract": ContractSchema,
                   "ContractUpdate": ContractUpdateSchema, "ContractEnd": ContractEndSchema}
