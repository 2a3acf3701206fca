"""A second area with a small community that none of a test world's bound roles can see."""
from __future__ import annotations

from decimal import Decimal

from portal.communities.models import Area, AreaKind, Building, Community, Unit
from portal.extensions import db
from tenants import tenant_scope
from tenants.models import Tenant


def add_hidden_community(app, tenant_id: int, *, area_kind: AreaKind, area_name: str, community_name: str,
                         units: int) -> int:
    """A new top-level area holding one community with one building of ``units`` units; returns the community id."""
    with app.app_context(), tenant_scope(db.session.get(Tenant, tenant_id)):
        area = Area(kind=area_kind, name=area_name)
        db.session.add(area)
        db.session.flush()
        community = Community(name=community_name, area_id=area.id)
        db.session.add(community)
        db.session.flush()
        building = Building(community_id=community.id, name="1号楼")
        db.session.add(building)
        db.session.flush()
        db.session.add_all([Unit(community_id=community.id, building_id=building.id, room=f"10{i + 1}",
                                 floor_area=Decimal("70.00")) for i in range(units)])
        db.session.commit()
        return community.id
