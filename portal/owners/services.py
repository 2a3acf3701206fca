"""Claim codes and unit bindings: issuing, revoking, reissuing, claiming a unit, revoking a binding.

Every function takes the tenant and the actor explicitly, flushes, and leaves the commit to the view.
Every state change is audited with its actor.
"""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, lazyload
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.auth.mobile import must_verify
from portal.auth import services as auth_services
from portal.auth.models import User
from portal.auth.passwords import password_problem
from portal.communities.models import Building, Community, Unit
from portal.db import utcnow
from portal.domain import DomainError
from portal.extensions import db
from portal.listing import searched
from portal.owners.codes import generate_code, hash_code, looks_like_code
from portal.owners.models import ClaimCode, ClaimStatus, UnitBinding
from tenants.models import Membership
from tenants.roles import Role

logger = logging.getLogger(__name__)

MSG_CODE_FORMAT = _l("A claim code has 15 letters and digits, like K7QRA-3MXTD-9FHWC. Check what you typed.")
MSG_CODE_UNKNOWN = _l("This claim code is not valid here. Check it against your slip and type it again.")
MSG_CODE_USED = _l("This claim code has already been used. Each code binds one account only; ask your owners' "
                   "committee or the housing bureau for a new code if you need one.")
MSG_CODE_REVOKED = _l("This claim code has been revoked. Ask your owners' committee or the housing bureau for a new one.")


class OwnerError(DomainError):
    """A rule broken by a claim or binding change; ``field`` names the form field it belongs to."""


# --- reading -------------------------------------------------------------------------------------

@dataclass
class BuildingSummary:
    building: Building
    units: int
    active_codes: int
    bound_units: int


def buildings_of(community: Community) -> list[Building]:
    return list(db.session.scalars(sa.select(Building).where(Building.community_id == community.id)
                                   .order_by(Building.position, Building.name)))


def building_summaries(community: Community) -> list[BuildingSummary]:
    """Per building: units, units with an active code, units with at least one bound account."""
    buildings = buildings_of(community)
    units = dict(db.session.execute(
        sa.select(Unit.building_id, sa.func.count(Unit.id)).where(Unit.community_id == community.id)
        .group_by(Unit.building_id)).all())
    active = dict(db.session.execute(
        sa.select(Unit.building_id, sa.func.count(sa.distinct(ClaimCode.unit_id)))
        .join(ClaimCode, ClaimCode.unit_id == Unit.id)
        .where(Unit.community_id == community.id, ClaimCode.status == ClaimStatus.ACTIVE)
        .group_by(Unit.building_id)).all())
    bound = dict(db.session.execute(
        sa.select(Unit.building_id, sa.func.count(sa.distinct(UnitBinding.unit_id)))
        .join(UnitBinding, UnitBinding.unit_id == Unit.id)
        .where(Unit.community_id == community.id, UnitBinding.revoked_at.is_(None))
        .group_by(Unit.building_id)).all())
    return [BuildingSummary(b, units.get(b.id, 0), active.get(b.id, 0), bound.get(b.id, 0)) for b in buildings]


@dataclass
class UnitRow:
    unit: Unit
    code: ClaimCode | None          # the active code, if any
    bindings: list[UnitBinding]     # active bindings


class CodeFilter(str, enum.Enum):
    """What the list of a building's units can be narrowed to."""

    UNUSED = "unused"    # units with an active (unused) code
    NO_CODE = "no_code"  # units without one
    BOUND = "bound"      # units with at least one bound account
    UNBOUND = "unbound"  # units without any

    @property
    def label(self):
        return {CodeFilter.UNUSED: _l("With an unused code"), CodeFilter.NO_CODE: _l("Without an active code"),
                CodeFilter.BOUND: _l("With a bound account"), CodeFilter.UNBOUND: _l("Without a bound account")}[self]


def _has_active_code():
    return sa.exists().where(ClaimCode.unit_id == Unit.id, ClaimCode.status == ClaimStatus.ACTIVE)


def _is_bound():
    return sa.exists().where(UnitBinding.unit_id == Unit.id, UnitBinding.revoked_at.is_(None))


