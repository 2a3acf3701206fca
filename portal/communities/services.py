"""Registry rules: which communities a member may see and act on; changes to areas, communities and
buildings (each audited). Owners' committees: portal.communities.committees."""
from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, joinedload

from portal.audit.services import record
from portal.communities.models import (
    Area,
    AreaKind,
    Building,
    Community,
    ServiceGrade,
    Unit,
    area_kinds_for,
)
from portal.domain import DomainError
from portal.extensions import db
from portal.listing import searched
from tenants import current_tenant
from tenants.roles import Role

_ALL = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})
_COMMUNITY_BOUND = frozenset({Role.COMMITTEE_MEMBER, Role.PROJECT_MANAGER, Role.PROJECT_STAFF})


def area_and_children(area_id: int) -> sa.Select:
    """The area itself and the community offices under it (a street sees all its offices)."""
    return sa.select(Area.id).where(sa.or_(Area.id == area_id, Area.parent_id == area_id))


def visible_community_ids(memberships: Iterable, today: dt.date | None = None) -> sa.Select | None:
    """A SELECT of the community ids these memberships may see, or None for "every community".

    Bureau roles (a firm tenant's administrator and head-office staff) see the whole tenant; an
    officer (a firm's branch/region manager) sees the communities in their area; a committee member
    or a project team member their own community (project); firm staff the communities their firm serves under a current
    contract; an owner the communities of their bound units.
    """
    memberships = [m for m in memberships if m.is_active]
    if any(m.role in _ALL for m in memberships):
        return None
    today = today or local_today()
    parts: list[sa.Select] = []
    for m in memberships:
        if m.role == Role.AREA_OFFICER and m.area_id:
            parts.append(sa.select(Community.id).where(Community.area_id.in_(area_and_children(m.area_id))))
        elif m.role in _COMMUNITY_BOUND and m.community_id:
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


def project_team(community_id: int) -> list:
    """A firm tenant's project team: the active managers and staff bound to this project, managers first."""
    from tenants.models import Membership

    rows = db.session.scalars(sa.select(Membership).where(
        Membership.community_id == community_id, Membership.is_active,
        Membership.role.in_((Role.PROJECT_MANAGER, Role.PROJECT_STAFF))))
    return sorted(rows, key=lambda m: (m.role != Role.PROJECT_MANAGER, m.user.display_name))


COMMUNITY_SORTS = ("name", "area", "grade")


def filtered_communities(memberships: Iterable, *, q: str | None = None, area_id: int | None = None,
                         grade: str | None = None, firm_id: int | None = None, served: bool | None = None,
                         sort: str = "name") -> sa.Select:
    """The communities ``memberships`` may see, narrowed by the list's filters; a filter only narrows.

    ``q``: words of the name or address; ``area_id``: an area (a street with its offices); ``grade``: a
    service grade value; ``firm_id``: served by that firm under a contract in force today; ``served``:
    with (True) or without (False) a contract in force today; ``sort``: one of COMMUNITY_SORTS.
    """
    from portal.firms.models import Contract
    from portal.firms.services import in_force_on
    stmt = searched(visible_communities(memberships), q, Community.name, Community.address)
    if area_id:
        stmt = stmt.where(Community.area_id.in_(area_and_children(area_id)))
    if grade:
        known = grade if isinstance(grade, ServiceGrade) else next((g for g in ServiceGrade if g.value == grade), None)
        stmt = stmt.where(Community.service_grade == known if known else sa.false())
    today = local_today()
    if firm_id:
        stmt = stmt.where(Community.id.in_(sa.select(Contract.community_id).where(
            Contract.firm_id == firm_id, in_force_on(today))))
    if served is not None:
        current = Community.id.in_(sa.select(Contract.community_id).where(in_force_on(today)))
        stmt = stmt.where(current if served else sa.not_(current))
    if sort == "area":
        area = aliased(Area)
        stmt = stmt.outerjoin(area, area.id == Community.area_id).order_by(None).order_by(area.name, Community.name)
    elif sort == "grade":
        stmt = stmt.order_by(None).order_by(Community.service_grade, Community.name)
    # Rows show "street · office": both areas come with the page's one query (the street's own selectin
    # did not reach through the community's joined area: one query per street on every list page).
    return stmt.order_by(Community.id).options(joinedload(Community.area).joinedload(Area.parent))


def can_see_community(memberships: Iterable, community_id: int) -> bool:
    ids = visible_community_ids(memberships)
    if ids is None:
        return True
    return community_id in set(db.session.scalars(ids))


