"""Adding members, changing roles and bindings, deactivating memberships — all audited."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.auth import services as auth_services
from portal.auth.models import User
from portal.communities.models import Area, Community
from portal.domain import DomainError
from portal.extensions import db
from portal.firms.models import Firm
from tenants.models import Membership
from tenants.roles import Role

logger = logging.getLogger(__name__)


class MemberError(DomainError):
    """A rule broken by a membership change; ``field`` names the form field it belongs to."""


BINDING_MODELS = {"area": Area, "firm": Firm, "community": Community}


def _check_binding(role: Role, *, area_id, firm_id, community_id) -> dict:
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
    binding = _check_binding(role, area_id=area_id, firm_id=firm_id, community_id=community_id)
    user = auth_services.find_user(login)
    if user is None:
        if not initial_password:
            raise MemberError("initial_password", _l("A new account needs an initial password."))
        from portal.auth.passwords import password_problem

        problem = password_problem(initial_password, identifiers=(login,))
        if problem:
            raise MemberError("initial_password", problem)
        kwargs = {"email": login} if "@" in login else {"mobile": login}
        user = auth_services.create_user(display_name=display_name, password=initial_password, **kwargs)
    existing = db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id, Membership.role == role))
    if existing is not None:
        raise MemberError("role", _l("This person already has this role here."))
    membership = Membership(tenant_id=tenant.id, user_id=user.id, role=role, **binding)
    db.session.add(membership)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="member.added", object_type="membership", object_id=membership.id,
           summary=f"{user.display_name} → {role.value}", after=describe(membership))
    return membership


def update_member(*, tenant, actor, membership: Membership, role: Role, area_id=None, firm_id=None,
                  community_id=None, reason: str = "") -> Membership:
    before = describe(membership)
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
    record(tenant=tenant, actor=actor, action="member.changed", object_type="membership", object_id=membership.id,
           summary=f"{membership.user.display_name}: {before['role']} → {role.value}", before=before,
           after=describe(membership), reason=reason)
    return membership


def set_member_active(*, tenant, actor, membership: Membership, active: bool, reason: str = "") -> None:
    if membership.user_id == actor.id and not active:
        raise MemberError("reason", _l("You cannot deactivate your own membership."))
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


def list_members() -> list[Membership]:
    return list(db.session.scalars(sa.select(Membership).join(User, Membership.user_id == User.id)
                                   .order_by(Membership.is_active.desc(), User.display_name, Membership.role)))


def binding_choices() -> dict[str, list[tuple[int, str]]]:
    return {
        "area": [(a.id, a.name) for a in db.session.scalars(sa.select(Area).order_by(Area.kind, Area.name))],
        "firm": [(f.id, f.name) for f in db.session.scalars(sa.select(Firm).order_by(Firm.name))],
        "community": [(c.id, c.name) for c in db.session.scalars(sa.select(Community).order_by(Community.name))],
    }
