"""Inviting members (active once they accept), changing roles and bindings, deactivating — all audited."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.auth import services as auth_services
from portal.auth.models import User
from portal.auth.passwords import hash_password, password_problem
from portal.communities.models import Area, Community
from portal.domain import DomainError
from portal.db import utcnow
from portal.extensions import db
from portal.firms.models import Firm
from portal.listing import searched
from tenants import across_tenants, current_tenant, tenant_scope
from tenants.models import Membership, Tenant, TenantStatus
from tenants.roles import Role, roles_for

logger = logging.getLogger(__name__)


class MemberError(DomainError):
    """A rule broken by a membership change; ``field`` names the form field it belongs to."""


BINDING_MODELS = {"area": Area, "firm": Firm, "community": Community}


def _check_binding(role: Role, *, area_id, firm_id, community_id) -> dict:
    # A bureau has no project teams; a firm's own tenant has no "firm staff" or committee members.
    if role not in roles_for(current_tenant.kind):
        raise MemberError("role", _l("This role does not exist in this tenant; choose one from the list."))
    wanted = role.binding
    values = {"area": area_id, "firm": firm_id, "community": community_id}
    bound = {}
    for kind, value in values.items():
        if kind == wanted:
            if not value:
                raise MemberError(f"{kind}_id", _l("This role must be bound to one; choose it."))
            # Scoped load: an id from another tenant is simply not found.
            target = db.session.scalar(sa.select(BINDING_MODELS[kind]).where(BINDING_MODELS[kind].id == value))
            if target is None:
                raise MemberError(f"{kind}_id", _l("No such entry in this tenant."))
            bound[f"{kind}_id"] = target.id
        else:
            bound[f"{kind}_id"] = None
    return bound


def describe(m: Membership) -> dict:
    return {"user": m.user_id, "role": m.role.value, "area": m.area_id, "firm": m.firm_id,
            "community": m.community_id, "active": m.is_active}


def add_member(*, tenant, actor, login: str, display_name: str, role: Role, initial_password: str | None,
               area_id=None, firm_id=None, community_id=None) -> Membership:
    """Invite someone by mobile number or e-mail; the membership is active only once they accept.

    Whether the login already has an account (perhaps in another tenant) changes nothing the
    administrator sees: the initial password is always required and checked (and only used for a new
    account), the answer is the same, and the tenant sees only the login it typed until acceptance.
    """
    binding = _check_binding(role, area_id=area_id, firm_id=firm_id, community_id=community_id)
    if not initial_password:
        raise MemberError("initial_password", _l("Enter an initial password."))
    problem = password_problem(initial_password, identifiers=(login,))
    if problem:
        raise MemberError("initial_password", problem)
    user = auth_services.find_user(login)
    if user is None:
        kwargs = {"email": login} if "@" in login else {"mobile": login}
        user = auth_services.create_user(display_name=display_name, password=initial_password, **kwargs)
    else:
        hash_password(initial_password)  # the same work as for a new account: the time reveals nothing either
    existing = db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id, Membership.role == role))
    if existing is not None:
        # Only about this tenant's own members, which the administrator sees in the list anyway.
        raise MemberError("role", _l("This person already has this role here (or an open invitation to it)."))
    membership = Membership(tenant_id=tenant.id, user_id=user.id, role=role, is_active=False, invited_at=utcnow(),
                            invited_login=login, invited_by_id=actor.id, **binding)
    db.session.add(membership)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="member.invited", object_type="membership", object_id=membership.id,
           summary=f"{login} → {role.value}", after=describe_invitation(membership))
    return membership


def describe_invitation(m: Membership) -> dict:
    # No user id or name: for an account that already existed that would tell the tenant about it.
    return {"login": m.invited_login, "role": m.role.value, "area": m.area_id, "firm": m.firm_id,
            "community": m.community_id, "active": m.is_active}


def pending_invitations(user) -> list[Membership]:
    """The invitations addressed to ``user`` that are still open (tenants that are not suspended)."""
    with across_tenants("a user lists the invitations addressed to them"):
        rows = db.session.scalars(
            sa.select(Membership).join(Tenant, Tenant.id == Membership.tenant_id)
            .where(Membership.user_id == user.id, Membership.invited_at.is_not(None),
                   Membership.accepted_at.is_(None), Tenant.status != TenantStatus.SUSPENDED)
            .order_by(Membership.invited_at, Membership.id)).all()
    return list(rows)


def answer_invitation(*, user, membership_id: int, accept: bool) -> Membership:
    """Accept (the membership becomes active) or decline (the invitation is removed) one's own invitation."""
    invitation = next((m for m in pending_invitations(user) if m.id == membership_id), None)
    if invitation is None:
        raise MemberError(None, _l("This invitation is no longer open."), status=404)
    tenant = invitation.tenant
    with tenant_scope(tenant):
        if accept:
            invitation.accepted_at = utcnow()
            invitation.is_active = True
            db.session.flush()
            record(tenant=tenant, actor=user, action="member.invitation_accepted", object_type="membership",
                   object_id=invitation.id, summary=f"{user.display_name} → {invitation.role.value}",
                   after=describe(invitation))
        else:
            record(tenant=tenant, actor=user, action="member.invitation_declined", object_type="membership",
                   object_id=invitation.id, summary=f"{invitation.invited_login} ✕ {invitation.role.value}",
                   before=describe_invitation(invitation))
            db.session.delete(invitation)
        db.session.flush()
    logger.info("invitation %s user=%s membership=%s", "accepted" if accept else "declined", user.id, membership_id)
    return invitation


