"""Figures shown on the dashboard, counted inside the current tenant."""
from __future__ import annotations

from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.communities.models import Area, Community, Unit
from portal.communities.services import visible_community_ids
from portal.extensions import db
from portal.firms.models import Firm
from portal.firms.services import visible_firm_ids
from tenants.context import current_tenant_id


def _count(stmt) -> int:
    return db.session.scalar(stmt) or 0


def tenant_counts() -> dict[str, int]:
    """The current tenant's registry figures, counted now (uncached; see registry_counts)."""
    return {
        "top_areas": _count(sa.select(sa.func.count(Area.id)).where(Area.parent_id.is_(None))),
        "communities": _count(sa.select(sa.func.count(Community.id))),
        "firms": _count(sa.select(sa.func.count(Firm.id))),
        "units": _count(sa.select(sa.func.count(Unit.id))),
    }


def registry_counts(memberships: Iterable | None = None) -> dict[str, int]:
    """The tenant's registry figures; with ``memberships``, only what those roles may see.

    ``top_areas`` are a bureau's streets or a firm's branches (areas without a parent).

    A street officer or a firm's staff reading the county's totals would take them for their own
    (and learn figures their role does not show them anywhere else).
    """
    community_ids = visible_community_ids(memberships) if memberships is not None else None
    if community_ids is None:
        # The whole tenant's figures are the public ones: counted once per change, not per visit
        # (a city's 1.5 M units take a second to count).
        from portal.dashboard.public import public_counts

        return public_counts(current_tenant_id())
    # Own aliases inside the subqueries, so none of them correlates to the outer query's table.
    inner = aliased(Community)
    area_ids = sa.select(inner.area_id).where(inner.id.in_(community_ids))
    parent = aliased(Area)
    street_ids = sa.union(area_ids, sa.select(parent.parent_id).where(parent.id.in_(area_ids)))
    firm_ids = visible_firm_ids(memberships)
    return {
        "top_areas": _count(sa.select(sa.func.count(Area.id)).where(Area.parent_id.is_(None),
                                                                   Area.id.in_(street_ids))),
        "communities": _count(sa.select(sa.func.count(Community.id)).where(Community.id.in_(community_ids))),
        "firms": _count(sa.select(sa.func.count(Firm.id)).where(Firm.id.in_(firm_ids)) if firm_ids is not None
                        else sa.select(sa.func.count(Firm.id))),
        "units": _count(sa.select(sa.func.count(Unit.id)).where(Unit.community_id.in_(community_ids))),
    }


def projects_by_branch(memberships: Iterable) -> list[dict]:
    """A firm tenant's projects and units per branch (a region counts under its branch), over what
    ``memberships`` may see; projects without an area come last under no name."""
    community_ids = visible_community_ids(memberships)
    parent = aliased(Area)
    branch_id = sa.func.coalesce(parent.id, Area.id)
    branch_name = sa.func.coalesce(parent.name, Area.name)
    units = (sa.select(Unit.community_id, sa.func.count(Unit.id).label("units"))
             .group_by(Unit.community_id).subquery())
    stmt = (sa.select(branch_id.label("id"), branch_name.label("name"),
                      sa.func.count(Community.id).label("projects"),
                      sa.func.coalesce(sa.func.sum(units.c.units), 0).label("units"))
            .select_from(Community)
            .outerjoin(Area, Area.id == Community.area_id)
            .outerjoin(parent, parent.id == Area.parent_id)
            .outerjoin(units, units.c.community_id == Community.id)
            .group_by(branch_id, branch_name)
            .order_by(sa.func.count(Community.id).desc(), branch_name))
    if community_ids is not None:
        stmt = stmt.where(Community.id.in_(community_ids))
    return [dict(row._mapping) for row in db.session.execute(stmt)]


def project_team_size(memberships: Iterable) -> int:
    """Active project managers and staff of the projects ``memberships`` may see."""
    from tenants.models import Membership
    from tenants.roles import Role

    stmt = sa.select(sa.func.count(Membership.id)).where(
        Membership.is_active, Membership.role.in_((Role.PROJECT_MANAGER, Role.PROJECT_STAFF)))
    community_ids = visible_community_ids(memberships)
    if community_ids is not None:
        stmt = stmt.where(Membership.community_id.in_(community_ids))
    return _count(stmt)
