"""The global user account (one person, possibly member of several tenants)."""
from __future__ import annotations

import datetime as dt
import hmac
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.base import NO_VALUE

from portal.db import Base, UTCDateTime, utcnow


def new_session_token() -> str:
    return secrets.token_hex(16)


class User(Base):
    """A person who logs in with a mobile number or an e-mail address."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    mobile: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(80))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    # Part of the session identity: rotating it ends every session the user has (logout,
    # password change, disabling), even copies of an old signed cookie.
    session_token: Mapped[str] = mapped_column(sa.String(32), default=new_session_token)
    is_active: Mapped[bool] = mapped_column(default=True)
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the person accepted the privacy notice (owner registration); None: never asked.
    privacy_consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the person proved, with a code sent to it, that ``mobile`` reaches them; None: not proved.
    # Any change of ``mobile`` clears it (see _mobile_changed below).
    mobile_verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Notifications (portal/notifications): e-mails unless turned off; the language of e-mails and texts
    # (None: the portal's default, Chinese).
    notify_by_email: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    locale: Mapped[str | None] = mapped_column(sa.String(8))

    memberships = relationship("Membership", back_populates="user", lazy="raise", foreign_keys="Membership.user_id")

    __table_args__ = (sa.CheckConstraint("mobile IS NOT NULL OR email IS NOT NULL", name="has_login"),)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def session_token_matches(self, token: str) -> bool:
        return hmac.compare_digest(self.session_token.encode(), token.encode())

    def end_all_sessions(self) -> None:
        self.session_token = new_session_token()

    @property
    def login_name(self) -> str:
        return self.mobile or self.email or ""

    @property
    def mobile_verified(self) -> bool:
        return bool(self.mobile) and self.mobile_verified_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id}>"


@sa.event.listens_for(User.mobile, "set", active_history=True)
def _mobile_changed(user: User, value, old, initiator) -> None:
    """A new mobile number is not verified, whoever changes it (the person, an administrator, an import)."""
    if old is NO_VALUE or old == value:
        return  # the first value of a new account, or no change
    user.mobile_verified_at = None


class OneTimeSecret:
    """Columns of a secret that works once: only its hash is stored; it expires, is spent by its use
    (``used_at``) and dies after too many wrong guesses (``attempts``)."""

    secret_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)


class PasswordReset(OneTimeSecret, Base):
    """A one-time way to set a new password: a code sent to the person, or a link an administrator issued.

    A row is spent by its first successful use, by a newer reset for the same user, or (codes) by too
    many wrong guesses.
    """

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))  # "code" or "link"
    secret_hash: Mapped[str] = mapped_column(sa.String(64), index=True)  # links are looked up by it
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    __table_args__ = (sa.CheckConstraint("kind IN ('code', 'link')", name="kind"),)


class MobileCode(OneTimeSecret, Base):
    """A code sent to a mobile number to prove that it reaches the person who typed it.

    Global like the account (a phone number is nobody's tenant data): ``register`` codes are asked for
    on a tenant's registration page before any account exists; ``account`` codes by a signed-in user
    (``user_id``) for their own number or the one they are changing to. A row is spent by its use, by a
    newer code for the same number and purpose (and user), or by too many wrong guesses.
    """

    __tablename__ = "mobile_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    mobile: Mapped[str] = mapped_column(sa.String(20), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(8))  # "register" or "account"
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)

    __table_args__ = (sa.CheckConstraint("purpose IN ('register', 'account')", name="purpose"),)