def _in_building(stmt: sa.Select, building: Building, q: str | None, entrance: str | None) -> sa.Select:
    """``stmt`` (over units) narrowed to ``building``, the search words ``q`` (room or entrance) and one
    ``entrance``, in the order of the building: entrance, floor, room."""
    stmt = searched(stmt.where(Unit.building_id == building.id), q, Unit.room, Unit.entrance)
    if entrance is not None:
        stmt = stmt.where(Unit.entrance == entrance)
    return stmt.order_by(sa.func.length(Unit.entrance), Unit.entrance, Unit.floor, sa.func.length(Unit.room), Unit.room,
                         Unit.id)


def building_units(building: Building, *, q: str | None = None, entrance: str | None = None,
                   status: CodeFilter | None = None) -> sa.Select:
    """The units of a building, searched and filtered, to be cut into pages by the database."""
    # Every unit is of ``building`` (and its community), already loaded: no join to them per row.
    stmt = _in_building(sa.select(Unit).options(lazyload(Unit.building), lazyload(Unit.community)), building, q,
                        entrance)
    condition = {CodeFilter.UNUSED: _has_active_code, CodeFilter.NO_CODE: lambda: ~_has_active_code(),
                 CodeFilter.BOUND: _is_bound, CodeFilter.UNBOUND: lambda: ~_is_bound()}.get(status)
    return stmt if condition is None else stmt.where(condition())


def entrances_of(building: Building) -> list[str]:
    """The building's entrances (单元), in order; one empty string when its units name none."""
    return list(db.session.scalars(sa.select(Unit.entrance).where(Unit.building_id == building.id)
                                   .group_by(Unit.entrance).order_by(Unit.entrance)))


def rows_of(units: list[Unit]) -> list[UnitRow]:
    """The units (one page of them) with their active code and active bindings: two queries for the page."""
    ids = [u.id for u in units]
    if not ids:
        return []
    # The units are loaded already: the codes and bindings come without joining them again.
    codes = {c.unit_id: c for c in db.session.scalars(
        sa.select(ClaimCode).where(ClaimCode.unit_id.in_(ids), ClaimCode.status == ClaimStatus.ACTIVE)
        .options(lazyload(ClaimCode.unit)))}
    bindings: dict[int, list[UnitBinding]] = {i: [] for i in ids}
    for binding in db.session.scalars(
            sa.select(UnitBinding).where(UnitBinding.unit_id.in_(ids), UnitBinding.revoked_at.is_(None))
            .options(lazyload(UnitBinding.unit)).order_by(UnitBinding.bound_at, UnitBinding.id)):
        bindings[binding.unit_id].append(binding)
    return [UnitRow(u, codes.get(u.id), bindings[u.id]) for u in units]


def printable_codes(building: Building, *, q: str | None = None, entrance: str | None = None) -> sa.Select:
    """The active codes of a building that can still be printed (readable), in the building's order."""
    # Each code's unit from the join itself; the unit's building and community are the page's own.
    unit = contains_eager(ClaimCode.unit).options(lazyload(Unit.building), lazyload(Unit.community))
    stmt = (sa.select(ClaimCode).join(Unit, ClaimCode.unit_id == Unit.id).options(unit)
            .where(ClaimCode.status == ClaimStatus.ACTIVE, ClaimCode.code_plain.is_not(None)))
    return _in_building(stmt, building, q, entrance)


def building_summary(building: Building) -> BuildingSummary:
    """One building's figures (units, units with an active code, bound units), counted by the database."""
    units = sa.select(sa.func.count(Unit.id)).where(Unit.building_id == building.id)
    return BuildingSummary(building, db.session.scalar(units) or 0,
                           db.session.scalar(units.where(_has_active_code())) or 0,
                           db.session.scalar(units.where(_is_bound())) or 0)


def active_code_of(unit_id: int) -> ClaimCode | None:
    return db.session.scalar(sa.select(ClaimCode).where(ClaimCode.unit_id == unit_id,
                                                        ClaimCode.status == ClaimStatus.ACTIVE))


# --- issuing, revoking, reissuing ----------------------------------------------------------------

def _lock_building(building: Building) -> None:
    """Serialise code issuing per building (PostgreSQL row lock; SQLite serialises writers anyway),
    so two people pressing "issue" at once cannot give a unit two active codes."""
    db.session.execute(sa.select(Building.id).where(Building.id == building.id).with_for_update())


