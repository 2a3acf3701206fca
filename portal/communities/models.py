"""Registry of areas, communities, buildings, units and owners' committees inside a tenant."""
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
    """Two levels of area: a bureau's streets and their community offices; a firm's branches
    (分公司) and their regions (片区). A tenant uses the pair of its kind (``area_kinds_for``)."""

    STREET = "street"
    COMMUNITY_OFFICE = "community_office"
    BRANCH = "branch"
    REGION = "region"

    @property
    def label(self):
        return {AreaKind.STREET: _l("Street office"), AreaKind.COMMUNITY_OFFICE: _l("Community office"),
                AreaKind.BRANCH: _l("Branch"), AreaKind.REGION: _l("Region")}[self]

    @property
    def is_top_level(self) -> bool:
        return self in (AreaKind.STREET, AreaKind.BRANCH)


def area_kinds_for(tenant_kind) -> tuple[AreaKind, AreaKind]:
    """(top level, second level) of the areas a tenant of ``tenant_kind`` uses."""
    if getattr(tenant_kind, "value", tenant_kind) == "firm":
        return AreaKind.BRANCH, AreaKind.REGION
    return AreaKind.STREET, AreaKind.COMMUNITY_OFFICE


class ServiceGrade(str, enum.Enum):
    """Contracted service grade (2004 grade standard): 一级 is the highest."""

    GRADE1 = "grade1"
    GRADE2 = "grade2"
    GRADE3 = "grade3"

    @property
    def label(self):
        return {ServiceGrade.GRADE1: _l("Grade 1"), ServiceGrade.GRADE2: _l("Grade 2"),
                ServiceGrade.GRADE3: _l("Grade 3")}[self]


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
    """A residential community (小区) managed by a property firm under a contract."""

    __tablename__ = "communities"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "name"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.ForeignKeyConstraint(["tenant_id", "area_id"], ["areas.tenant_id", "areas.id"], ondelete="RESTRICT"),
        sa.CheckConstraint("declared_units >= 0", name="declared_units_not_negative"),
        # Every query is tenant-scoped: the communities of an area (and its offices) inside one tenant.
        sa.Index("ix_communities_tenant_area", "tenant_id", "area_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int | None] = mapped_column()
    name: Mapped[str] = mapped_column(sa.String(120))
    address: Mapped[str] = mapped_column(sa.String(255), default="")
    service_grade: Mapped[ServiceGrade | None] = mapped_column(enum_type(ServiceGrade, 8))
    declared_units: Mapped[int] = mapped_column(default=0)  # as registered; the roster gives the real count
    # Dedicated public-revenue account (公共收益专户). The number is shown masked on public pages.
    revenue_bank: Mapped[str] = mapped_column(sa.String(120), default="")
    revenue_account_name: Mapped[str] = mapped_column(sa.String(120), default="")
    revenue_account_number: Mapped[str] = mapped_column(sa.String(40), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    area = relationship(Area, lazy="joined", foreign_keys=[area_id], primaryjoin="Community.area_id == Area.id")

    @property
    def masked_account_number(self) -> str:
        digits = self.revenue_account_number or ""
        if len(digits) <= 8:
            return "*" * len(digits)
        return f"{digits[:4]}{'*' * (len(digits) - 8)}{digits[-4:]}"


class Building(TenantScoped, Base):
    """A building (楼栋) of a community; roster rows must name a registered building."""

    __tablename__ = "buildings"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "community_id", "name"),
        sa.UniqueConstraint("tenant_id", "community_id", "id"),
        sa.ForeignKeyConstraint(["tenant_id", "community_id"], ["communities.tenant_id", "communities.id"], ondelete="RESTRICT"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(sa.String(20))
    position: Mapped[int] = mapped_column(default=0)

    community = relationship(Community, lazy="joined", foreign_keys=[community_id],
                             primaryjoin="Building.community_id == Community.id")


class Unit(TenantScoped, Base):
    """One dwelling (户): the voter in every evaluation is the unit, not the person."""

    __tablename__ = "units"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "building_id", "entrance", "room"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.ForeignKeyConstraint(["tenant_id", "community_id", "building_id"],
                                ["buildings.tenant_id", "buildings.community_id", "buildings.id"], ondelete="RESTRICT"),
        sa.CheckConstraint("floor_area > 0", name="floor_area_positive"),
        # The units of one community, and per building within it, counted from the index alone
        # (a community page at city scale must not visit the tenant's 1.5 M units). The units of one
        # building come from the unique key (tenant_id, building_id, ...).
        sa.Index("ix_units_tenant_community_building", "tenant_id", "community_id", "building_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column()
    building_id: Mapped[int] = mapped_column()
    entrance: Mapped[str] = mapped_column(sa.String(20), default="")
    room: Mapped[str] = mapped_column(sa.String(20))
    floor: Mapped[int | None]
    floor_area: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))

    community = relationship(Community, lazy="joined", foreign_keys=[community_id], primaryjoin="Unit.community_id == Community.id")
    building = relationship(Building, lazy="joined", foreign_keys=[building_id], primaryjoin="Unit.building_id == Building.id")

    @property
    def label(self) -> str:
        parts = [self.building.name if self.building else ""]
        if self.entrance:
            parts.append(self.entrance)
        parts.append(self.room)
        return "-".join(p for p in parts if p)


class CommitteePosition(str, enum.Enum):
    DIRECTOR = "director"
    DEPUTY = "deputy"
    MEMBER = "member"

    @property
    def label(self):
        return {CommitteePosition.DIRECTOR: _l("Director"), CommitteePosition.DEPUTY: _l("Deputy director"),
                CommitteePosition.MEMBER: _l("Member")}[self]


class OwnersCommittee(TenantScoped, Base):
    """The owners' committee (业委会) of a community: its term and its filing with the street office."""

    __tablename__ = "owners_committees"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "community_id"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.ForeignKeyConstraint(["tenant_id", "community_id"], ["communities.tenant_id", "communities.id"], ondelete="CASCADE"),
        sa.CheckConstraint("term_end IS NULL OR term_start IS NULL OR term_end > term_start", name="term_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(index=True)
    term_start: Mapped[dt.date | None]
    term_end: Mapped[dt.date | None]
    filing_date: Mapped[dt.date | None]  # 备案日期 (due within 30 days of the election)
    filing_ref: Mapped[str] = mapped_column(sa.String(80), default="")

    members = relationship("CommitteeMember", lazy="selectin", order_by="CommitteeMember.position_order",
                           primaryjoin="OwnersCommittee.id == foreign(CommitteeMember.committee_id)",
                           cascade="all, delete-orphan")


class CommitteeMember(TenantScoped, Base):
    """A member of an owners' committee, with their position."""

    __tablename__ = "committee_members"
    __table_args__ = (
        sa.ForeignKeyConstraint(["tenant_id", "committee_id"], ["owners_committees.tenant_id", "owners_committees.id"],
                                ondelete="CASCADE"),
        sa.Index("ix_committee_members_tenant_committee", "tenant_id", "committee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[CommitteePosition] = mapped_column(enum_type(CommitteePosition, 16), default=CommitteePosition.MEMBER)
    position_order: Mapped[int] = mapped_column(default=2)
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
