"""JSON API of firms, project managers and contracts."""
from __future__ import annotations

import sqlalchemy as sa
from flask import g
from flask_login import current_user

from portal.api.framework import ApiBlueprint, Pager, page_of
from portal.communities.services import local_today
from portal.extensions import db
from portal.firms import services
from portal.firms.models import Contract, Firm, ProjectManager
from portal.firms.schemas import (
    ContractEndSchema,
    ContractQuerySchema,
    ContractSchema,
    ContractUpdateSchema,
    FirmQuerySchema,
    FirmSchema,
    ManagerSchema,
)
from portal.permissions import Action

api_bp = ApiBlueprint("firms_api", __name__, description="Property-service firms, project managers and contracts.")


def sees_firm(firm: Firm) -> bool:
    return services.can_see_firm(g.memberships, firm.id)


def sees_contract(contract: Contract) -> bool:
    return db.session.scalar(services.visible_contracts(g.memberships).with_only_columns(Contract.id)
                             .where(Contract.id == contract.id)) is not None


# --- firms ------------------------------------------------------------------------------------------

@api_bp.get("/firms")
@api_bp.requires(Action.VIEW_REGISTRY)
@api_bp.arguments(FirmQuerySchema, location="query")
@api_bp.etag
@api_bp.response(200, FirmSchema(many=True))
@api_bp.paginate(Pager)
def list_firms(query):
    """Firms the caller may see, by name; filter by words of the name, credit code or contact."""
    return services.filtered_firms(g.memberships, q=query.get("q"))


@api_bp.post("/firms")
@api_bp.requires(Action.MANAGE_REGISTRY)
@api_bp.arguments(FirmSchema)
@api_bp.response(201, FirmSchema)
def create_firm(data):
    """Register a firm (credit code checked per GB 32100-2015; name and code unique)."""
    return services.create_firm(tenant=g.tenant, actor=current_user, values=data)


@api_bp.get("/firms/<id:firm_id>")
@api_bp.requires(Action.VIEW_REGISTRY)
@api_bp.loads(Firm, "firm_id", sees_firm)
@api_bp.response(200, FirmSchema)
def get_firm(firm: Firm):
    """One firm."""
    return firm


@api_bp.patch("/firms/<id:firm_id>")
@api_bp.requires(Action.MANAGE_REGISTRY)
@api_bp.loads(Firm, "firm_id")
@api_bp.arguments(FirmSchema(partial=True))
@api_bp.response(200, FirmSchema)
def update_firm(data, firm: Firm):
    """Change some fields of a firm."""
    services.update_firm(tenant=g.tenant, actor=current_user, firm=firm, values=data)
    return firm


# --- project managers -------------------------------------------------------------------------------

@api_bp.get("/firms/<id:firm_id>/managers")
@api_bp.requires(Action.VIEW_REGISTRY)
@api_bp.loads(Firm, "firm_id", sees_firm)
@api_bp.response(200, ManagerSchema(many=True))
@api_bp.paginate(Pager)
def list_managers(firm: Firm):
    """The firm's project managers."""
    return sa.select(ProjectManager).where(ProjectManager.firm_id == firm.id).order_by(ProjectManager.name,
                                                                                          ProjectManager.id)


@api_bp.post("/firms/<id:firm_id>/managers")
@api_bp.requires(Action.MANAGE_REGISTRY)
@api_bp.loads(Firm, "firm_id")
@api_bp.arguments(ManagerSchema)
@api_bp.response(201, ManagerSchema)
def create_manager(data, firm: Firm):
    """Add a project manager to the firm."""
    return services.add_manager(tenant=g.tenant, actor=current_user, firm=firm, values=data)


@api_bp.get("/managers/<id:manager_id>")
@api_bp.requires(Action.VIEW_REGISTRY)
@api_bp.loads(ProjectManager, "manager_id", lambda m: services.can_see_firm(g.memberships, m.firm_id))
@api_bp.response(200, ManagerSchema)
def get_manager(manager: ProjectManager):
    """One project manager."""
    return manager


