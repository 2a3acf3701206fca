"""Which tenant the code is acting for right now, and the errors raised when that is unclear.

The tenant lives in a context variable. A request sets it once, from the URL prefix, in
``tenants.resolution``; CLI commands and tests use ``tenant_scope``. Nothing else sets it.
"""
from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from werkzeug.local import LocalProxy

if TYPE_CHECKING:
    from tenants.models import Tenant


class TenantContextMissing(RuntimeError):
    """A tenant-owned table was touched while no tenant was in context (fail closed)."""


class CrossTenantWrite(RuntimeError):
    """An object of one tenant was about to be written while acting for another."""


@dataclass(frozen=True)
class _Scope:
    tenant: "Tenant | None"
    tenant_id: int | None = None
    across: bool = False  # explicit, audited cross-tenant reads (platform admin, tenant picker)
    reason: str = ""


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("tenant_scope", default=None)


def _get_scope() -> _Scope | None:
    return _scope.get()


def current_tenant_id() -> int | None:
    scope = _scope.get()
    return scope.tenant_id if scope else None


def _current_tenant_obj():
    scope = _scope.get()
    return scope.tenant if scope else None


current_tenant: "Tenant" = LocalProxy(_current_tenant_obj)  # type: ignore[assignment]


def in_across_mode() -> bool:
    scope = _scope.get()
    return bool(scope and scope.across)


def set_scope(tenant) -> contextvars.Token:
    """Enter a tenant's scope; return the token that ``reset_scope`` needs."""
    return _scope.set(_Scope(tenant=tenant, tenant_id=tenant.id))


def reset_scope(token: contextvars.Token) -> None:
    _scope.reset(token)


@contextlib.contextmanager
def tenant_scope(tenant) -> Iterator["Tenant"]:
    """Act for ``tenant`` inside the block (CLI commands, background jobs, tests)."""
    token = _scope.set(_Scope(tenant=tenant, tenant_id=tenant.id))
    try:
        yield tenant
    finally:
        _scope.reset(token)


@contextlib.contextmanager
def across_tenants(reason: str) -> Iterator[None]:
    """Read tenant-owned rows of every tenant inside the block.

    Only for the few places that must (a user's list of tenants, the platform admin's overview,
    demo loading). The reason is required so each use says why it is allowed.
    """
    if not reason or not reason.strip():
        raise ValueError("across_tenants needs a reason")
    token = _scope.set(_Scope(tenant=None, across=True, reason=reason))
    try:
        yield
    finally:
        _scope.reset(token)
