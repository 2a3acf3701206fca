"""Firms, their project managers and contracts (firm × community over time): rules and audited changes.

A community has at most one contract in force on any day; an ended contract stays as history, so the
community's firms over time can always be shown.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, joinedload, lazyload

from portal.audit.services import record
from portal.communities.models import Community, ServiceGrade
# RegistryError is re-exported: the firms views and API catch services.RegistryError.
from portal.communities.services import PHONE_RE, RegistryError, local_today, visible_community_ids
from portal.extensions import db
from portal.firms.credit_code import credit_code_problem, normalise_credit_code
from portal.firms.models import Contract, FeeModel, Firm, ProjectManager
from portal.listing import searched
from tenants.roles import Role

logger = logging.getLogger(__name__)

_BUREAU = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})


def _clean(value) -> str:
    return (value or "").strip()


# --- who sees which firm ----------------------------------------------------------------------------

def visible_firm_ids(memberships: Iterable) -> sa.Select | None:
    """None for "every firm" (bureau); firm staff see their own firm; everyone else the firms that
    serve or served a community they may see."""
    memberships = [m for m in memberships if m.is_active]
    if any(m.role in _BUREAU for m in memberships):
        return None
    parts: list[sa.Select] = []
    own = [m.firm_id for m in memberships if m.role == Role.FIRM_STAFF and m.firm_id]
    if own:
        parts.append(sa.select(Firm.id).where(Firm.id.in_(own)))
    others = [m for m in memberships if m.role != Role.FIRM_STAFF]
    if others:
        communities = visible_community_ids(others)
        if communities is not None:
            parts.append(sa.select(Contract.firm_id).where(Contract.community_id.in_(communities)))
    if not parts:
        return sa.select(Firm.id).where(sa.false())
    return sa.union(*parts) if len(parts) > 1 else parts[0]


def visible_firms(memberships: Iterable) -> sa.Select:
    stmt = sa.select(Firm).order_by(Firm.name)
    ids = visible_firm_ids(memberships)
    if ids is not None:
        stmt = stmt.where(Firm.id.in_(ids))
    return stmt


def can_see_firm(memberships: Iterable, firm_id: int) -> bool:
    ids = visible_firm_ids(memberships)
    return ids is None or firm_id in set(db.session.scalars(ids))


def sees_all_contracts_of(memberships: Iterable, firm_id: int) -> bool:
    """The bureau, and the firm's own staff, see every contract of the firm (past ones too)."""
    return any(m.is_active and (m.role in _BUREAU or (m.role == Role.FIRM_STAFF and m.firm_id == firm_id))
               for m in memberships)


# --- firms ------------------------------------------------------------------------------------------

FIRM_FIELDS = ("name", "credit_code", "licence_no", "contact_name", "contact_phone", "address")


def describe_firm(f: Firm) -> dict:
    return {k: getattr(f, k) for k in FIRM_FIELDS}


def check_credit_code(value) -> str:
    """The normalised code, or a RegistryError on ``credit_code`` saying what exactly is wrong."""
    code = normalise_credit_code(value)
    if not code:
        raise RegistryError("credit_code", _l("Enter the unified social credit code (18 characters)."))
    problem = credit_code_problem(code)
    if problem is None:
        return code
    kind, info = problem
    if kind == "length":
        raise RegistryError("credit_code", _l(
            "Wrong format: a unified social credit code has 18 characters, this one has %(length)s.", **info))
    if kind == "alphabet":
        raise RegistryError("credit_code", _l(
            "Wrong format: character %(position)s (“%(char)s”) is not allowed; a credit code uses digits and capital "
            "letters except I, O, S, V and Z.", **info))
    raise RegistryError("credit_code", _l(
        "The check character (the 18th) is wrong: the first 17 characters give “%(expected)s”, not “%(given)s”. "
        "Look for a typing mistake.", **info))


def _check_phone(field: str, value) -> str:
    value = _clean(value)
    if value and not PHONE_RE.match(value):
        raise RegistryError(field, _l("Enter a phone number of digits (dashes and spaces allowed), or leave it empty."))
    return value


