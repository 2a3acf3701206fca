"""Registry of areas, communities and units inside a county tenant."""
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, enum_type, utcnow
from tenants.scoping import TenantScoped


class AreaKind(str, enum.Enum):
    STREET = "street"
    COMMUNITY_OFFICE = "community_office"

    @property
    def label(self):
        return {AreaKind.STREET: _l("Street office"), AreaKind.COMMUNITY_OFFICE: _l("Community office")}[self]


class Area(TenantScoped, Base):
    """A street (街道) or a community office (社区) under a street; officers are bound to one."""

    __tablename__ = "areas"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "parent_id", "name"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.ForeignKeyConstraint(["tenant_id", "parent_id"], ["areas.tenant_id", "areas.id"], ondelete="RESTRICT"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(index=True)
    kind: Mapped[AreaKind] = mapped_column(enum_type(AreaKind, 24))
    name: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent = relationship("Area", remote_side=[id], foreign_keys=[parent_id], primaryjoin="Area.parent_id == Area.id", lazy="selectin")


class Community(TenantScoped, Base):
    """A residential community (小区) managed by a property firm."""

    __tablename__ = "communities"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "name"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.ForeignKeyConstraint(["tenant_id", "area_id"], ["areas.tenant_id", "areas.id"], ondelete="RESTRICT"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int | None] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    address: Mapped[str] = mapped_column(sa.String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    area = relationship(Area, lazy="joined", foreign_keys=[area_id], primaryjoin="Community.area_id == Area.id")


class Unit(TenantScoped, Base):
    """One dwelling (户): the voter in every evaluation is the unit, not the person."""

    __tablename__ = "units"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "community_id", "building", "entrance", "room"),
        sa.ForeignKeyConstraint(["tenant_id", "community_id"], ["communities.tenant_id", "communities.id"], ondelete="RESTRICT"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(index=True)
    building: Mapped[str] = mapped_column(sa.String(20))
    entrance: Mapped[str] = mapped_column(sa.String(20), default="")
    room: Mapped[str] = mapped_column(sa.String(20))
    floor_area: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))

    community = relationship(Community, lazy="joined", foreign_keys=[community_id], primaryjoin="Unit.community_id == Community.id")
