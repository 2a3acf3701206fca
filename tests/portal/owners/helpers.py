"""Shared helpers of the owners tests: reading tenant A's rows, and a second community in tenant A."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.communities.models import Building, Community, Unit
from portal.extensions import db
from portal.owners.models import ClaimCode, UnitBinding
from tenants import tenant_scope
from tenants.models import Tenant


def scoped(app, tenant_id: int, fn):
    """Run ``fn()`` inside tenant ``tenant_id`` and return its result (objects expunged)."""
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        with tenant_scope(tenant):
            result = fn()
        db.session.remove()
        return result


def codes_of(app, tenant_id: int, unit_id: int) -> list[tuple]:
    return scoped(app, tenant_id, lambda: [tuple(r) for r in db.session.execute(
        sa.select(ClaimCode.id, ClaimCode.status, ClaimCode.code_plain, ClaimCode.issued_by_id, ClaimCode.used_by_id,
                  ClaimCode.revoked_by_id).where(ClaimCode.unit_id == unit_id).order_by(ClaimCode.id))])


def active_codes(app, tenant_id: int, unit_id: int) -> list[str]:
    return [plain for _id, status, plain, *_ in codes_of(app, tenant_id, unit_id) if status.value == "active"]


def bindings_of(app, tenant_id: int, unit_id: int) -> list[tuple]:
    return scoped(app, tenant_id, lambda: [tuple(r) for r in db.session.execute(
        sa.select(UnitBinding.user_id, UnitBinding.revoked_at.is_(None)).where(UnitBinding.unit_id == unit_id)
        .order_by(UnitBinding.id))])


def audit_actions(app, tenant_id: int, prefix: str = "") -> list[tuple]:
    return scoped(app, tenant_id, lambda: [tuple(r) for r in db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.object_type, AuditEvent.object_id,
                  AuditEvent.reason).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id))])


@dataclass
class OtherCommunity:
    community_id: int
    building_id: int
    unit_ids: list[int]


def make_other_community(app, tenant_id: int, units: int = 3) -> OtherCommunity:
    """A second community of the tenant (no committee member of its own) with one building."""

    def build():
        community = Community(name="另一个小区", address="别处")
        db.session.add(community)
        db.session.flush()
        building = Building(community_id=community.id, name="9号楼")
        db.session.add(building)
        db.session.flush()
        ids = []
        for i in range(units):
            unit = Unit(community_id=community.id, building_id=building.id, entrance="2", room=f"{i + 1}01", floor=i + 1,
                        floor_area=Decimal("70.00"))
            db.session.add(unit)
            db.session.flush()
            ids.append(unit.id)
        db.session.commit()
        return OtherCommunity(community.id, building.id, ids)

    return scoped(app, tenant_id, build)
