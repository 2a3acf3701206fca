"""Issuing, checking and revoking personal API tokens; tokens end with the password, the account and the membership."""
from __future__ import annotations

import hashlib
import logging
import secrets

import sqlalchemy as sa

from portal.api.models import ApiToken
from portal.audit.services import record
from portal.db import utcnow
from portal.extensions import db
from tenants.context import across_tenants, current_tenant_id, tenant_scope
from tenants.models import Membership, Tenant

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "spp_"


def _digest(raw: str) -> str:
    # The token is 256 random bits, so a fast hash is enough (nothing to brute-force).
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(*, tenant, user, name: str) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(tenant_id=tenant.id, user_id=user.id, name=name, token_hash=_digest(raw), prefix=raw[:10])
    db.session.add(token)
    db.session.flush()
    return token, raw


def user_for_token(raw: str):
    """The user a live token belongs to, if the token is for the tenant in the URL; otherwise None.

    Checked again at every use, whatever revoked it or not: the token itself, the account (disabled
    or its password changed since the token was made) and the membership in this tenant.
    """
    if current_tenant_id() is None or not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if token is None or not token.is_active or not token.user.is_active:
        return None
    changed = token.user.password_changed_at
    if changed is not None and changed > token.created_at:
        return None
    member = db.session.scalar(sa.select(Membership.id).where(Membership.user_id == token.user_id,
                                                             Membership.is_active.is_(True)).limit(1))
    if member is None:
        return None
    return token.user


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()


REVOKE_REASONS = {"password_changed", "account_disabled", "membership_deactivated"}


def revoke_all_for(user, *, actor, why: str, tenant=None) -> int:
    """Revoke every live token of ``user``: in ``tenant`` only (a membership ended), else everywhere
    (password changed, account disabled). One audit event per tenant concerned; returns the count."""
    assert why in REVOKE_REASONS, why
    live = sa.and_(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    with across_tenants("find the tenants where a user has live API tokens, to revoke them"):
        stmt = sa.select(ApiToken.tenant_id, sa.func.count()).where(live).group_by(ApiToken.tenant_id)
        if tenant is not None:
            stmt = stmt.where(ApiToken.tenant_id == tenant.id)
        counts = dict(db.session.execute(stmt).all())
    now = utcnow()
    for tenant_id, count in sorted(counts.items()):
        owner = db.session.get(Tenant, tenant_id)
        with tenant_scope(owner):
            db.session.execute(sa.update(ApiToken).where(live).values(revoked_at=now)
                               .execution_options(synchronize_session="fetch"))
            record(tenant=owner, actor=actor, action="api_token.revoked_all", object_type="user", object_id=user.id,
                   summary=f"{user.display_name}: {count}", after={"revoked": count}, reason=why)
            db.session.flush()
    if counts:
        logger.info("api tokens revoked user=%s tenants=%s why=%s", user.id, sorted(counts), why)
    return sum(counts.values())
