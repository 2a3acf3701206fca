"""Authentication and account changes; each change that matters is audited."""
from __future__ import annotations

import logging

import sqlalchemy as sa

from portal.auth.models import User
from portal.auth.passwords import hash_password, needs_rehash, verify_password
from portal.db import utcnow
from portal.extensions import db
from portal.validation import normalise_login

logger = logging.getLogger(__name__)


def find_user(identifier: str) -> User | None:
    login = normalise_login(identifier)
    if not login:
        return None
    column = User.email if "@" in login else User.mobile
    return db.session.scalar(sa.select(User).where(column == login))


def authenticate(identifier: str, password: str) -> User | None:
    """The active user with these credentials, or None. Unknown accounts cost the same time."""
    user = find_user(identifier)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        logger.info("login failed for %s", normalise_login(identifier)[:64])
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    logger.info("login ok user=%s", user.id)
    return user


def create_user(*, display_name: str, password: str, mobile: str | None = None, email: str | None = None,
                is_platform_admin: bool = False) -> User:
    user = User(
        display_name=display_name,
        mobile=normalise_login(mobile) if mobile else None,
        email=normalise_login(email) if email else None,
        password_hash=hash_password(password),
        is_platform_admin=is_platform_admin,
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def change_password(user: User, new_password: str) -> None:
    """Set a new password; end every session and revoke every API token of the user (other devices included)."""
    from portal.api.tokens import revoke_all_for

    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.end_all_sessions()
    revoke_all_for(user, actor=user, why="password_changed")
    logger.info("password changed user=%s", user.id)


def end_sessions(user: User) -> None:
    """Logout: rotating the token makes every copy of every session cookie of the user invalid."""
    user.end_all_sessions()


def set_user_active(user: User, active: bool, *, actor=None) -> None:
    """Disabling ends every session and revokes every API token for good: re-enabling brings none back."""
    from portal.api.tokens import revoke_all_for

    user.is_active = active
    if not active:
        user.end_all_sessions()
        revoke_all_for(user, actor=actor, why="account_disabled")
