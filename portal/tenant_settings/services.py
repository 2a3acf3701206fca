"""Changing a tenant's own settings (its administrator's): audited, with the rules that keep it usable."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.auth.models import User
from portal.domain import DomainError
from portal.extensions import db
from tenants.models import Membership, Tenant

logger = logging.getLogger(__name__)

MSG_VERIFY_OWN_FIRST = _l("Verify your own mobile number first (under My account): once this is on, nobody here, "
                          "you included, goes on without a verified number.")


class SettingsError(DomainError):
    """A setting that cannot be changed as asked (``field`` names the form field)."""


@dataclass
class VerificationFigures:
    members: int   # people with an active membership in the tenant
    verified: int  # of them, with a verified mobile number


def verification_figures() -> VerificationFigures:
    """How many of the current tenant's members have verified their mobile number (what turning it on means)."""
    members = sa.select(Membership.user_id).where(Membership.is_active.is_(True)).distinct().subquery()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(members))
    verified = db.session.scalar(
        sa.select(sa.func.count(User.id)).where(User.id.in_(sa.select(members.c.user_id)), User.mobile.is_not(None),
                                                User.mobile_verified_at.is_not(None)))
    return VerificationFigures(members=total or 0, verified=verified or 0)


def set_mobile_verification(*, tenant: Tenant, actor: User, required: bool) -> bool:
    """Require (or stop requiring) a verified mobile number of every member; False when nothing changed.

    Turning it on needs the administrator's own number verified, so the change cannot lock out the
    person making it.
    """
    if required == tenant.require_verified_mobile:
        return False
    if required and not actor.mobile_verified:
        raise SettingsError("require_verified_mobile", MSG_VERIFY_OWN_FIRST)
    tenant.require_verified_mobile = required
    record(tenant=tenant, actor=actor,
           action="tenant.mobile_verification_required" if required else "tenant.mobile_verification_optional",
           object_type="tenant", object_id=tenant.id, summary=tenant.slug,
           before={"require_verified_mobile": not required}, after={"require_verified_mobile": required})
    db.session.flush()
    logger.info("tenant=%s require_verified_mobile=%s by=%s", tenant.id, required, actor.id)
    return True
