"""Claim codes printed on slips and the bindings they create between accounts and units."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, enum_type, utcnow
from tenants.scoping import TenantScoped


class ClaimStatus(str, enum.Enum):
    ACTIVE = "active"
    USED = "used"
    REVOKED = "revoked"

    @property
    def label(self):
        return {ClaimStatus.ACTIVE: _l("Not yet used"), ClaimStatus.USED: _l("Used"),
                ClaimStatus.REVOKED: _l("Revoked")}[self]


class ClaimCode(TenantScoped, Base):
    """A one-time code proving ownership of a unit. Looked up by hash; the readable code is kept only
    while it is active (so the sheet can be printed) and erased once it is used or revoked."""

    __tablename__ = "claim_codes"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "code_hash"),
        sa.ForeignKeyConstraint(["tenant_id", "unit_id"], ["units.tenant_id", "units.id"], ondelete="CASCADE"),
        sa.Index("ix_claim_codes_unit_status", "tenant_id", "unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    code_plain: Mapped[str | None] = mapped_column(sa.String(32))
    status: Mapped[ClaimStatus] = mapped_column(enum_type(ClaimStatus, 16), default=ClaimStatus.ACTIVE)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    unit = relationship("Unit", lazy="joined", primaryjoin="ClaimCode.unit_id == Unit.id", foreign_keys=[unit_id])


class UnitBinding(TenantScoped, Base):
    """An account bound to a unit. Several people may share a unit, but the unit is the voter."""

    __tablename__ = "unit_bindings"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "unit_id", "user_id"),
        sa.ForeignKeyConstraint(["tenant_id", "unit_id"], ["units.tenant_id", "units.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    claim_code_id: Mapped[int | None] = mapped_column(sa.ForeignKey("claim_codes.id", ondelete="SET NULL"))
    bound_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str] = mapped_column(sa.String(500), default="")

    unit = relationship("Unit", lazy="joined", primaryjoin="UnitBinding.unit_id == Unit.id", foreign_keys=[unit_id])
    user = relationship("User", lazy="joined", foreign_keys=[user_id])

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
