"""Notice boards: one per contract (firm × community), drafts per section, an append-only chain of
published versions, per-tenant due rules and the dated facts of overdue sections."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, enum_type, utcnow
from tenants.scoping import TenantScoped


class BoardSection(str, enum.Enum):
    """The twelve sections of a notice board (domain rules §4.1); the codes are a contract with other features."""

    IDENTITY = "identity"
    SERVICE_STANDARD = "service_standard"
    FEES = "fees"
    CONTRACTORS = "contractors"
    FINANCE = "finance"
    APPORTIONMENT = "apportionment"
    PUBLIC_REVENUE = "public_revenue"
    REPAIR_FUND = "repair_fund"
    RENOVATIONS = "renovations"
    PARKING = "parking"
    HANDOVER = "handover"
    EXTRA_SERVICES = "extra_services"

    @property
    def label(self):
        return SECTION_LABELS[self]


SECTION_LABELS = {
    BoardSection.IDENTITY: _l("Firm, project manager and complaint channels"),
    BoardSection.SERVICE_STANDARD: _l("Service content and standard"),
    BoardSection.FEES: _l("Fee items and prices"),
    BoardSection.CONTRACTORS: _l("Equipment maintenance contractors"),
    BoardSection.FINANCE: _l("Last year's income and spending, this year's budget"),
    BoardSection.APPORTIONMENT: _l("Shared water and electricity"),
    BoardSection.PUBLIC_REVENUE: _l("Public revenue income and spending"),
    BoardSection.REPAIR_FUND: _l("Repair fund use"),
    BoardSection.RENOVATIONS: _l("Renovations under way"),
    BoardSection.PARKING: _l("Parking sales and rentals"),
    BoardSection.HANDOVER: _l("Handover inspection results"),
    BoardSection.EXTRA_SERVICES: _l("Extra services and prices"),
}


# The sections' names in the audit log's summaries (a record, kept in the portal's first language).
SECTION_NAMES_ZH = {
    BoardSection.IDENTITY: "企业与投诉渠道", BoardSection.SERVICE_STANDARD: "服务内容与标准", BoardSection.FEES: "收费项目与标准",
    BoardSection.CONTRACTORS: "设施设备维保单位", BoardSection.FINANCE: "年度收支与预算", BoardSection.APPORTIONMENT: "公共水电分摊",
    BoardSection.PUBLIC_REVENUE: "公共收益收支", BoardSection.REPAIR_FUND: "维修资金使用", BoardSection.RENOVATIONS: "装饰装修",
    BoardSection.PARKING: "车位出售与出租", BoardSection.HANDOVER: "承接查验结果", BoardSection.EXTRA_SERVICES: "特约服务及价格",
}


class DueFrequency(str, enum.Enum):
    """How a section falls due: after each quarter, each year, before a fee takes effect, or kept current."""

    QUARTERLY = "quarterly"      # within ``days`` after each quarter ends
    YEARLY = "yearly"            # within ``days`` after each year begins
    BEFORE_EFFECT = "before_effect"  # posted ``days`` before a change takes effect (fees: a month)
    CURRENT = "current"          # published within ``days`` of the contract's start, then kept current

    @property
    def label(self):
        return {DueFrequency.QUARTERLY: _l("Every quarter"), DueFrequency.YEARLY: _l("Every year"),
                DueFrequency.BEFORE_EFFECT: _l("Before a change takes effect"),
                DueFrequency.CURRENT: _l("Kept current")}[self]


class NoticeBoard(TenantScoped, Base):
    """The notice board of one contract: its versions stay with it when the community changes firm."""

    __tablename__ = "notice_boards"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "contract_id"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.ForeignKeyConstraint(["tenant_id", "contract_id"], ["contracts.tenant_id", "contracts.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "community_id"], ["communities.tenant_id", "communities.id"],
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "firm_id"], ["firms.tenant_id", "firms.id"], ondelete="RESTRICT"),
        sa.Index("ix_notice_boards_tenant_community", "tenant_id", "community_id"),
        sa.Index("ix_notice_boards_tenant_firm", "tenant_id", "firm_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column()
    community_id: Mapped[int] = mapped_column()
    firm_id: Mapped[int] = mapped_column()
    # The chain's head, written with each publication: a verifier compares it with the last version, so
    # removing the newest versions is noticed too; public pages use the hash as their ETag.
    head_seq: Mapped[int] = mapped_column(default=0)
    head_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract = relationship("Contract", lazy="joined", foreign_keys=[contract_id],
                            primaryjoin="NoticeBoard.contract_id == Contract.id")


class BoardDraft(TenantScoped, Base):
    """The firm's working copy of one section (content as canonical JSON); published by copying into a version."""

    __tablename__ = "board_drafts"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "board_id", "section"),
        sa.ForeignKeyConstraint(["tenant_id", "board_id"], ["notice_boards.tenant_id", "notice_boards.id"],
                                ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column()
    section: Mapped[BoardSection] = mapped_column(enum_type(BoardSection, 24))
    content: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class BoardVersion(TenantScoped, Base):
    """A published section: immutable, one link of its board's hash chain (see docs/notice-boards.md).

    No foreign key to users (a deleted user would rewrite the row); the publisher's name is kept as text.
    The ORM refuses to update or delete a row (services.refuse_changes_to_versions), PostgreSQL too (trigger).
    """

    __tablename__ = "board_versions"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "board_id", "seq"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.ForeignKeyConstraint(["tenant_id", "board_id"], ["notice_boards.tenant_id", "notice_boards.id"],
                                ondelete="RESTRICT"),
        sa.CheckConstraint("seq >= 1", name="seq_positive"),
        sa.Index("ix_board_versions_tenant_board_section", "tenant_id", "board_id", "section"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column()
    seq: Mapped[int] = mapped_column()
    section: Mapped[BoardSection] = mapped_column(enum_type(BoardSection, 24))
    content: Mapped[str] = mapped_column(sa.Text)  # canonical JSON of the section's content
    is_correction: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column()
    publisher: Mapped[str] = mapped_column(sa.String(120), default="")
    prev_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    hash: Mapped[str] = mapped_column(sa.String(64))


class DueRule(TenantScoped, Base):
    """When a section falls due in this tenant (no row: the default in services.DEFAULT_RULES)."""

    __tablename__ = "board_due_rules"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "section"),
        sa.CheckConstraint("days >= 0 AND days <= 366", name="days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    section: Mapped[BoardSection] = mapped_column(enum_type(BoardSection, 24))
    frequency: Mapped[DueFrequency] = mapped_column(enum_type(DueFrequency, 16))
    days: Mapped[int] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class OverdueFact(TenantScoped, Base):
    """A dated fact: this board's section was due on ``due_date`` and was found missing (evaluation reads these)."""

    __tablename__ = "board_overdue_facts"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "board_id", "section", "due_date"),
        sa.ForeignKeyConstraint(["tenant_id", "board_id"], ["notice_boards.tenant_id", "notice_boards.id"],
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "community_id"], ["communities.tenant_id", "communities.id"],
                                ondelete="RESTRICT"),
        sa.Index("ix_board_overdue_facts_tenant_open", "tenant_id", "resolved_at"),
        sa.Index("ix_board_overdue_facts_tenant_community", "tenant_id", "community_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column()
    community_id: Mapped[int] = mapped_column()
    section: Mapped[BoardSection] = mapped_column(enum_type(BoardSection, 24))
    due_date: Mapped[dt.date] = mapped_column()
    detected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
