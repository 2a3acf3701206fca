"""Versioned lists: a version holds sections (with weights for lists A and C) and their items."""
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, enum_type, utcnow
from tenants.scoping import TenantScoped


class ListKind(str, enum.Enum):
    A = "A"  # 物业服务标准清单
    B = "B"  # 业委会权责清单
    C = "C"  # 社区考核清单

    @property
    def label(self):
        return {
            ListKind.A: _l("Property-service standard list"),
            ListKind.B: _l("Owners' committee rights and duties"),
            ListKind.C: _l("Community assessment checklist"),
        }[self]

    @property
    def weighted(self) -> bool:
        """Lists A and C are scored out of 100; list B is a reference list without weights."""
        return self is not ListKind.B


class VersionStatus(str, enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"

    @property
    def label(self):
        return {VersionStatus.DRAFT: _l("Draft"), VersionStatus.PUBLISHED: _l("Published"),
                VersionStatus.SUPERSEDED: _l("Superseded")}[self]


class ChecklistVersion(TenantScoped, Base):
    """One version of one list; only drafts can be edited, and a frozen version never changes."""

    __tablename__ = "checklist_versions"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "kind", "number"),
        sa.UniqueConstraint("tenant_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ListKind] = mapped_column(enum_type(ListKind, 1))
    number: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(enum_type(VersionStatus, 16), default=VersionStatus.DRAFT)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Set when an evaluation period adopts this version: from then on nothing in it may change.
    frozen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    frozen_reason: Mapped[str] = mapped_column(sa.String(200), default="")

    sections = relationship("ChecklistSection", order_by="ChecklistSection.position", lazy="selectin",
                            primaryjoin="ChecklistVersion.id == foreign(ChecklistSection.version_id)",
                            cascade="all, delete-orphan")

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT and self.frozen_at is None

    @property
    def total_weight(self) -> Decimal:
        return sum((s.weight or Decimal(0) for s in self.sections), Decimal(0))


class ChecklistSection(TenantScoped, Base):
    """A category (list A), block (list C) or part (list B) of a version."""

    __tablename__ = "checklist_sections"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "version_id", "code"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.ForeignKeyConstraint(["tenant_id", "version_id"], ["checklist_versions.tenant_id", "checklist_versions.id"],
                                ondelete="CASCADE"),
        sa.CheckConstraint("weight IS NULL OR (weight >= 0 AND weight <= 100)", name="weight_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(index=True)
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(sa.String(16))
    title_zh: Mapped[str] = mapped_column(sa.String(120))
    title_en: Mapped[str] = mapped_column(sa.String(160), default="")
    weight: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))

    items = relationship("ChecklistItem", order_by="ChecklistItem.position", lazy="selectin",
                         primaryjoin="ChecklistSection.id == foreign(ChecklistItem.section_id)",
                         cascade="all, delete-orphan")

    def title(self, locale: str) -> str:
        return self.title_en if locale.startswith("en") and self.title_en else self.title_zh


class ChecklistItem(TenantScoped, Base):
    """A measurable item; grade variants for 一级/二级/三级 and, in list B, the assembly thresholds."""

    __tablename__ = "checklist_items"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "section_id", "code"),
        sa.ForeignKeyConstraint(["tenant_id", "section_id"], ["checklist_sections.tenant_id", "checklist_sections.id"],
                                ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(index=True)
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(sa.String(16))
    text_zh: Mapped[str] = mapped_column(sa.String(500))
    text_en: Mapped[str] = mapped_column(sa.String(500), default="")
    evidence: Mapped[str] = mapped_column(sa.String(120), default="")
    grade1: Mapped[str] = mapped_column(sa.String(60), default="")
    grade2: Mapped[str] = mapped_column(sa.String(60), default="")
    grade3: Mapped[str] = mapped_column(sa.String(60), default="")
    to_verify: Mapped[bool] = mapped_column(default=False)
    # List B assembly matters: the share of area and of owners that must approve (Civil Code art. 278).
    threshold_area: Mapped[str] = mapped_column(sa.String(8), default="")
    threshold_headcount: Mapped[str] = mapped_column(sa.String(8), default="")
    threshold_strict: Mapped[bool] = mapped_column(default=False)  # "more than" (True) or "at least" (False)

    def text(self, locale: str) -> str:
        return self.text_en if locale.startswith("en") and self.text_en else self.text_zh

    def grade_variant(self, grade: str) -> str:
        """The wording for a community of grade 'grade1'/'grade2'/'grade3' (empty: same for all)."""
        return getattr(self, grade, "") if grade in ("grade1", "grade2", "grade3") else ""
