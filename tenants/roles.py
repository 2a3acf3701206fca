"""The roles a membership can carry, which binding each role needs, and what each is called.

A county bureau and a property firm use the portal differently: in a firm's own tenant the firm *is*
the tenant, so its administrator is the firm's (企业管理员), its areas are branches and regions and
its communities are the projects it serves, run by project teams. The role codes are shared (one
permission table, one column); which roles a tenant offers and what they are called follow its kind.
"""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

BUREAU_KIND = "bureau"
FIRM_KIND = "firm"


class Role(str, enum.Enum):
    """A user's role inside one tenant (the platform administrator is a flag on the user)."""

    BUREAU_ADMIN = "bureau_admin"          # the tenant's administrator (a firm tenant: 企业管理员)
    BUREAU_STAFF = "bureau_staff"          # head-office staff (a firm tenant: 总部职员)
    AREA_OFFICER = "area_officer"          # street/community officer; a firm tenant: branch/region manager
    FIRM_STAFF = "firm_staff"              # a firm's staff working in a bureau's tenant
    COMMITTEE_MEMBER = "committee_member"
    PROJECT_MANAGER = "project_manager"    # firm tenants: runs one project (项目经理)
    PROJECT_STAFF = "project_staff"        # firm tenants: works on one project (项目人员)
    OWNER = "owner"

    @property
    def label(self):
        """The role's name in the current tenant's vocabulary (a bureau's outside any tenant)."""
        from tenants.context import _current_tenant_obj

        tenant = _current_tenant_obj()
        return self.label_for(tenant.kind if tenant is not None else BUREAU_KIND)

    def label_for(self, tenant_kind) -> str:
        """The role's name in a tenant of ``tenant_kind`` (a TenantKind or its value)."""
        kind = getattr(tenant_kind, "value", tenant_kind)
        return (FIRM_ROLE_LABELS if kind == FIRM_KIND else ROLE_LABELS)[self]

    @property
    def binding(self) -> str | None:
        """Which registry object the membership must be bound to: 'area', 'firm', 'community' or None."""
        return ROLE_BINDINGS.get(self)


ROLE_LABELS = {
    Role.BUREAU_ADMIN: _l("Bureau administrator"),
    Role.BUREAU_STAFF: _l("Bureau staff"),
    Role.AREA_OFFICER: _l("Street/community officer"),
    Role.FIRM_STAFF: _l("Property firm staff"),
    Role.COMMITTEE_MEMBER: _l("Owners' committee member"),
    Role.PROJECT_MANAGER: _l("Project manager"),
    Role.PROJECT_STAFF: _l("Project staff"),
    Role.OWNER: _l("Owner"),
}

FIRM_ROLE_LABELS = {
    **ROLE_LABELS,
    Role.BUREAU_ADMIN: _l("Firm administrator"),
    Role.BUREAU_STAFF: _l("Head-office staff"),
    Role.AREA_OFFICER: _l("Branch/region manager"),
}

ROLE_BINDINGS = {
    Role.AREA_OFFICER: "area",
    Role.FIRM_STAFF: "firm",
    Role.COMMITTEE_MEMBER: "community",
    Role.PROJECT_MANAGER: "community",
    Role.PROJECT_STAFF: "community",
}

# Which roles each kind of tenant offers. A firm's own tenant has no "firm staff" (everyone there is
# the firm's staff: head office, branch managers, project teams) and no owners' committee members
# (committees deal with the firm through the county's tenant, where the bureau supervises both).
ROLES_BY_TENANT_KIND = {
    BUREAU_KIND: (Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.AREA_OFFICER, Role.FIRM_STAFF,
                  Role.COMMITTEE_MEMBER, Role.OWNER),
    FIRM_KIND: (Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.AREA_OFFICER, Role.PROJECT_MANAGER,
                Role.PROJECT_STAFF, Role.OWNER),
}


def roles_for(tenant_kind) -> tuple[Role, ...]:
    return ROLES_BY_TENANT_KIND[getattr(tenant_kind, "value", tenant_kind)]


PLATFORM_ADMIN = "platform_admin"
