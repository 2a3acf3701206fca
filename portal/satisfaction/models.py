"""The monthly satisfaction list (满意度榜单): a month's resolved cases chosen and worded by the bureau, with the
firms ranked by satisfaction, published on the public site.

``satisfaction_lists`` is the working copy of one month (its chosen cases are ``satisfaction_entries``);
each publication copies it, frozen, into ``satisfaction_versions`` (version 1, then corrections with a reason).
Public pages and the open data read the versions only.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow
from tenants.scoping import TenantScoped


class SatisfactionList(TenantScoped, Base):
    """One month's list: a draft until first published; corrections publish further versions."""

    __tablename__ = "satisfaction_lists"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "month"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.CheckConstraint("min_cases >= 1 AND min_firm_cases >= 1 AND published_version >= 0",
                           name="counts_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[dt.date] = mapped_column()  # the first day of the month (Asia/Shanghai)
    min_cases: Mapped[int] = mapped_column(default=20)
    min_firm_cases: Mapped[int] = mapped_column(default=5)
    published_version: Mapped[int] = mapped_column(default=0)  # 0: never published
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def month_key(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def is_published(self) -> bool:
        return self.published_version > 0


class SatisfactionEntry(TenantScoped, Base):
    """A candidate case of the list: whether it appears, where, and its public wording."""

    __tablename__ = "satisfaction_entries"
    __table_args__ = (
        sa.ForeignKeyConstraint(["tenant_id", "list_id"], ["satisfaction_lists.tenant_id", "satisfaction_lists.id"],
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "ticket_id"], ["tickets.tenant_id", "tickets.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "list_id", "ticket_id"),
        sa.Index("ix_satisfaction_entries_tenant_list", "tenant_id", "list_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column()
    ticket_id: Mapped[int] = mapped_column()
    included: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    problem_text: Mapped[str] = mapped_column(sa.String(500), default="")
    outcome_text: Mapped[str] = mapped_column(sa.String(500), default="")


class SatisfactionVersion(TenantScoped, Base):
    """A publication of a list, frozen: the cases and the ranking as the public saw them (JSON), never updated."""

    __tablename__ = "satisfaction_versions"
    __table_args__ = (
        sa.ForeignKeyConstraint(["tenant_id", "list_id"], ["satisfaction_lists.tenant_id", "satisfaction_lists.id"],
                                ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "list_id", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column()
    number: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(sa.String(500), default="")  # why a correction was published
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    content: Mapped[str] = mapped_column(sa.Text)  # canonical JSON: month, cases, ranking, totals