@api_bp.patch("/managers/<id:manager_id>")
@api_bp.requires(Action.MANAGE_REGISTRY)
@api_bp.loads(ProjectManager, "manager_id")
@api_bp.arguments(ManagerSchema(partial=True))
@api_bp.response(200, ManagerSchema)
def update_manager(data, manager: ProjectManager):
    """Change a project manager."""
    services.update_manager(tenant=g.tenant, actor=current_user, manager=manager, values=data)
    return manager


# --- contracts --------------------------------------------------------------------------------------

def contract_payload(contracts) -> list[dict]:
    today = local_today()
    return [{"id": c.id, "firm_id": c.firm_id, "firm_name": c.firm.name, "community_id": c.community_id,
             "community_name": c.community.name, "manager_id": c.manager_id, "start_date": c.start_date,
             "end_date": c.end_date, "fee_model": c.fee_model, "grade": c.grade, "end_reason": c.end_reason,
             "in_force": c.is_current(today)} for c in contracts]


@api_bp.get("/contracts")
@api_bp.requires(Action.VIEW_REGISTRY)
@api_bp.arguments(ContractQuerySchema, location="query")
@api_bp.response(200, ContractSchema(many=True))
@api_bp.paginate()
def list_contracts(query, pagination_parameters):
    """Contracts the caller may see, newest first; filter by words of the community's or firm's name, by
    community, firm, in force today or not, state (in force, ended, not started yet)."""
    stmt = services.filtered_contracts(g.memberships, q=query.get("q"), community_id=query.get("community_id"),
                                       firm_id=query.get("firm_id"), state=query.get("state"))
    if "in_force" in query:
        current = services.in_force_on(local_today())
        stmt = stmt.where(current if query["in_force"] else sa.not_(current))
    return contract_payload(page_of(stmt, pagination_parameters))


@api_bp.post("/contracts")
@api_bp.requires(Action.MANAGE_REGISTRY)
@api_bp.arguments(ContractSchema)
@api_bp.response(201, ContractSchema)
def create_contract(data):
    """Add a contract; refused (422 on start_date, naming the clashing contract) if the community already
    has a contract in force on any of its days."""
    contract = services.create_contract(
        tenant=g.tenant, actor=current_user, firm_id=data["firm_id"], community_id=data["community_id"],
        start_date=data["start_date"], end_date=data.get("end_date"), fee_model=data["fee_model"],
        grade=data.get("grade"), manager_id=data.get("manager_id"))
    return contract_payload([contract])[0]


@api_bp.get("/contracts/<id:contract_id>")
@api_bp.requires(Action.VIEW_REGISTRY)
@api_bp.loads(Contract, "contract_id", sees_contract)
@api_bp.response(200, ContractSchema)
def get_contract(contract: Contract):
    """One contract."""
    return contract_payload([contract])[0]


@api_bp.patch("/contracts/<id:contract_id>")
@api_bp.requires(Action.MANAGE_REGISTRY)
@api_bp.loads(Contract, "contract_id")
@api_bp.arguments(ContractUpdateSchema)
@api_bp.response(200, ContractSchema)
def update_contract(data, contract: Contract):
    """Change a contract's fee model, grade or project manager."""
    services.update_contract(tenant=g.tenant, actor=current_user, contract=contract, values=data)
    return contract_payload([contract])[0]


@api_bp.post("/contracts/<id:contract_id>/end")
@api_bp.requires(Action.MANAGE_REGISTRY)
@api_bp.loads(Contract, "contract_id")
@api_bp.arguments(ContractEndSchema)
@api_bp.response(200, ContractSchema)
def end_contract(data, contract: Contract):
    """End a contract: its last day and the reason (audited); it stays in the community's history."""
    services.end_contract(tenant=g.tenant, actor=current_user, contract=contract, end_date=data["end_date"],
                          reason=data["reason"])
    return contract_payload([contract])[0]