def _checked_firm_values(values: dict, exclude_id: int | None = None) -> dict:
    name = _clean(values.get("name"))
    if not name:
        raise RegistryError("name", _l("Enter the firm's name."))
    code = check_credit_code(values.get("credit_code"))
    if db.session.scalar(sa.select(Firm.id).where(Firm.name == name, Firm.id != (exclude_id or 0))) is not None:
        raise RegistryError("name", _l("A firm with this name is already registered."))
    clash = db.session.scalar(sa.select(Firm).where(Firm.credit_code == code, Firm.id != (exclude_id or 0)))
    if clash is not None:
        raise RegistryError("credit_code", _l("This credit code is already registered for %(firm)s.", firm=clash.name))
    return {"name": name, "credit_code": code, "licence_no": _clean(values.get("licence_no")),
            "contact_name": _clean(values.get("contact_name")),
            "contact_phone": _check_phone("contact_phone", values.get("contact_phone")),
            "address": _clean(values.get("address"))}


def own_firm() -> Firm | None:
    """A firm tenant's own firm: the one firm it registers (None until its profile is filled in)."""
    return db.session.scalar(sa.select(Firm).order_by(Firm.id).limit(1))


def create_firm(*, tenant, actor, values: dict) -> Firm:
    """Register a firm. A bureau registers the firms working in its county; a firm's own tenant
    registers exactly one, itself (its company profile), so it never looks like it supervises others."""
    if getattr(tenant.kind, "value", tenant.kind) == "firm" and own_firm() is not None:
        raise RegistryError("name", _l("This tenant is a property firm's own: it registers only its own "
                                       "company profile, which exists already."))
    checked = _checked_firm_values(values)
    firm = Firm(tenant_id=tenant.id, **checked)
    db.session.add(firm)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="firm.created", object_type="firm", object_id=firm.id,
           summary=firm.name, after=describe_firm(firm))
    return firm


def update_firm(*, tenant, actor, firm: Firm, values: dict) -> Firm:
    """Change a firm; ``values`` may hold a subset of the fields."""
    merged = {**describe_firm(firm), **{k: v for k, v in values.items() if k in FIRM_FIELDS}}
    checked = _checked_firm_values(merged, exclude_id=firm.id)
    before = describe_firm(firm)
    for key, value in checked.items():
        setattr(firm, key, value)
    db.session.flush()
    if describe_firm(firm) != before:
        record(tenant=tenant, actor=actor, action="firm.updated", object_type="firm", object_id=firm.id,
               summary=firm.name, before=before, after=describe_firm(firm))
    return firm


# --- project managers -------------------------------------------------------------------------------

def describe_manager(m: ProjectManager) -> dict:
    return {"firm_id": m.firm_id, "name": m.name, "phone": m.phone, "certificate_no": m.certificate_no}


def _checked_manager(firm_id: int, values: dict, exclude_id: int | None = None) -> dict:
    name = _clean(values.get("name"))
    if not name:
        raise RegistryError("name", _l("Enter the project manager's name."))
    phone = _check_phone("phone", values.get("phone"))
    clash = db.session.scalar(sa.select(ProjectManager.id).where(
        ProjectManager.firm_id == firm_id, ProjectManager.name == name, ProjectManager.phone == phone,
        ProjectManager.id != (exclude_id or 0)))
    if clash is not None:
        raise RegistryError("name", _l("This firm already has a project manager with this name and phone."))
    return {"name": name, "phone": phone, "certificate_no": _clean(values.get("certificate_no"))}


def add_manager(*, tenant, actor, firm: Firm, values: dict) -> ProjectManager:
    manager = ProjectManager(tenant_id=tenant.id, firm_id=firm.id, **_checked_manager(firm.id, values))
    db.session.add(manager)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="manager.created", object_type="project_manager", object_id=manager.id,
           summary=f"{firm.name} {manager.name}", after=describe_manager(manager))
    return manager


def update_manager(*, tenant, actor, manager: ProjectManager, values: dict) -> ProjectManager:
    merged = {**describe_manager(manager), **{k: v for k, v in values.items() if k in ("name", "phone", "certificate_no")}}
    checked = _checked_manager(manager.firm_id, merged, exclude_id=manager.id)
    before = describe_manager(manager)
    for key, value in checked.items():
        setattr(manager, key, value)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="manager.updated", object_type="project_manager", object_id=manager.id,
           summary=manager.name, before=before, after=describe_manager(manager))
    return manager


def managers_of(firm_id: int) -> sa.Select:
    """The firm's project managers, by name."""
    return sa.select(ProjectManager).where(ProjectManager.firm_id == firm_id).order_by(ProjectManager.name,
                                                                                     ProjectManager.id)


