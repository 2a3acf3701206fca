"""The tenancy core: tenants, memberships, roles, the current tenant and tenant-scoped models.

Feature packages import from here; this package never imports a feature package.
"""
from tenants.context import (  # noqa: F401
    CrossTenantWrite,
    TenantContextMissing,
    across_tenants,
    current_tenant,
    current_tenant_id,
    tenant_scope,
)
