"""Tenant and Membership: who the tenants are and who belongs to each, in which role."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, enum_type, utcnow
from tenants.roles import Role
from tenants.scoping import TenantScoped


class TenantKind(str, enum.Enum):
    BUREAU = "bureau"
    FIRM = "firm"

    @property
    def label(self):
        return {TenantKind.BUREAU: _l("County housing bureau"), TenantKind.FIRM: _l("Property firm")}[self]


class TenantStatus(str, enum.Enum):
    ACTIVE = "active"
    READ_ONLY = "read_only"
    SUSPENDED = "suspended"

    @property
    def label(self):
        return {
            TenantStatus.ACTIVE: _l("Active"),
            TenantStatus.READ_ONLY: _l("Read-only"),
            TenantStatus.SUSPENDED: _l("Suspended"),
        }[self]


SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$"


class Tenant(Base):
    """A county housing bureau or a property firm using the portal; owns all its data."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[TenantKind] = mapped_column(enum_type(TenantKind, 16))
    name_zh: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(160), default="")
    region: Mapped[str] = mapped_column(sa.String(120), default="")
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Shanghai")
    status: Mapped[TenantStatus] = mapped_column(
        enum_type(TenantStatus, 16), default=TenantStatus.ACTIVE
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Base of the links printed on slips and QR codes for this tenant; None: PORTAL_PUBLIC_URL.
    public_url: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    # The tenant administrator's setting: every member must have proved their mobile number with a
    # code before using the tenant or binding a unit (portal/auth/mobile.py). Off unless turned on.
    require_verified_mobile: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Soft delete by the platform administrator (portal/tenant_export): the tenant is gone from every page
    # at once, its data kept until ``purge_after`` (then `flask tenants purge`), restorable until then.
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    purge_after: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status_before_delete: Mapped[str | None] = mapped_column(sa.String(16))

    def display_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name_zh

    @property
    def is_writable(self) -> bool:
        return self.status == TenantStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


class Membership(TenantScoped, Base):
    """A user's role in one tenant, bound to an area, firm or community where the role needs it."""

    __tablename__ = "memberships"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "user_id", "role"),
        # Bindings by table name only, so the tenancy core never imports the feature packages;
        # tenant_id is part of each key, so a binding can never point into another tenant.
        sa.ForeignKeyConstraint(["tenant_id", "area_id"], ["areas.tenant_id", "areas.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "firm_id"], ["firms.tenant_id", "firms.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "community_id"], ["communities.tenant_id", "communities.id"], ondelete="RESTRICT"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, 32))
    area_id: Mapped[int | None] = mapped_column(index=True)
    firm_id: Mapped[int | None] = mapped_column(index=True)
    community_id: Mapped[int | None] = mapped_column(index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # An administrator's invitation: inactive until the person accepts it after signing in, so no
    # tenant can attach someone's account to itself without them (see portal/members/invitations.py).
    invited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The mobile number or e-mail as the administrator typed it: all the tenant sees of the person
    # until they accept (their name and other login belong to them, not to the inviting tenant).
    invited_login: Mapped[str | None] = mapped_column(sa.String(254))
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", lazy="joined", back_populates="memberships", foreign_keys=[user_id])
    tenant = relationship(Tenant, lazy="joined", viewonly=True)

    @property
    def is_pending(self) -> bool:
        """Invited and neither accepted nor declined yet."""
        return self.invited_at is not None and self.accepted_at is None

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} tenant={self.tenant_id} {self.role.value}>"
