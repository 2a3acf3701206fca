"""Registry rules shared by every feature: which communities a member may see and act on."""
from __future__ import annotations

import datetime as dt
from typing import Iterable

import sqlalchemy as sa

from portal.communities.models import Area, Community
from portal.extensions import db
from tenants.roles import Role

_ALL = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})


def area_and_children(area_id: int) -> sa.Select:
    """The area itself and the community offices under it (a street sees all its offices)."""
    return sa.select(Area.id).where(sa.or_(Area.id == area_id, Area.parent_id == area_id))


def visible_community_ids(memberships: Iterable, today: dt.date | None = None) -> sa.Select | None:
    """A SELECT of the community ids these memberships may see, or None for "every community".

    Bureau roles see the whole tenant; an officer sees the communities in their area; a committee
    member their own community; firm staff the communities their firm serves under a current
    contract; an owner the communities of their bound units.
    """
    memberships = [m for m in memberships if m.is_active]
    if any(m.role in _ALL for m in memberships):
        return None
    today = today or dt.date.today()
    parts: list[sa.Select] = []
    for m in memberships:
        if m.role == Role.AREA_OFFICER and m.area_id:
            parts.append(sa.select(Community.id).where(Community.area_id.in_(area_and_children(m.area_id))))
        elif m.role == Role.COMMITTEE_MEMBER and m.community_id:
            parts.append(sa.select(Community.id).where(Community.id == m.community_id))
        elif m.role == Role.FIRM_STAFF and m.firm_id:
            from portal.firms.models import Contract

            parts.append(sa.select(Contract.community_id).where(
                Contract.firm_id == m.firm_id, Contract.start_date <= today,
                sa.or_(Contract.end_date.is_(None), Contract.end_date >= today)))
        elif m.role == Role.OWNER:
            from portal.communities.models import Unit
            from portal.owners.models import UnitBinding

            parts.append(sa.select(Unit.community_id).join(UnitBinding, UnitBinding.unit_id == Unit.id).where(
                UnitBinding.user_id == m.user_id, UnitBinding.revoked_at.is_(None)))
    if not parts:
        return sa.select(Community.id).where(sa.false())
    return sa.union(*parts) if len(parts) > 1 else parts[0]


def visible_communities(memberships: Iterable) -> sa.Select:
    """A SELECT of Community rows restricted to what ``memberships`` may see (tenant-scoped as always)."""
    stmt = sa.select(Community).order_by(Community.name)
    ids = visible_community_ids(memberships)
    if ids is not None:
        stmt = stmt.where(Community.id.in_(ids))
    return stmt


def can_see_community(memberships: Iterable, community_id: int) -> bool:
    ids = visible_community_ids(memberships)
    if ids is None:
        return True
    return community_id in set(db.session.scalars(ids))