# --- contracts --------------------------------------------------------------------------------------

def describe_contract(c: Contract) -> dict:
    return {"firm_id": c.firm_id, "community_id": c.community_id, "manager_id": c.manager_id,
            "start_date": c.start_date, "end_date": c.end_date, "fee_model": c.fee_model.value,
            "grade": c.grade.value, "end_reason": c.end_reason}


FIRM_SORTS = ("name", "served")


def filtered_firms(memberships: Iterable, *, q: str | None = None, sort: str = "name") -> sa.Select:
    """The firms ``memberships`` may see with every word of ``q`` in the name, credit code or contact;
    ``sort``: by name, or by the number of communities served now (most first)."""
    stmt = searched(visible_firms(memberships), q, Firm.name, Firm.credit_code, Firm.contact_name, Firm.contact_phone)
    if sort == "served":
        served = (sa.select(Contract.firm_id, sa.func.count(Contract.id).label("served"))
                  .where(in_force_on(local_today())).group_by(Contract.firm_id).subquery())
        stmt = (stmt.outerjoin(served, served.c.firm_id == Firm.id).order_by(None)
                .order_by(sa.func.coalesce(served.c.served, 0).desc(), Firm.name))
    return stmt.order_by(Firm.id)


def serving_counts(firm_ids: list[int]) -> dict[int, int]:
    """Communities each of these firms serves under a contract in force today."""
    if not firm_ids:
        return {}
    return dict(db.session.execute(sa.select(Contract.firm_id, sa.func.count(Contract.id))
                                   .where(Contract.firm_id.in_(firm_ids), in_force_on(local_today()))
                                   .group_by(Contract.firm_id)).all())


def visible_contracts(memberships: Iterable) -> sa.Select:
    """Contracts of communities the member may see, plus every contract of a firm staff member's own
    firm (past ones too), newest first."""
    memberships = [m for m in memberships if m.is_active]
    stmt = sa.select(Contract).order_by(Contract.start_date.desc(), Contract.id.desc())
    ids = visible_community_ids(memberships)
    if ids is None:
        return stmt
    own = [m.firm_id for m in memberships if m.role == Role.FIRM_STAFF and m.firm_id]
    return stmt.where(sa.or_(Contract.community_id.in_(ids), Contract.firm_id.in_(own)))


CONTRACT_STATES = ("in_force", "ended", "upcoming")
CONTRACT_SORTS = ("newest", "community")


def filtered_contracts(memberships: Iterable, *, q: str | None = None, community_id: int | None = None,
                       firm_id: int | None = None, state: str | None = None, sort: str = "newest") -> sa.Select:
    """The contracts ``memberships`` may see, narrowed: ``q`` words of the community's or the firm's name,
    one community or firm, ``state`` one of CONTRACT_STATES (on today's date); ``sort`` newest first or
    by community name."""
    stmt = visible_contracts(memberships)
    if q:
        stmt = searched(stmt.join(Community, Community.id == Contract.community_id)
                        .join(Firm, Firm.id == Contract.firm_id), q, Community.name, Firm.name)
    if community_id:
        stmt = stmt.where(Contract.community_id == community_id)
    if firm_id:
        stmt = stmt.where(Contract.firm_id == firm_id)
    today = local_today()
    if state == "in_force":
        stmt = stmt.where(in_force_on(today))
    elif state == "ended":
        stmt = stmt.where(Contract.end_date < today)
    elif state == "upcoming":
        stmt = stmt.where(Contract.start_date > today)
    if sort == "community":
        community = aliased(Community)
        stmt = (stmt.join(community, community.id == Contract.community_id).order_by(None)
                .order_by(community.name, Contract.start_date.desc(), Contract.id.desc()))
    return stmt


def contracts_of_community(community_id: int) -> list[Contract]:
    """The community's history of firms, newest first."""
    return list(db.session.scalars(sa.select(Contract).where(Contract.community_id == community_id)
                                   .order_by(Contract.start_date.desc(), Contract.id.desc())))


