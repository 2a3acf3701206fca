"""Creating tenants, changing their status, disabling users: platform-administrator actions, audited."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.auth import services as auth_services
from portal.auth.models import User
from portal.auth.passwords import password_problem
from portal.domain import DomainError
from portal.extensions import db
from tenants import tenant_scope
from tenants.models import Membership, Tenant, TenantKind, TenantStatus
from tenants.roles import Role


class PlatformError(DomainError):
    """A rule broken by a platform-administrator action."""


def create_tenant(*, actor, slug: str, kind: TenantKind, name_zh: str, name_en: str = "", region: str = "",
                  time_zone: str = "Asia/Shanghai", admin_login: str, admin_name: str,
                  admin_password: str | None) -> Tenant:
    """A new tenant with its first administrator (an existing account, or a new one)."""
    if db.session.scalar(sa.select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise PlatformError("slug", _l("This short name is taken."))
    tenant = Tenant(slug=slug, kind=kind, name_zh=name_zh, name_en=name_en, region=region, time_zone=time_zone)
    db.session.add(tenant)
    db.session.flush()
    admin = auth_services.find_user(admin_login)
    if admin is None:
        problem = password_problem(admin_password or "", identifiers=(admin_login,))
        if problem:
            raise PlatformError("admin_password", problem)
        kwargs = {"email": admin_login} if "@" in admin_login else {"mobile": admin_login}
        admin = auth_services.create_user(display_name=admin_name, password=admin_password, **kwargs)
    with tenant_scope(tenant):
        membership = Membership(tenant_id=tenant.id, user_id=admin.id, role=Role.BUREAU_ADMIN)
        db.session.add(membership)
        db.session.flush()
        record(tenant=tenant, actor=actor, action="tenant.created", object_type="tenant", object_id=tenant.id,
               summary=f"{slug} {name_zh}", after={"slug": slug, "kind": kind.value, "admin": admin.id})
        record(tenant=tenant, actor=actor, action="member.added", object_type="membership", object_id=membership.id,
               summary=f"{admin.display_name} → {Role.BUREAU_ADMIN.value}")
        # Every tenant starts with the published default three lists (editable as new versions).
        from portal.checklists.services import seed_defaults

        seed_defaults(tenant, actor)
        from portal.tickets.services import seed_categories  # and the default ticket categories and time limits

        seed_categories(tenant)
        db.session.flush()
    return tenant


def set_tenant_status(*, actor, tenant: Tenant, status: TenantStatus, reason: str) -> None:
    before = tenant.status.value
    tenant.status = status
    with tenant_scope(tenant):
        record(tenant=tenant, actor=actor, action="tenant.status", object_type="tenant", object_id=tenant.id,
               before={"status": before}, after={"status": status.value}, reason=reason,
               summary=f"{before} → {status.value}")
        db.session.flush()


def set_tenant_public_url(*, actor, tenant: Tenant, public_url: str | None) -> None:
    """Set (or clear, with None) the base of the tenant's printed links; ``public_url`` is already normalised."""
    before = tenant.public_url
    tenant.public_url = public_url
    with tenant_scope(tenant):
        record(tenant=tenant, actor=actor, action="tenant.public_url", object_type="tenant", object_id=tenant.id,
               before={"public_url": before}, after={"public_url": public_url},
               summary=f"{before or '-'} → {public_url or '-'}")
        db.session.flush()


def set_user_active(*, actor, user: User, active: bool, reason: str) -> None:
    """Disable (or re-enable) an account everywhere; disabling ends all its sessions at once."""
    if user.id == actor.id:
        raise PlatformError("reason", _l("You cannot disable your own account."))
    auth_services.set_user_active(user, active, actor=actor)
    from tenants import across_tenants

    with across_tenants("record the change in every tenant the user belongs to"):
        tenants = db.session.scalars(sa.select(Tenant).join(Membership, Membership.tenant_id == Tenant.id)
                                     .where(Membership.user_id == user.id).distinct()).all()
    for tenant in tenants:
        with tenant_scope(tenant):
            record(tenant=tenant, actor=actor, action="user.enabled" if active else "user.disabled",
                   object_type="user", object_id=user.id, summary=user.display_name, reason=reason)
            db.session.flush()
