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
import hmac
import logging
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.auth import services, throttle
from portal.auth.models import PasswordReset, User
from portal.db import utcnow
from portal.extensions import db
from portal.validation import normalise_login

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
MAX_CODE_ATTEMPTS = 5  # wrong guesses a code survives; with 3 codes per 15 minutes, 15 guesses in 10^6

MSG_BAD_CODE = _l("The code is not correct, has expired or was tried too often. Check it, or request a new code.")


@dataclass
class Refusal:
    """A throttled request: wait ``seconds``."""

    seconds: int


def _code_hash(user_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"reset-code:{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _link_hash(token: str) -> str:
    return hashlib.sha256(("reset-link:" + token).encode("utf-8", "surrogatepass")).hexdigest()


def _charge(checks: list[tuple[str, str]]) -> Refusal | None:
    """Count one event against each (key, limit setting); the longest window of those exceeded, or None."""
    store = throttle.counters()
    refused = 0
    for key, setting in checks:
        amount, window = throttle._limit(setting)
        if store.incr(key, window) > amount:
            refused = max(refused, window)
    return Refusal(refused) if refused else None


def _spend_open_resets(user: User, now: dt.datetime) -> None:
    db.session.execute(sa.update(PasswordReset)
                       .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
                       .values(used_at=now).execution_options(synchronize_session="fetch"))


def request_code(login: str, address: str) -> tuple[Refusal | None, tuple[str, str] | None]:
    """Create a code for the account of ``login`` (if there is one). Returns (refusal, (to, code) to send).

    The caller commits and then sends: a message must not go out for a code a rollback threw away.
    """
    login = normalise_login(login)[:254]
    refusal = _charge([("reset:account:" + throttle._digest(login), "RESET_LIMIT_PER_ACCOUNT"),
                       ("reset:address:" + throttle._digest(address), "RESET_LIMIT_PER_ADDRESS")])
    if refusal:
        return refusal, None
    user = services.find_user(login)
    if user is None or not user.is_active:
        logger.info("reset code requested for an unknown or disabled account")
        return None, None
    now = utcnow()
    _spend_open_resets(user, now)  # one live code at a time: older ones die
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    minutes = int(current_app.config["RESET_CODE_MINUTES"])
    db.session.add(PasswordReset(user_id=user.id, kind="code", secret_hash=_code_hash(user.id, code), created_at=now,
                                 expires_at=now + dt.timedelta(minutes=minutes), attempts=0))
    db.session.flush()
    logger.info("reset code issued user=%s", user.id)
    return None, (login, code)


def code_message(code: str):
    minutes = int(current_app.config["RESET_CODE_MINUTES"])
    return _l("Sunshine Property Portal: your password reset code is %(code)s, valid for %(minutes)d minutes. "
              "If you did not ask for it, ignore this message; nobody from the portal will ask you for it.",
              code=code, minutes=minutes)


def check_allowed(address: str) -> Refusal | None:
    """Charge one code check against the address (guessing across many accounts from one place)."""
    return _charge([("reset:check:" + throttle._digest(address), "RESET_CHECK_LIMIT_PER_ADDRESS")])


def reset_with_code(login: str, code: str, new_password: str) -> User | None:
    """Set ``new_password`` if ``code`` is the live code of the account; None otherwise (one answer for all).

    A wrong guess counts against the live code (the caller commits it even on failure).
    """
    user = services.find_user(login)
    if user is None or not user.is_active:
        return None
    now = utcnow()
    live = db.session.scalar(
        sa.select(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.kind == "code", PasswordReset.used_at.is_(None),
               PasswordReset.expires_at > now)
        .order_by(PasswordReset.id.desc()).limit(1).with_for_update(of=PasswordReset))
    if live is None or live.attempts >= MAX_CODE_ATTEMPTS:
        return None
    if not hmac.compare_digest(live.secret_hash, _code_hash(user.id, (code or "").strip())):
        live.attempts += 1
        db.session.flush()
        logger.info("reset code wrong user=%s attempts=%s", user.id, live.attempts)
        return None
    _finish(user, now, new_password)
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
