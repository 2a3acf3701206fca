"""Issuing, checking and revoking personal API tokens."""
from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa

from portal.api.models import ApiToken
from portal.db import utcnow
from portal.extensions import db
from tenants.context import current_tenant_id

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
    """The user a live token belongs to, if the token is for the tenant in the URL; otherwise None."""
    if current_tenant_id() is None or not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if token is None or not token.is_active or not token.user.is_active:
        return None
    return token.user


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
