"""Objections to a published notice-board item, their events (every transition) and the tenant's answer limit."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, enum_type, utcnow
from portal.disclosures.models import BoardSection
from tenants.scoping import TenantScoped

DEFAULT_ANSWER_DAYS = 5  # working days the firm has to answer, unless the tenant sets its own


class ObjectionStatus(str, enum.Enum):
    """open → answered → accepted | escalated → decided."""

    OPEN = "open"
    ANSWERED = "answered"
    ACCEPTED = "accepted"
    ESCALATED = "escalated"
    DECIDED = "decided"

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {
    ObjectionStatus.OPEN: _l("Waiting for the firm's answer"),
    ObjectionStatus.ANSWERED: _l("Answered by the firm"),
    ObjectionStatus.ACCEPTED: _l("Answer accepted"),
    ObjectionStatus.ESCALATED: _l("Escalated to the street office"),
    ObjectionStatus.DECIDED: _l("Decided by the street office"),
}


class Decision(str, enum.Enum):
    UPHELD = "upheld"
    NOT_UPHELD = "not_upheld"

    @property
    def label(self):
        return {Decision.UPHELD: _l("Upheld: the owner is right"),
                Decision.NOT_UPHELD: _l("Not upheld: the board stands")}[self]


class Objection(TenantScoped, Base):
    """An owner's objection to one item of a published version (never a draft) of a board section.

    The dated facts the evaluation reads live here: ``filed_at``, ``due_on`` (working days from filing),
    ``answered_at`` and ``answered_late`` (fixed when the answer is given); an open objection past
    ``due_on`` is overdue (computed for the day asked).
    """

    __tablename__ = "objections"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.ForeignKeyConstraint(["tenant_id", "board_id"], ["notice_boards.tenant_id", "notice_boards.id"],
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "version_id"], ["board_versions.tenant_id", "board_versions.id"],
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "community_id"], ["communities.tenant_id", "communities.id"],
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "unit_id"], ["units.tenant_id", "units.id"], ondelete="RESTRICT"),
        sa.Index("ix_objections_tenant_board_status", "tenant_id", "board_id", "status"),
        sa.Index("ix_objections_tenant_community_status", "tenant_id", "community_id", "status"),
        sa.Index("ix_objections_tenant_owner", "tenant_id", "owner_id"),
        sa.CheckConstraint("row_index IS NULL OR row_index >= 0", name="row_index_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column()
    community_id: Mapped[int] = mapped_column()
    firm_id: Mapped[int] = mapped_column()
    version_id: Mapped[int] = mapped_column()
    version_seq: Mapped[int] = mapped_column()
    section: Mapped[BoardSection] = mapped_column(enum_type(BoardSection, 24))
    row_index: Mapped[int | None] = mapped_column()  # which row of the section (None: the section as a whole)
    item: Mapped[str] = mapped_column(sa.String(200), default="")  # the row as the owner read it
    reason: Mapped[str] = mapped_column(sa.String(1000))
    photo_key: Mapped[str | None] = mapped_column(sa.String(80))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    unit_id: Mapped[int] = mapped_column()
    masked_owner: Mapped[str] = mapped_column(sa.String(80), default="")  # e.g. "1号楼 1**": what others see
    status: Mapped[ObjectionStatus] = mapped_column(enum_type(ObjectionStatus, 16), default=ObjectionStatus.OPEN)
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_on: Mapped[dt.date] = mapped_column()
    answer: Mapped[str] = mapped_column(sa.String(2000), default="")
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    answered_late: Mapped[bool | None] = mapped_column()
    correction_version_id: Mapped[int | None] = mapped_column()
    decision: Mapped[Decision | None] = mapped_column(enum_type(Decision, 16))
    decision_reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    board = relationship("NoticeBoard", lazy="joined", foreign_keys=[board_id],
                         primaryjoin="Objection.board_id == NoticeBoard.id")
    community = relationship("Community", lazy="joined", foreign_keys=[community_id],
                             primaryjoin="Objection.community_id == Community.id")

    def is_overdue(self, today: dt.date) -> bool:
        """Unanswered after its due day (or answered late: a fact kept for the evaluation)."""
        if self.status == ObjectionStatus.OPEN:
            return today > self.due_on
        return bool(self.answered_late)


class ObjectionEvent(TenantScoped, Base):
    """One transition of an objection: who, when, from which state to which, and what they wrote."""

    __tablename__ = "objection_events"
    __table_args__ = (
        sa.ForeignKeyConstraint(["tenant_id", "objection_id"], ["objections.tenant_id", "objections.id"],
                                ondelete="CASCADE"),
        sa.Index("ix_objection_events_tenant_objection", "tenant_id", "objection_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column()
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_role: Mapped[str] = mapped_column(sa.String(24), default="")  # owner / firm / street_office / system
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Its own constraint name: two columns of one enum type would otherwise both be named after the type.
    from_status: Mapped[ObjectionStatus | None] = mapped_column(sa.Enum(
        ObjectionStatus, native_enum=False, length=16, validate_strings=True, create_constraint=True,
        name="objectionfromstatus", values_callable=lambda members: [m.value for m in members]))
    to_status: Mapped[ObjectionStatus] = mapped_column(enum_type(ObjectionStatus, 16))
    note: Mapped[str] = mapped_column(sa.String(2000), default="")


class ObjectionSettings(TenantScoped, Base):
    """The tenant's answer limit in working days (no row: DEFAULT_ANSWER_DAYS)."""

    __tablename__ = "objection_settings"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id"),
        sa.CheckConstraint("answer_days >= 1 AND answer_days <= 60", name="answer_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_days: Mapped[int] = mapped_column(default=DEFAULT_ANSWER_DAYS)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