def contracts_of_firm(firm_id: int, memberships: Iterable | None = None) -> sa.Select:
    """The firm's contracts, newest first; ``memberships``: only those the member may see (the bureau and
    the firm's own staff see all of them)."""
    stmt = sa.select(Contract).where(Contract.firm_id == firm_id).order_by(Contract.start_date.desc(), Contract.id.desc())
    if memberships is not None and not sees_all_contracts_of(memberships, firm_id):
        ids = visible_community_ids(memberships)
        if ids is not None:
            stmt = stmt.where(Contract.community_id.in_(ids))
    return stmt


def in_force_on(day: dt.date) -> sa.ColumnElement[bool]:
    """``Contract.is_current(day)`` in SQL, so the database can filter and count a page."""
    return sa.and_(Contract.start_date <= day, sa.or_(Contract.end_date.is_(None), Contract.end_date >= day))


def current_contracts(community_ids: Iterable[int] | None = None, on: dt.date | None = None, *,
                      brief: bool = False) -> dict[int, Contract]:
    """community id -> the contract in force on ``on`` (today by default).

    ``brief``: for a list that shows each contract's firm only: the firm comes with the contracts, its
    managers, the manager and the community (already on the page) only if something reads them."""
    on = on or local_today()
    stmt = sa.select(Contract).where(Contract.start_date <= on,
                                     sa.or_(Contract.end_date.is_(None), Contract.end_date >= on))
    if brief:
        stmt = stmt.options(joinedload(Contract.firm).lazyload(Firm.managers), lazyload(Contract.manager),
                            lazyload(Contract.community))
    if community_ids is not None:
        stmt = stmt.where(Contract.community_id.in_(list(community_ids)))
    return {c.community_id: c for c in db.session.scalars(stmt)}


def overlapping_contract(community_id: int, start: dt.date, end: dt.date | None,
                         exclude_id: int | None = None) -> Contract | None:
    """A contract of the community in force on any day of [start, end] (end None: open-ended)."""
    stmt = sa.select(Contract).where(
        Contract.community_id == community_id, Contract.id != (exclude_id or 0),
        sa.or_(Contract.end_date.is_(None), Contract.end_date >= start))
    if end is not None:
        stmt = stmt.where(Contract.start_date <= end)
    return db.session.scalars(stmt.order_by(Contract.start_date)).first()


def _clash_message(clash: Contract):
    if clash.end_date is None:
        return _l("This community already has contract no. %(id)s with %(firm)s, in force from %(start)s with no end "
                  "date. End that contract first.", id=clash.id, firm=clash.firm.name, start=clash.start_date.isoformat())
    return _l("This community already has contract no. %(id)s with %(firm)s, in force from %(start)s to %(end)s; the "
              "dates overlap.", id=clash.id, firm=clash.firm.name, start=clash.start_date.isoformat(),
              end=clash.end_date.isoformat())


def _lock_community(community_id: int) -> Community | None:
    # On PostgreSQL this row lock serialises contract writes per community, so two concurrent
    # requests cannot both pass the overlap check (SQLite serialises writers anyway).
    # Lock the id alone: the Community entity brings an outer join (its area) that FOR UPDATE refuses.
    locked = db.session.scalar(sa.select(Community.id).where(Community.id == community_id).with_for_update())
    if locked is None:
        return None
    return db.session.scalar(sa.select(Community).where(Community.id == locked))


def _checked_manager_id(firm_id: int, manager_id) -> int | None:
    if not manager_id:
        return None
    manager = db.session.scalar(sa.select(ProjectManager).where(ProjectManager.id == manager_id))
    if manager is None:
        raise RegistryError("manager_id", _l("No such project manager in this tenant."))
    if manager.firm_id != firm_id:
        raise RegistryError("manager_id", _l("The project manager must work for the contracted firm."))
    return manager.id


def _enum(field: str, cls, value, message):
    if isinstance(value, cls):
        return value
    try:
        return cls(value)
    except ValueError:
        raise RegistryError(field, message)


# The longest a property-service contract may run. A last day decades away ("2999-12-31") is a typing
# slip, and it would keep the community looking served long after anyone checks the contract.
MAX_CONTRACT_YEARS = 30


def latest_end_date(start_date: dt.date) -> dt.date:
    """The last day a contract starting on ``start_date`` may run to: MAX_CONTRACT_YEARS later, less a day."""
    try:
        anniversary = start_date.replace(year=start_date.year + MAX_CONTRACT_YEARS)
    except ValueError:  # 29 February in a year that has none
        anniversary = start_date.replace(year=start_date.year + MAX_CONTRACT_YEARS, day=28)
    return anniversary - dt.timedelta(days=1)


