"""Figures shown on the dashboard, counted inside the current tenant."""
from __future__ import annotations

from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.communities.models import Area, AreaKind, Community, Unit
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
        "streets": _count(sa.select(sa.func.count(Area.id)).where(Area.kind == AreaKind.STREET)),
        "communities": _count(sa.select(sa.func.count(Community.id))),
        "firms": _count(sa.select(sa.func.count(Firm.id))),
        "units": _count(sa.select(sa.func.count(Unit.id))),
    }


def registry_counts(memberships: Iterable | None = None) -> dict[str, int]:
    """The tenant's registry figures; with ``memberships``, only what those roles may see.

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
        "streets": _count(sa.select(sa.func.count(Area.id)).where(Area.kind == AreaKind.STREET,
                                                                 Area.id.in_(street_ids))),
        "communities": _count(sa.select(sa.func.count(Community.id)).where(Community.id.in_(community_ids))),
        "firms": _count(sa.select(sa.func.count(Firm.id)).where(Firm.id.in_(firm_ids)) if firm_ids is not None
                        else sa.select(sa.func.count(Firm.id))),
        "units": _count(sa.select(sa.func.count(Unit.id)).where(Unit.community_id.in_(community_ids))),
    }