def _fresh_codes(count: int) -> list[str]:
    """``count`` new codes whose hashes exist nowhere in the tenant (a clash at 68 bits is theoretical)."""
    codes: dict[str, str] = {}
    while len(codes) < count:
        for _ in range(count - len(codes)):
            code = generate_code()
            codes[hash_code(code)] = code
        taken = set(db.session.scalars(sa.select(ClaimCode.code_hash).where(ClaimCode.code_hash.in_(list(codes)))))
        for digest in taken:
            del codes[digest]
    return list(codes.values())


def _issue(tenant, actor, units: list[Unit], *, action: str = "claim_code.issued", reason: str = "") -> list[ClaimCode]:
    created = []
    for unit, code in zip(units, _fresh_codes(len(units))):
        claim = ClaimCode(tenant_id=tenant.id, unit_id=unit.id, code_hash=hash_code(code), code_plain=code,
                          status=ClaimStatus.ACTIVE, issued_by_id=getattr(actor, "id", None))
        db.session.add(claim)
        created.append((unit, claim))
    db.session.flush()
    for unit, claim in created:
        record(tenant=tenant, actor=actor, action=action, object_type="claim_code", object_id=claim.id,
               summary=f"{unit.community.name} {unit.label}", after={"unit": unit.id, "status": "active"},
               reason=reason)
    return [claim for _unit, claim in created]


def issue_codes(*, tenant, actor, building: Building, include_bound: bool = False) -> list[ClaimCode]:
    """A new code for every unit of ``building`` that has no active code.

    Units that already have a bound account are skipped unless ``include_bound`` (a second person of
    the household): a slip lying around for an already-claimed unit is a way in for a stranger.
    """
    _lock_building(building)
    with_code = sa.select(ClaimCode.unit_id).where(ClaimCode.status == ClaimStatus.ACTIVE)
    stmt = sa.select(Unit).where(Unit.building_id == building.id, Unit.id.not_in(with_code))
    if not include_bound:
        stmt = stmt.where(Unit.id.not_in(sa.select(UnitBinding.unit_id).where(UnitBinding.revoked_at.is_(None))))
    units = list(db.session.scalars(stmt.order_by(Unit.entrance, Unit.floor, Unit.room)))
    created = _issue(tenant, actor, units)
    logger.info("claim codes issued building=%s count=%s by=%s", building.id, len(created), getattr(actor, "id", None))
    return created


def _mark_revoked(code: ClaimCode, actor) -> bool:
    """Active -> revoked in one conditional UPDATE; False when the code was no longer active."""
    result = db.session.execute(
        sa.update(ClaimCode).where(ClaimCode.id == code.id, ClaimCode.status == ClaimStatus.ACTIVE)
        .values(status=ClaimStatus.REVOKED, code_plain=None, revoked_at=utcnow(),
                revoked_by_id=getattr(actor, "id", None))
        .execution_options(synchronize_session=False))
    db.session.refresh(code)
    return result.rowcount == 1


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise OwnerError("reason", _l("Give a reason."))
    return reason


def revoke_code(*, tenant, actor, code: ClaimCode, reason: str) -> None:
    """Revoke an active code; its readable form is erased and it can never be used."""
    reason = _check_reason(reason)
    if not _mark_revoked(code, actor):
        raise OwnerError("reason", _l("This code is no longer active (already used or revoked)."), status=409)
    record(tenant=tenant, actor=actor, action="claim_code.revoked", object_type="claim_code", object_id=code.id,
           summary=f"{code.unit.community.name} {code.unit.label}", before={"status": "active"},
           after={"status": "revoked"}, reason=reason)


def reissue_code(*, tenant, actor, code: ClaimCode, reason: str) -> ClaimCode:
    """Revoke an active code and issue a new one for the same unit (a lost or leaked slip)."""
    reason = _check_reason(reason)
    unit = code.unit
    _lock_building(unit.building)
    if not _mark_revoked(code, actor):
        raise OwnerError("reason", _l("This code is no longer active (already used or revoked)."), status=409)
    record(tenant=tenant, actor=actor, action="claim_code.revoked", object_type="claim_code", object_id=code.id,
           summary=f"{unit.community.name} {unit.label}", before={"status": "active"},
           after={"status": "revoked"}, reason=reason)
    (new,) = _issue(tenant, actor, [unit], action="claim_code.reissued", reason=reason)
    return new


# --- claiming ------------------------------------------------------------------------------------

