"""Proving a mobile number with a code sent to it: at registration where the tenant asks for it, and on the account page.

A tenant's administrator may require every member to have a verified number
(``Tenant.require_verified_mobile``); the guards then send an unverified member to the account page
before any page of that tenant, and a unit cannot be claimed there without one. A verified number is
``User.mobile_verified_at``; changing the number clears it (portal/auth/models.py).

Nothing here tells anybody whether a number has an account: a code is sent to any valid mainland
number on request (charged against the same counters either way), and only once the code has come
back — the person holds the phone — does the account page say that the number is someone else's
login. Codes are six digits, stored as an HMAC bound to the number, the purpose and the asking user,
valid for MOBILE_CODE_MINUTES, with a few guesses; a new code for a number at most once a minute.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.auth import onetime, services, throttle
from portal.auth.models import MobileCode, User
from portal.db import utcnow
from portal.domain import DomainError
from portal.extensions import db

logger = logging.getLogger(__name__)

REGISTER, ACCOUNT = "register", "account"

MSG_TAKEN = _l("This number is already the login of another account. Sign in with it (or reset that account's "
               "password with a code), or choose another number.")


class MobileError(DomainError):
    """A number that cannot become this account's (``field`` names the form field)."""


def _user_id(user: User | None) -> int | None:
    return user.id if user is not None else None


def _subject(purpose: str, mobile: str, user: User | None) -> str:
    return f"mobile-code:{purpose}:{mobile}:{_user_id(user) or '-'}"


def _same_request(purpose: str, mobile: str, user: User | None) -> tuple:
    owner = MobileCode.user_id.is_(None) if user is None else MobileCode.user_id == user.id
    return MobileCode.mobile == mobile, MobileCode.purpose == purpose, owner


def request_code(mobile: str, address: str, *, purpose: str, user: User | None = None
                 ) -> tuple[onetime.Refusal | None, str | None]:
    """A new code for ``mobile`` (normalised), spending older ones; returns (refusal, code to send).

    The caller commits and then sends (``send_code``): no message for a code a rollback threw away.
    """
    refusal = onetime.charge([(onetime.key("mobile:resend:", mobile), "MOBILE_CODE_RESEND_LIMIT"),
                              (onetime.key("mobile:number:", mobile), "MOBILE_CODE_LIMIT_PER_NUMBER"),
                              (onetime.key("mobile:address:", address), "MOBILE_CODE_LIMIT_PER_ADDRESS")])
    if refusal:
        return refusal, None
    now = utcnow()
    onetime.spend_open(MobileCode, *_same_request(purpose, mobile, user), now=now)
    code = onetime.new_code()
    db.session.add(MobileCode(mobile=mobile, purpose=purpose, user_id=_user_id(user), attempts=0, created_at=now,
                              secret_hash=onetime.code_hash(_subject(purpose, mobile, user), code),
                              expires_at=onetime.expiry(now, "MOBILE_CODE_MINUTES")))
    db.session.flush()
    logger.info("mobile code issued purpose=%s user=%s", purpose, _user_id(user))
    return None, code


def resend_seconds() -> int:
    """How long a number waits between two codes (what a refusal of that length means)."""
    return throttle._limit("MOBILE_CODE_RESEND_LIMIT")[1]


def refusal_message(refusal: onetime.Refusal):
    """Why no code was sent: asked again too soon, or too often."""
    if refusal.seconds <= resend_seconds():
        return _l("A code was sent a moment ago. Wait a minute before asking for another one.")
    return _l("Too many codes were asked for. Wait a while and try again.")


def send_code(mobile: str, code: str) -> None:
    from portal import messaging

    minutes = int(current_app.config["MOBILE_CODE_MINUTES"])
    messaging.send(mobile, _l("Sunshine Property Portal: your mobile verification code is %(code)s, valid for "
                              "%(minutes)d minutes. If you did not ask for it, ignore this message; nobody from "
                              "the portal will ask you for it.", code=code, minutes=minutes))


def check_allowed(address: str) -> onetime.Refusal | None:
    """Charge one code check against the address (guessing across many numbers from one place)."""
    return onetime.charge([(onetime.key("mobile:check:", address), "MOBILE_CODE_CHECK_LIMIT_PER_ADDRESS")])


def confirm(mobile: str, code: str, *, purpose: str, user: User | None = None) -> bool:
    """Spend the live code of ``mobile`` if ``code`` is it; False otherwise (a wrong guess counts: commit it)."""
    row = onetime.live(MobileCode, *_same_request(purpose, mobile, user))
    if not onetime.matches(row, onetime.code_hash(_subject(purpose, mobile, user), onetime.clean(code))):
        logger.info("mobile code refused purpose=%s user=%s", purpose, _user_id(user))
        return False
    row.used_at = utcnow()
    db.session.flush()
    return True


def verify_account_mobile(user: User, mobile: str) -> str | None:
    """Make the proved ``mobile`` the user's verified number; returns the number it replaced, if any.

    A number that is another account's login is refused here, after the code came back: only the
    holder of the phone learns it.
    """
    previous = user.mobile
    if mobile != previous:
        owner = services.find_user(mobile)
        if owner is not None and owner.id != user.id:
            raise MobileError("code", MSG_TAKEN, status=409)
        try:
            with db.session.begin_nested():  # a parallel change to the same number: refused, not a 500
                user.mobile = mobile
                db.session.flush()
        except sa.exc.IntegrityError:
            raise MobileError("code", MSG_TAKEN, status=409) from None
    user.mobile_verified_at = utcnow()
    db.session.flush()
    logger.info("mobile verified user=%s changed=%s", user.id, mobile != previous)
    return previous if previous and previous != mobile else None


def tell_previous_number(previous: str, new: str) -> None:
    """The number an account no longer logs in with hears of it (a hijacked session would show here)."""
    from portal import messaging

    messaging.send(previous, _l("Sunshine Property Portal: the login number of your account was changed to "
                                "%(mobile)s. If you did not do this, contact your administrator at once.",
                                mobile=masked(new)))


def masked(mobile: str) -> str:
    """138****8000: enough for the person to recognise their number, not enough to read it out."""
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) == 11 else mobile


def tenants_requiring(user) -> list:
    """The user's (active, not suspended) tenants that require a verified mobile number."""
    from tenants import across_tenants
    from tenants.models import Membership, Tenant, TenantStatus

    with across_tenants("a user lists their own memberships"):
        return list(db.session.scalars(
            sa.select(Tenant).join(Membership, Membership.tenant_id == Tenant.id)
            .where(Membership.user_id == user.id, Membership.is_active.is_(True),
                   Tenant.require_verified_mobile.is_(True), Tenant.status != TenantStatus.SUSPENDED)
            .distinct().order_by(Tenant.name_zh)))


def required_by(tenant) -> bool:
    return bool(tenant is not None and tenant.require_verified_mobile)


def must_verify(tenant, user) -> bool:
    """Whether ``user`` must verify their mobile number before using ``tenant``."""
    return required_by(tenant) and not user.mobile_verified
