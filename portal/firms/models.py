"""Property firms, their project managers, and contracts (firm × community over time)."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.communities.models import ServiceGrade
from portal.db import Base, UTCDateTime, enum_type, utcnow
from tenants.scoping import TenantScoped


class FeeModel(str, enum.Enum):
    LUMP_SUM = "lump_sum"      # 包干制
    COMMISSION = "commission"  # 酬金制

    @property
    def label(self):
        return {FeeModel.LUMP_SUM: _l("Lump-sum (包干制)"), FeeModel.COMMISSION: _l("Commission (酬金制)")}[self]


class Firm(TenantScoped, Base):
    """A property-service firm registered in the tenant; firm staff memberships are bound to one."""

    __tablename__ = "firms"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "name"),
        sa.UniqueConstraint("tenant_id", "credit_code"),
        sa.UniqueConstraint("tenant_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    credit_code: Mapped[str] = mapped_column(sa.String(18))  # 统一社会信用代码, check character verified
    licence_no: Mapped[str] = mapped_column(sa.String(60), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(80), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(32), default="")
    address: Mapped[str] = mapped_column(sa.String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    managers = relationship("ProjectManager", lazy="selectin", order_by="ProjectManager.name",
                            primaryjoin="Firm.id == foreign(ProjectManager.firm_id)")


class ProjectManager(TenantScoped, Base):
    """A firm's project manager (项目经理), named on contracts and notice boards."""

    __tablename__ = "project_managers"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "firm_id", "name", "phone"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.ForeignKeyConstraint(["tenant_id", "firm_id"], ["firms.tenant_id", "firms.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    phone: Mapped[str] = mapped_column(sa.String(32), default="")
    certificate_no: Mapped[str] = mapped_column(sa.String(60), default="")


class Contract(TenantScoped, Base):
    """A firm serving a community from ``start_date`` (to ``end_date``); ended contracts stay as history."""

    __tablename__ = "contracts"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.ForeignKeyConstraint(["tenant_id", "firm_id"], ["firms.tenant_id", "firms.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "community_id"], ["communities.tenant_id", "communities.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "manager_id"], ["project_managers.tenant_id", "project_managers.id"],
                                ondelete="RESTRICT"),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="date_order"),
        sa.Index("ix_contracts_community_dates", "tenant_id", "community_id", "start_date"),
        # A firm's contracts (its page, what its staff may see) and a manager's, inside one tenant.
        sa.Index("ix_contracts_firm_dates", "tenant_id", "firm_id", "start_date"),
        sa.Index("ix_contracts_tenant_manager", "tenant_id", "manager_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column()
    community_id: Mapped[int] = mapped_column()
    manager_id: Mapped[int | None] = mapped_column()
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date | None]
    fee_model: Mapped[FeeModel] = mapped_column(enum_type(FeeModel, 16))
    grade: Mapped[ServiceGrade] = mapped_column(enum_type(ServiceGrade, 8))
    end_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    firm = relationship(Firm, lazy="joined", foreign_keys=[firm_id], primaryjoin="Contract.firm_id == Firm.id")
    community = relationship("Community", lazy="joined", foreign_keys=[community_id],
                             primaryjoin="Contract.community_id == Community.id")
    manager = relationship(ProjectManager, lazy="joined", foreign_keys=[manager_id],
                           primaryjoin="Contract.manager_id == ProjectManager.id")

    def is_current(self, on: dt.date) -> bool:
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)