def find_code(text: str) -> ClaimCode:
    """The code a person typed, in the current tenant; OwnerError on the ``code`` field otherwise."""
    if not looks_like_code(text):
        raise OwnerError("code", MSG_CODE_FORMAT)
    code = db.session.scalar(sa.select(ClaimCode).where(ClaimCode.code_hash == hash_code(text)))
    if code is None:
        raise OwnerError("code", MSG_CODE_UNKNOWN)
    if code.status == ClaimStatus.USED:
        raise OwnerError("code", MSG_CODE_USED, status=409)
    if code.status == ClaimStatus.REVOKED:
        raise OwnerError("code", MSG_CODE_REVOKED, status=409)
    return code


MSG_VERIFY_MOBILE_FIRST = _l("Here owners verify their mobile number before binding a unit. Verify yours under "
                             "My account, then enter the claim code again.")


def claim(*, tenant, user: User, code_text: str) -> UnitBinding:
    """Bind ``user`` to the unit of an active code, once: the code turns USED in an atomic UPDATE."""
    if must_verify(tenant, user):  # the pages send such owners to verify first; this is the rule itself
        raise OwnerError("code", MSG_VERIFY_MOBILE_FIRST, status=403)
    code = find_code(code_text)
    existing = db.session.scalar(sa.select(UnitBinding).where(UnitBinding.unit_id == code.unit_id,
                                                              UnitBinding.user_id == user.id))
    if existing is not None and existing.is_active:
        raise OwnerError("code", _l("Your account is already bound to this unit; keep the code for another "
                                    "member of your household."), status=409)
    # Two people typing the same code at the same moment: only one UPDATE finds it still active.
    result = db.session.execute(
        sa.update(ClaimCode).where(ClaimCode.id == code.id, ClaimCode.status == ClaimStatus.ACTIVE)
        .values(status=ClaimStatus.USED, code_plain=None, used_at=utcnow(), used_by_id=user.id)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise OwnerError("code", MSG_CODE_USED, status=409)
    db.session.refresh(code)
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id,
                                                               Membership.role == Role.OWNER))
    if membership is None:
        membership = Membership(tenant_id=tenant.id, user_id=user.id, role=Role.OWNER)
        db.session.add(membership)
        db.session.flush()
        record(tenant=tenant, actor=user, action="member.added", object_type="membership", object_id=membership.id,
               summary=f"{user.display_name} → owner (claim code)")
    elif membership.is_pending:
        # Invited as an owner and now claiming a unit in person: that is accepting the invitation.
        membership.accepted_at = utcnow()
        membership.is_active = True
    elif not membership.is_active:
        # A deactivated owner stays deactivated: a claim code does not overrule the administrator.
        raise OwnerError("code", _l("Your owner membership here has been deactivated; contact the housing bureau."),
                         status=409)
    if existing is not None:  # bound before, revoked since: the same row is bound again
        existing.revoked_at = None
        existing.revoked_by_id = None
        existing.revoke_reason = ""
        existing.bound_at = utcnow()
        existing.claim_code_id = code.id
        binding = existing
    else:
        binding = UnitBinding(tenant_id=tenant.id, unit_id=code.unit_id, user_id=user.id, claim_code_id=code.id)
        db.session.add(binding)
    db.session.flush()
    unit = code.unit
    record(tenant=tenant, actor=user, action="owner.bound", object_type="unit_binding", object_id=binding.id,
           summary=f"{user.display_name} → {unit.community.name} {unit.label}",
           after={"unit": unit.id, "user": user.id, "claim_code": code.id})
    logger.info("unit bound unit=%s user=%s code=%s", unit.id, user.id, code.id)
    return binding


MSG_NOT_THIS_PASSWORD = _l("This mobile number cannot be registered with this password. If you signed up before, "
                           "enter the password of your account (or sign in and add the unit under My units); "
                           "otherwise check the mobile number.")


