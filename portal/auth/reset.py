"""Password reset: a one-time code sent to the person, or a one-time link an administrator hands over.

Nothing here tells anybody whether an account exists: a request for an unknown mobile number or
e-mail address is charged, answered and timed like any other, and a wrong, expired, spent or
over-tried code gets one message. Secrets are stored hashed (codes with the app's secret key, since
six digits are quick to try against a plain hash), expire, are spent by their first use and by any
newer reset of the same user. A reset goes through the password-change path, so it ends every
session and revokes every API token of the account.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.auth import onetime, services
from portal.auth.models import PasswordReset, User
from portal.db import utcnow
from portal.extensions import db
from portal.validation import normalise_login

logger = logging.getLogger(__name__)


def _code_hash(user_id: int, code: str) -> str:
    return onetime.code_hash(f"reset-code:{user_id}", code)


def _link_hash(token: str) -> str:
    return hashlib.sha256(("reset-link:" + token).encode("utf-8", "surrogatepass")).hexdigest()


def _spend_open_resets(user: User, now: dt.datetime) -> None:
    onetime.spend_open(PasswordReset, PasswordReset.user_id == user.id, now=now)


def request_code(login: str, address: str) -> tuple[onetime.Refusal | None, tuple[str, str] | None]:
    """Create a code for the account of ``login`` (if there is one). Returns (refusal, (to, code) to send).

    The caller commits and then sends: a message must not go out for a code a rollback threw away.
    """
    login = normalise_login(login)[:254]
    refusal = onetime.charge([(onetime.key("reset:account:", login), "RESET_LIMIT_PER_ACCOUNT"),
                              (onetime.key("reset:address:", address), "RESET_LIMIT_PER_ADDRESS")])
    if refusal:
        return refusal, None
    user = services.find_user(login)
    if user is None or not user.is_active:
        logger.info("reset code requested for an unknown or disabled account")
        return None, None
    now = utcnow()
    _spend_open_resets(user, now)  # one live code at a time: older ones die
    code = onetime.new_code()
    db.session.add(PasswordReset(user_id=user.id, kind="code", secret_hash=_code_hash(user.id, code), created_at=now,
                                 expires_at=onetime.expiry(now, "RESET_CODE_MINUTES"), attempts=0))
    db.session.flush()
    logger.info("reset code issued user=%s", user.id)
    return None, (login, code)


def code_message(code: str):
    minutes = int(current_app.config["RESET_CODE_MINUTES"])
    return _l("Sunshine Property Portal: your password reset code is %(code)s, valid for %(minutes)d minutes. "
              "If you did not ask for it, ignore this message; nobody from the portal will ask you for it.",
              code=code, minutes=minutes)


def check_allowed(address: str) -> onetime.Refusal | None:
    """Charge one code check against the address (guessing across many accounts from one place)."""
    return onetime.charge([(onetime.key("reset:check:", address), "RESET_CHECK_LIMIT_PER_ADDRESS")])


def reset_with_code(login: str, code: str, new_password: str) -> User | None:
    """Set ``new_password`` if ``code`` is the live code of the account; None otherwise (one answer for all).

    A wrong guess counts against the live code (the caller commits it even on failure).
    """
    user = services.find_user(login)
    if user is None or not user.is_active:
        return None
    live = onetime.live(PasswordReset, PasswordReset.user_id == user.id, PasswordReset.kind == "code")
    if not onetime.matches(live, _code_hash(user.id, onetime.clean(code))):
        logger.info("reset code refused user=%s", user.id)
        return None
    _finish(user, utcnow(), new_password)
    logger.info("password reset with a code user=%s", user.id)
    return user


def link_allowed(tenant, user: User) -> bool:
    """Whether ``tenant``'s administrator may reset ``user``'s password: only for an account that belongs
    to this tenant alone. Anyone else (a member of another tenant, a platform administrator) could be
    taken over in the other tenant through this one, so they reset with a code sent to them instead."""
    from tenants import across_tenants
    from tenants.models import Membership

    if user.is_platform_admin or not user.is_active:
        return False
    with across_tenants("a reset link is only for accounts that belong to the issuing tenant alone"):
        elsewhere = db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
            Membership.user_id == user.id, Membership.tenant_id != tenant.id,
            sa.or_(Membership.is_active.is_(True), Membership.accepted_at.is_not(None))))
    return not elsewhere


def issue_link(*, tenant, actor: User, user: User) -> str:
    """A one-time reset link token for ``user`` (a member of ``tenant``), shown once to ``actor``; audited."""
    from portal.audit.services import record

    assert link_allowed(tenant, user), "checked by the caller"
    now = utcnow()
    _spend_open_resets(user, now)
    token = secrets.token_urlsafe(32)
    hours = int(current_app.config["RESET_LINK_HOURS"])
    reset = PasswordReset(user_id=user.id, kind="link", secret_hash=_link_hash(token), created_at=now,
                          expires_at=now + dt.timedelta(hours=hours), attempts=0, issued_by_id=actor.id)
    db.session.add(reset)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="member.reset_link_issued", object_type="user", object_id=user.id,
           summary=user.display_name, after={"expires_at": reset.expires_at.isoformat()})
    logger.info("reset link issued user=%s by=%s tenant=%s", user.id, actor.id, tenant.id)
    return token


def live_link(token: str) -> PasswordReset | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        sa.select(PasswordReset)
        .where(PasswordReset.secret_hash == _link_hash(token), PasswordReset.kind == "link",
               PasswordReset.used_at.is_(None), PasswordReset.expires_at > utcnow()))


def reset_with_link(token: str, new_password: str) -> User | None:
    reset = live_link(token)
    if reset is None or not reset.user.is_active:
        return None
    _finish(reset.user, utcnow(), new_password)
    logger.info("password reset with a link user=%s", reset.user_id)
    return reset.user


def _finish(user: User, now: dt.datetime, new_password: str) -> None:
    _spend_open_resets(user, now)
    services.change_password(user, new_password)  # ends every session, revokes every API token