# --- registry changes: areas, communities, buildings, owners' committees ---------------------------
# Services flush and record an audit event; the view (or API) commits once.

logger = logging.getLogger(__name__)

ACCOUNT_RE = re.compile(r"^\d{6,32}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")


class RegistryError(DomainError):
    """A registry rule broken by a change; ``field`` names the form/JSON field it belongs to."""


def local_today() -> dt.date:
    """Today in the tenant's time zone (a contract "in force today" is a local-calendar matter)."""
    from zoneinfo import ZoneInfo

    from flask import has_request_context

    zone = "Asia/Shanghai"
    if has_request_context():
        from portal.i18n import select_timezone

        zone = select_timezone()
    return dt.datetime.now(ZoneInfo(zone)).date()


def _clean(value) -> str:
    return (value or "").strip()


def _require_text(field: str, value, message) -> str:
    value = _clean(value)
    if not value:
        raise RegistryError(field, message)
    return value


# --- areas ------------------------------------------------------------------------------------------

def describe_area(area: Area) -> dict:
    return {"name": area.name, "kind": area.kind.value, "parent_id": area.parent_id}


def areas_in_order(stmt: sa.Select | None = None, street=None) -> sa.Select:
    """Areas with each street followed by its community offices, streets by name, offices by name.

    ``stmt``: a SELECT from Area to put in that order (all areas by default); ``street``: the alias of
    Area it joins as the parent, when ``stmt`` selects from that parent too."""
    street = aliased(Area) if street is None else street
    stmt = sa.select(Area) if stmt is None else stmt
    return (stmt.outerjoin(street, street.id == Area.parent_id)
            .order_by(sa.func.coalesce(street.name, Area.name), sa.func.coalesce(Area.parent_id, Area.id),
                      Area.parent_id.is_not(None), Area.name, Area.id))


def list_areas() -> list[Area]:
    """Streets first, each followed by its community offices (by name)."""
    return list(db.session.scalars(areas_in_order()))


def visible_area_ids(memberships: Iterable) -> sa.Select | None:
    """A SELECT of the area ids a member may see, or None for "every area" (the bureau): an officer's own
    area with its offices; else the areas of the communities they may see, with those areas' streets."""
    memberships = [m for m in memberships if m.is_active]
    ids = visible_community_ids(memberships)
    if ids is None:
        return None
    parts = [area_and_children(m.area_id) for m in memberships if m.role == Role.AREA_OFFICER and m.area_id]
    parts.append(sa.select(Community.area_id).where(Community.id.in_(ids), Community.area_id.is_not(None)))
    direct = sa.union(*parts) if len(parts) > 1 else parts[0]
    streets = sa.select(Area.parent_id).where(Area.id.in_(direct), Area.parent_id.is_not(None))
    return sa.union(*parts, streets)


def visible_areas_query(memberships: Iterable) -> sa.Select:
    """A SELECT of the Area rows ``memberships`` may see, streets each followed by their offices."""
    stmt = areas_in_order()
    ids = visible_area_ids(memberships)
    return stmt if ids is None else stmt.where(Area.id.in_(ids))


def visible_areas(memberships: Iterable) -> list[Area]:
    """The areas a member may see (see visible_area_ids), in list order."""
    return list(db.session.scalars(visible_areas_query(memberships)))


def can_see_area(memberships: Iterable, area_id: int) -> bool:
    ids = visible_area_ids(memberships)
    return ids is None or area_id in set(db.session.scalars(ids))


def searched_areas(memberships: Iterable, q: str | None = None) -> sa.Select:
    """The areas ``memberships`` may see whose name has every word of ``q``, in list order."""
    return searched(visible_areas_query(memberships), q, Area.name)


def community_counts(area_ids: list[int]) -> dict[int, int]:
    """Communities registered directly in each of these areas."""
    if not area_ids:
        return {}
    return dict(db.session.execute(sa.select(Community.area_id, sa.func.count(Community.id))
                                   .where(Community.area_id.in_(area_ids)).group_by(Community.area_id)).all())