def _check_end_within_term(start_date: dt.date, end_date: dt.date) -> None:
    latest = latest_end_date(start_date)
    if end_date > latest:
        raise RegistryError("end_date", _l("A contract runs at most %(years)s years: its last day can be %(latest)s at "
                                           "the latest.", years=MAX_CONTRACT_YEARS, latest=latest.isoformat()))


def create_contract(*, tenant, actor, firm_id, community_id, start_date, end_date=None, fee_model, grade=None,
                    manager_id=None) -> Contract:
    firm = db.session.scalar(sa.select(Firm).where(Firm.id == firm_id)) if firm_id else None
    if firm is None:
        raise RegistryError("firm_id", _l("Choose the firm (one registered in this tenant)."))
    community = _lock_community(community_id) if community_id else None
    if community is None:
        raise RegistryError("community_id", _l("Choose the community (one registered in this tenant)."))
    if start_date is None:
        raise RegistryError("start_date", _l("Enter the date the contract starts."))
    if end_date is not None and end_date < start_date:
        raise RegistryError("end_date", _l("The contract cannot end before it starts."))
    if end_date is not None:
        _check_end_within_term(start_date, end_date)
    fee_model = _enum("fee_model", FeeModel, fee_model, _l("Choose lump-sum or commission."))
    if grade in (None, ""):
        grade = community.service_grade
        if grade is None:
            raise RegistryError("grade", _l("Choose the contracted service grade."))
    grade = _enum("grade", ServiceGrade, grade, _l("Choose grade 1, 2 or 3."))
    manager_id = _checked_manager_id(firm.id, manager_id)
    clash = overlapping_contract(community.id, start_date, end_date)
    if clash is not None:
        raise RegistryError("start_date", _clash_message(clash))
    contract = Contract(tenant_id=tenant.id, firm_id=firm.id, community_id=community.id, manager_id=manager_id,
                        start_date=start_date, end_date=end_date, fee_model=fee_model, grade=grade)
    db.session.add(contract)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="contract.created", object_type="contract", object_id=contract.id,
           summary=f"{firm.name} × {community.name}", after=describe_contract(contract))
    return contract


def update_contract(*, tenant, actor, contract: Contract, values: dict) -> Contract:
    """Change the fee model, grade or project manager (dates change only by ending the contract)."""
    before = describe_contract(contract)
    if "fee_model" in values:
        contract.fee_model = _enum("fee_model", FeeModel, values["fee_model"], _l("Choose lump-sum or commission."))
    if "grade" in values:
        contract.grade = _enum("grade", ServiceGrade, values["grade"], _l("Choose grade 1, 2 or 3."))
    if "manager_id" in values:
        contract.manager_id = _checked_manager_id(contract.firm_id, values["manager_id"])
    db.session.flush()
    record(tenant=tenant, actor=actor, action="contract.updated", object_type="contract", object_id=contract.id,
           summary=f"{contract.firm.name} × {contract.community.name}", before=before, after=describe_contract(contract))
    return contract


def end_contract(*, tenant, actor, contract: Contract, end_date: dt.date | None, reason: str) -> Contract:
    """Set the last day of a contract, with the reason; the contract stays in the community's history."""
    reason = _clean(reason)
    if contract.end_reason:
        raise RegistryError("end_date", _l("This contract has already been ended."))
    if end_date is None:
        raise RegistryError("end_date", _l("Enter the contract's last day."))
    if end_date < contract.start_date:
        raise RegistryError("end_date", _l("The last day cannot be before the contract started (%(start)s).",
                                           start=contract.start_date.isoformat()))
    if contract.end_date is not None and end_date > contract.end_date:
        raise RegistryError("end_date", _l("A contract can be ended early, not extended: it already ends on %(end)s.",
                                           end=contract.end_date.isoformat()))
    _check_end_within_term(contract.start_date, end_date)
    if not reason:
        raise RegistryError("reason", _l("Give the reason the contract ends."))
    _lock_community(contract.community_id)
    before = describe_contract(contract)
    contract.end_date, contract.end_reason = end_date, reason
    db.session.flush()
    record(tenant=tenant, actor=actor, action="contract.ended", object_type="contract", object_id=contract.id,
           summary=f"{contract.firm.name} × {contract.community.name}", before=before,
           after=describe_contract(contract), reason=reason)
    return contract
