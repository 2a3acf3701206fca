"""View decorators: load -> authorise -> act, in the order every route follows."""
from __future__ import annotations

from functools import wraps
from typing import TypeVar

import sqlalchemy as sa
from flask import abort, g, redirect, request, url_for
from flask_login import current_user, login_required

from portal.auth.mobile import must_verify
from portal.extensions import db
from portal.permissions import Action, can
from portal.security import require_membership

M = TypeVar("M")


def tenant_permission(action: Action):
    """Signed in, a member of the URL's tenant (else 404), allowed ``action`` (else 403)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            memberships = require_membership()
            if not can(memberships, action):
                abort(403)
            if must_verify(g.tenant, current_user):
                return verify_mobile_first()
            return view(*args, **kwargs)

        return wrapper

    return decorator


def verify_mobile_first():
    """A member of a tenant that requires a verified mobile number verifies it first, then comes back here."""
    back = request.full_path.rstrip("?") if request.method == "GET" else url_for("dashboard.dashboard")
    return redirect(url_for("auth.mobile_page", next=back), 302 if request.method == "GET" else 303)


def platform_admin_required(view):
    """The platform area is invisible (404) to everyone but platform administrators."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_platform_admin:
            abort(404)
        return view(*args, **kwargs)

    return wrapper


def scoped_or_none(model: type[M], object_id: int) -> M | None:
    """A tenant-owned object by id inside the current tenant, or None (JSON views answer 404 themselves)."""
    return db.session.scalar(sa.select(model).where(model.id == object_id))


def get_scoped_or_404(model: type[M], object_id: int) -> M:
    """Load a tenant-owned object by id inside the current tenant; anything else is a 404.

    Always a SELECT (never ``Session.get``): the identity map could otherwise hand back an
    object loaded earlier without the tenant filter ever running.
    """
    if g.get("tenant") is None:
        abort(404)
    obj = db.session.scalar(sa.select(model).where(model.id == object_id))
    if obj is None:
        abort(404)
    return obj