def _check_area_name(name: str, parent_id: int | None, exclude_id: int | None = None) -> None:
    stmt = sa.select(Area.id).where(Area.name == name)
    stmt = stmt.where(Area.parent_id.is_(None) if parent_id is None else Area.parent_id == parent_id)
    if exclude_id is not None:
        stmt = stmt.where(Area.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        top, child = _kind_names(current_tenant.kind)
        if parent_id is None:
            raise RegistryError("name", _l("A %(kind)s with this name already exists.", kind=top))
        raise RegistryError("name", _l("This %(parent)s already has a %(kind)s with this name.",
                                       parent=top, kind=child))


def _kind_names(tenant_kind) -> tuple[str, str]:
    """The two area kinds' names to put inside a sentence ("a street office", "一个街道办事处")."""
    return tuple(str(kind.label).lower() for kind in area_kinds_for(tenant_kind))


def create_area(*, tenant, actor, kind: AreaKind, name: str, parent_id: int | None = None) -> Area:
    """A top-level area (street or branch) or one under it (community office or region), in the
    pair of area kinds the tenant's kind uses."""
    name = _require_text("name", name, _l("Enter the area's name."))
    top_kind, child_kind = area_kinds_for(tenant.kind)
    top, child = _kind_names(tenant.kind)
    if kind not in (top_kind, child_kind):
        raise RegistryError("kind", _l("Choose %(top)s or %(child)s.", top=top, child=child))
    if kind == child_kind:
        if not parent_id:
            raise RegistryError("parent_id", _l("A %(kind)s must belong to a %(parent)s; choose it.",
                                                kind=child, parent=top))
        parent = db.session.scalar(sa.select(Area).where(Area.id == parent_id))
        if parent is None:
            raise RegistryError("parent_id", _l("No such %(parent)s in this tenant.", parent=top))
        if parent.kind != top_kind:
            raise RegistryError("parent_id", _l("A %(kind)s must belong to a %(parent)s, not to another %(kind)s.",
                                                kind=child, parent=top))
        parent_id = parent.id
    else:
        if parent_id:
            raise RegistryError("parent_id", _l("A %(kind)s has no parent area; leave it empty.", kind=top))
        parent_id = None
    _check_area_name(name, parent_id)
    area = Area(tenant_id=tenant.id, kind=kind, name=name, parent_id=parent_id)
    db.session.add(area)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="area.created", object_type="area", object_id=area.id,
           summary=name, after=describe_area(area))
    return area


def rename_area(*, tenant, actor, area: Area, name: str) -> Area:
    name = _require_text("name", name, _l("Enter the area's name."))
    before = describe_area(area)
    _check_area_name(name, area.parent_id, exclude_id=area.id)
    area.name = name
    db.session.flush()
    record(tenant=tenant, actor=actor, action="area.renamed", object_type="area", object_id=area.id,
           summary=f"{before['name']} → {name}", before=before, after=describe_area(area))
    return area


# --- communities ------------------------------------------------------------------------------------

def describe_community(c: Community) -> dict:
    return {"name": c.name, "address": c.address, "area_id": c.area_id,
            "service_grade": c.service_grade.value if c.service_grade else None,
            "declared_units": c.declared_units, "revenue_bank": c.revenue_bank,
            "revenue_account_name": c.revenue_account_name,
            # The audit log is read by administrators only, but keep the number masked there too.
            "revenue_account_number": c.masked_account_number}


def normalise_account_number(value) -> str:
    return re.sub(r"[\s-]", "", value or "")


COMMUNITY_FIELDS = ("name", "address", "area_id", "service_grade", "declared_units", "revenue_bank",
                    "revenue_account_name", "revenue_account_number")


def _checked_community_values(values: dict, exclude_id: int | None = None) -> dict:
    name = _require_text("name", values.get("name"), _l("Enter the community's name."))
    clash = db.session.scalar(sa.select(Community.id).where(Community.name == name, Community.id != (exclude_id or 0)))
    if clash is not None:
        raise RegistryError("name", _l("A community with this name already exists."))
    area_id = values.get("area_id")
    if not area_id:
        raise RegistryError("area_id", _l("Choose the street or community office the community belongs to."))
    area = db.session.scalar(sa.select(Area).where(Area.id == area_id))
    if area is None:
        raise RegistryError("area_id", _l("No such area in this tenant."))
    grade = values.get("service_grade")
    if not grade:
        raise RegistryError("service_grade", _l("Choose the contracted service grade."))
    try:
        grade = ServiceGrade(grade)
    except ValueError:
        raise RegistryError("service_grade", _l("Choose grade 1, 2 or 3."))
    declared = values.get("declared_units") or 0
    if not isinstance(declared, int) or isinstance(declared, bool) or not 0 <= declared <= 1_000_000:
        raise RegistryError("declared_units", _l("Enter a whole number of units from 0 to 1,000,000."))
    bank = _clean(values.get("revenue_bank"))
    account_name = _clean(values.get("revenue_account_name"))
    number = normalise_account_number(values.get("revenue_account_number"))
    if number and not ACCOUNT_RE.match(number):
        raise RegistryError("revenue_account_number", _l("An account number has 6 to 32 digits (spaces and dashes are ignored)."))
    if bank or account_name or number:
        for field, value, message in (
                ("revenue_bank", bank, _l("Enter the bank of the public-revenue account.")),
                ("revenue_account_name", account_name, _l("Enter the name the public-revenue account is held in.")),
                ("revenue_account_number", number, _l("Enter the number of the public-revenue account."))):
            if not value:
                raise RegistryError(field, message)
    return {"name": name, "address": _clean(values.get("address")), "area_id": area.id, "service_grade": grade,
            "declared_units": declared, "revenue_bank": bank, "revenue_account_name": account_name,
            "revenue_account_number": number}