def update_member(*, tenant, actor, membership: Membership, role: Role, area_id=None, firm_id=None,
                  community_id=None, reason: str = "") -> Membership:
    # An open invitation is described by the login the tenant typed, never by the account behind it.
    described = describe_invitation if membership.is_pending else describe
    before = described(membership)
    binding = _check_binding(role, area_id=area_id, firm_id=firm_id, community_id=community_id)
    if role != membership.role:
        clash = db.session.scalar(sa.select(Membership).where(
            Membership.user_id == membership.user_id, Membership.role == role, Membership.id != membership.id))
        if clash is not None:
            raise MemberError("role", _l("This person already has this role here."))
    if membership.user_id == actor.id and membership.role == Role.BUREAU_ADMIN and role != Role.BUREAU_ADMIN:
        raise MemberError("role", _l("You cannot remove your own administrator role."))
    membership.role = role
    for key, value in binding.items():
        setattr(membership, key, value)
    db.session.flush()
    who = membership.invited_login if membership.is_pending else membership.user.display_name
    record(tenant=tenant, actor=actor, action="member.changed", object_type="membership", object_id=membership.id,
           summary=f"{who}: {before['role']} → {role.value}", before=before, after=described(membership),
           reason=reason)
    return membership


def set_member_active(*, tenant, actor, membership: Membership, active: bool, reason: str = "") -> None:
    if membership.user_id == actor.id and not active:
        raise MemberError("reason", _l("You cannot deactivate your own membership."))
    if membership.is_pending:
        if active:
            raise MemberError("reason", _l("Only the person invited can accept an invitation."), status=409)
        withdraw_invitation(tenant=tenant, actor=actor, membership=membership, reason=reason)
        return
    before = describe(membership)
    membership.is_active = active
    db.session.flush()
    if not active:
        # The person's API tokens here end with the role (and stay revoked if it comes back): a token
        # minted as an administrator must not outlive the administration.
        from portal.api.tokens import revoke_all_for

        revoke_all_for(membership.user, actor=actor, why="membership_deactivated", tenant=tenant)
    record(tenant=tenant, actor=actor, action="member.activated" if active else "member.deactivated",
           object_type="membership", object_id=membership.id, summary=membership.user.display_name,
           before=before, after=describe(membership), reason=reason)


def withdraw_invitation(*, tenant, actor, membership: Membership, reason: str = "") -> None:
    record(tenant=tenant, actor=actor, action="member.invitation_withdrawn", object_type="membership",
           object_id=membership.id, summary=f"{membership.invited_login} ✕ {membership.role.value}",
           before=describe_invitation(membership), reason=reason)
    db.session.delete(membership)
    db.session.flush()


def members_query() -> sa.Select:
    """The tenant's members, active first, by name; open invitations are left out (see invitations_query).

    An open invitation names an account that has not agreed to join, so it must not show that account.
    """
    return (sa.select(Membership).join(User, Membership.user_id == User.id)
            .where(sa.or_(Membership.invited_at.is_(None), Membership.accepted_at.is_not(None)))
            .order_by(Membership.is_active.desc(), User.display_name, Membership.role, Membership.id))


MEMBER_STATES = {"active": True, "inactive": False}


def filtered_members(*, q: str | None = None, role: Role | None = None, state: str | None = None) -> sa.Select:
    """The tenant's members (see members_query) with every word of ``q`` in the name, mobile number or
    e-mail, of one ``role``, active or not (``state``)."""
    stmt = searched(members_query(), q, User.display_name, User.mobile, User.email)
    if role is not None:
        stmt = stmt.where(Membership.role == role)
    if state in MEMBER_STATES:
        stmt = stmt.where(Membership.is_active == MEMBER_STATES[state])
    return stmt


def filtered_people(*, q: str | None = None, role: Role | None = None, state: str | None = None) -> sa.Select:
    """One row per person among the members ``filtered_members`` finds, by name: someone with two roles
    (an owner who is also bureau staff) is one person with two roles, never two entries."""
    matching = filtered_members(q=q, role=role, state=state).order_by(None).with_only_columns(Membership.user_id)
    return sa.select(User).where(User.id.in_(matching)).order_by(User.display_name, User.id)


def roles_of_people(user_ids: list[int]) -> dict[int, list[Membership]]:
    """Each person's memberships here (open invitations aside), active first, in role order."""
    by_person: dict[int, list[Membership]] = {user_id: [] for user_id in user_ids}
    if user_ids:
        for membership in db.session.scalars(members_query().where(Membership.user_id.in_(user_ids))):
            by_person[membership.user_id].append(membership)
    return by_person


def binding_names(memberships: list[Membership]) -> dict[int, str]:
    """What each membership is bound to, by name (an area, a firm, a community or project), by membership id."""
    names: dict[int, str] = {}
    for kind, model in BINDING_MODELS.items():
        bound = {m.id: getattr(m, f"{kind}_id") for m in memberships if getattr(m, f"{kind}_id")}
        if bound:
            name_of = dict(db.session.execute(sa.select(model.id, model.name).where(model.id.in_(set(bound.values())))).all())
            names.update({membership_id: name_of[obj_id] for membership_id, obj_id in bound.items() if obj_id in name_of})
    return names


def invitations_query(*, q: str | None = None, role: Role | None = None) -> sa.Select:
    """The tenant's open invitations, oldest first; ``q``: words of the login the administrator typed."""
    stmt = searched(sa.select(Membership).where(Membership.invited_at.is_not(None), Membership.accepted_at.is_(None))
                    .order_by(Membership.invited_at, Membership.id), q, Membership.invited_login)
    return stmt if role is None else stmt.where(Membership.role == role)
