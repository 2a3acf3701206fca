"""Figures shown on the dashboard, counted inside the current tenant."""
from __future__ import annotations

import sqlalchemy as sa

from portal.communities.models import Area, AreaKind, Community, Unit
from portal.extensions import db
from portal.firms.models import Firm


def registry_counts() -> dict[str, int]:
    def count(stmt):
        return db.session.scalar(stmt) or 0

    return {
        "streets": count(sa.select(sa.func.count(Area.id)).where(Area.kind == AreaKind.STREET)),
        "communities": count(sa.select(sa.func.count(Community.id))),
        "firms": count(sa.select(sa.func.count(Firm.id))),
        "units": count(sa.select(sa.func.count(Unit.id))),
    }