def create_community(*, tenant, actor, values: dict) -> Community:
    checked = _checked_community_values(values)
    community = Community(tenant_id=tenant.id, **checked)
    db.session.add(community)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="community.created", object_type="community", object_id=community.id,
           summary=community.name, after=describe_community(community))
    return community


def update_community(*, tenant, actor, community: Community, values: dict) -> Community:
    """Change a community; ``values`` may hold a subset of the fields (the rest stay as they are)."""
    current = {k: getattr(community, k) for k in COMMUNITY_FIELDS}
    current["service_grade"] = community.service_grade.value if community.service_grade else None
    merged = {**current, **{k: v for k, v in values.items() if k in COMMUNITY_FIELDS}}
    checked = _checked_community_values(merged, exclude_id=community.id)
    before = describe_community(community)
    for key, value in checked.items():
        setattr(community, key, value)
    db.session.flush()
    after = describe_community(community)
    if after != before or community.revenue_account_number != current["revenue_account_number"]:
        record(tenant=tenant, actor=actor, action="community.updated", object_type="community",
               object_id=community.id, summary=community.name, before=before, after=after)
    return community


def unit_counts(community_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Registered units per community (the roster's count, next to the declared one)."""
    # count(*), not count(id): the composite index answers it alone (an index-only scan on PostgreSQL).
    stmt = sa.select(Unit.community_id, sa.func.count()).group_by(Unit.community_id)
    if community_ids is not None:
        stmt = stmt.where(Unit.community_id.in_(list(community_ids)))
    return dict(db.session.execute(stmt).all())


def building_unit_counts(community_id: int) -> dict[int, int]:
    stmt = (sa.select(Unit.building_id, sa.func.count()).where(Unit.community_id == community_id)
            .group_by(Unit.building_id))
    return dict(db.session.execute(stmt).all())


# --- buildings --------------------------------------------------------------------------------------

def list_buildings(community_id: int) -> list[Building]:
    return list(db.session.scalars(sa.select(Building).where(Building.community_id == community_id)
                                   .order_by(Building.position, Building.name)))


def _check_building_name(community_id: int, name: str, exclude_id: int | None = None) -> str:
    name = _require_text("name", name, _l("Enter the building's name."))
    if len(name) > 20:
        raise RegistryError("name", _l("A building name has at most 20 characters."))
    clash = db.session.scalar(sa.select(Building.id).where(Building.community_id == community_id,
                                                           Building.name == name, Building.id != (exclude_id or 0)))
    if clash is not None:
        raise RegistryError("name", _l("This community already has a building with this name."))
    return name


MAX_BUILDING_POSITION = 100_000  # the forms' and the API's upper bound


def add_building(*, tenant, actor, community: Community, name: str, position: int | None = None) -> Building:
    name = _check_building_name(community.id, name)
    if position is None:
        # After the last one, but never past the highest position a person may give (ties sort by name).
        position = min(MAX_BUILDING_POSITION, (db.session.scalar(sa.select(sa.func.max(Building.position))
                                                                 .where(Building.community_id == community.id)) or 0) + 1)
    building = Building(tenant_id=tenant.id, community_id=community.id, name=name, position=position)
    db.session.add(building)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="building.created", object_type="building", object_id=building.id,
           summary=f"{community.name} {name}", after={"community_id": community.id, "name": name, "position": position})
    return building


def rename_building(*, tenant, actor, building: Building, name: str, position: int | None = None) -> Building:
    name = _check_building_name(building.community_id, name, exclude_id=building.id)
    before = {"name": building.name, "position": building.position}
    building.name = name
    if position is not None:
        building.position = position
    db.session.flush()
    record(tenant=tenant, actor=actor, action="building.updated", object_type="building", object_id=building.id,
           summary=f"{before['name']} → {name}", before=before, after={"name": name, "position": building.position})
    return building