def register(*, tenant, mobile: str, password: str, display_name: str, code_text: str,
             mobile_verified: bool = False) -> tuple[User, UnitBinding]:
    """Register (or, for an existing account with its correct password, reuse) an account and claim a unit.

    One step, the same rules and answers for every mobile number, so the form tells nobody whether a
    number has an account: the password rules apply to everyone first; then an account's own password
    binds the unit to it, a free number gets a new account, and anything else gets one message that
    does not say which case it is. (A number that gets an account was free: telling that apart needs
    a message to the phone. Each such answer uses up the claim code.) ``mobile_verified``: a code sent
    to the number came back (a tenant that requires it), so the account's number counts as verified.
    """
    find_code(code_text)  # a bad code is refused before anything else is looked at or written
    problem = password_problem(password, identifiers=(mobile,))
    if problem:
        raise OwnerError("password", problem)
    user = auth_services.find_user(mobile)
    if user is not None:
        if auth_services.authenticate(mobile, password) is None:
            raise OwnerError("password", MSG_NOT_THIS_PASSWORD)
    else:
        user = auth_services.create_user(display_name=display_name, password=password, mobile=mobile)
    # The form cannot be sent without consenting to the privacy notice; the latest consent is kept.
    user.privacy_consent_at = utcnow()
    if mobile_verified:
        user.mobile_verified_at = utcnow()
    binding = claim(tenant=tenant, user=user, code_text=code_text)
    return user, binding


# --- bindings ------------------------------------------------------------------------------------

def revoke_binding(*, tenant, actor, binding: UnitBinding, reason: str) -> None:
    """End an account's binding to a unit (moved out, claimed by mistake); the row stays as history."""
    reason = _check_reason(reason)
    if not binding.is_active:
        raise OwnerError("reason", _l("This binding has already been revoked."), status=409)
    binding.revoked_at = utcnow()
    binding.revoked_by_id = getattr(actor, "id", None)
    binding.revoke_reason = reason
    db.session.flush()
    unit = binding.unit
    record(tenant=tenant, actor=actor, action="owner.unbound", object_type="unit_binding", object_id=binding.id,
           summary=f"{binding.user.display_name} ✕ {unit.community.name} {unit.label}",
           before={"unit": unit.id, "user": binding.user_id, "active": True}, after={"active": False}, reason=reason)


@dataclass
class OwnedUnit:
    binding: UnitBinding
    unit: Unit
    others: int  # other accounts bound to the same unit


def owned_bindings(user_id: int) -> sa.Select:
    """The user's current bindings, in the order of their units."""
    return (sa.select(UnitBinding).join(Unit, UnitBinding.unit_id == Unit.id)
            .where(UnitBinding.user_id == user_id, UnitBinding.revoked_at.is_(None))
            .order_by(Unit.community_id, Unit.building_id, Unit.room, UnitBinding.id))


def owned_units(user_id: int, bindings: list[UnitBinding] | None = None) -> list[OwnedUnit]:
    """The user's units (or those of ``bindings``, a page of them), each with how many others share it."""
    if bindings is None:
        bindings = list(db.session.scalars(owned_bindings(user_id)))
    if not bindings:
        return []
    counts = dict(db.session.execute(
        sa.select(UnitBinding.unit_id, sa.func.count(UnitBinding.id))
        .where(UnitBinding.unit_id.in_([b.unit_id for b in bindings]), UnitBinding.revoked_at.is_(None))
        .group_by(UnitBinding.unit_id)).all())
    return [OwnedUnit(b, b.unit, counts.get(b.unit_id, 1) - 1) for b in bindings]


def owner_community_ids(user_id: int) -> set[int]:
    return set(db.session.scalars(
        sa.select(Unit.community_id).join(UnitBinding, UnitBinding.unit_id == Unit.id)
        .where(UnitBinding.user_id == user_id, UnitBinding.revoked_at.is_(None))))


# --- the owner's community page ------------------------------------------------------------------

@dataclass
class CommunityPage:
    community: Community
    contract: object | None        # the current Contract (firm, grade, fee model), if any
    committee: object | None       # OwnersCommittee with its members
    list_a: object | None          # published ChecklistVersion of list A
    list_b: object | None          # published ChecklistVersion of list B


def community_page(community: Community, today) -> CommunityPage:
    """What an owner sees of their community: firm under the current contract, committee, lists A and B."""
    from portal.checklists.models import ListKind
    from portal.checklists.services import current_version
    from portal.communities.models import OwnersCommittee
    from portal.firms.models import Contract

    contract = db.session.scalar(
        sa.select(Contract).where(Contract.community_id == community.id, Contract.start_date <= today,
                                  sa.or_(Contract.end_date.is_(None), Contract.end_date >= today))
        .order_by(Contract.start_date.desc(), Contract.id.desc()).limit(1))
    committee = db.session.scalar(sa.select(OwnersCommittee).where(OwnersCommittee.community_id == community.id))
    return CommunityPage(community, contract, committee, current_version(ListKind.A), current_version(ListKind.B))
