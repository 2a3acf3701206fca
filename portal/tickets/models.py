"""Tickets (报修、投诉、咨询、建议、表扬), their events, photos, consultations (会商), follow-up visits (回访),
the tenant's ticket categories and its working-day calendar.

Every stage keeps its own timestamp (accepted, resolved, confirmed, followed up, closed), the deadlines
and the reopen count, so response, resolution, on-time, reopen and satisfaction rates can be computed in
SQL per community, firm, area and month without replaying events.
"""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, enum_type, utcnow
from tenants.scoping import TenantScoped


class TicketType(str, enum.Enum):
    REPAIR = "repair"
    COMPLAINT = "complaint"
    ENQUIRY = "enquiry"
    SUGGESTION = "suggestion"
    PRAISE = "praise"

    @property
    def label(self):
        return {TicketType.REPAIR: _l("Repair"), TicketType.COMPLAINT: _l("Complaint"),
                TicketType.ENQUIRY: _l("Enquiry"), TicketType.SUGGESTION: _l("Suggestion"),
                TicketType.PRAISE: _l("Praise")}[self]


class TicketStatus(str, enum.Enum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CONFIRMED = "confirmed"
    FOLLOWED_UP = "followed_up"
    CLOSED = "closed"

    @property
    def label(self):
        return {TicketStatus.SUBMITTED: _l("Submitted"), TicketStatus.ACCEPTED: _l("Accepted"),
                TicketStatus.IN_PROGRESS: _l("In progress"), TicketStatus.RESOLVED: _l("Resolved"),
                TicketStatus.CONFIRMED: _l("Confirmed"), TicketStatus.FOLLOWED_UP: _l("Followed up"),
                TicketStatus.CLOSED: _l("Closed")}[self]

    @property
    def is_open(self) -> bool:
        """Still the firm's to answer or fix (a deadline runs)."""
        return self in OPEN_STATUSES


OPEN_STATUSES = (TicketStatus.SUBMITTED, TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS)


class Urgency(str, enum.Enum):
    NORMAL = "normal"
    URGENT = "urgent"

    @property
    def label(self):
        return {Urgency.NORMAL: _l("Normal"), Urgency.URGENT: _l("Urgent")}[self]


class TicketSource(str, enum.Enum):
    """How the ticket reached the portal: the owner online, or staff on behalf of a caller."""

    ONLINE = "online"
    PHONE = "phone"
    WALK_IN = "walk_in"
    RECEPTION_DAY = "reception_day"
    HOTLINE = "hotline"

    @property
    def label(self):
        return {TicketSource.ONLINE: _l("Owner online"), TicketSource.PHONE: _l("Phone call"),
                TicketSource.WALK_IN: _l("Walk-in"), TicketSource.RECEPTION_DAY: _l("Reception day"),
                TicketSource.HOTLINE: _l("Hotline")}[self]


class Complexity(str, enum.Enum):
    SIMPLE = "simple"
    COMPLEX = "complex"

    @property
    def label(self):
        return {Complexity.SIMPLE: _l("Simple: settled on site"),
                Complexity.COMPLEX: _l("Complex: joint consultation")}[self]


class LimitUnit(str, enum.Enum):
    HOURS = "hours"
    WORKING_DAYS = "working_days"

    @property
    def label(self):
        return {LimitUnit.HOURS: _l("hours"), LimitUnit.WORKING_DAYS: _l("working days")}[self]


class Satisfaction(str, enum.Enum):
    """The four-point scale of government satisfaction surveys (domain rules §6.1)."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    UNSATISFIED = "unsatisfied"
    VERY_UNSATISFIED = "very_unsatisfied"

    @property
    def label(self):
        return {Satisfaction.VERY_SATISFIED: _l("Very satisfied"), Satisfaction.SATISFIED: _l("Satisfied"),
                Satisfaction.UNSATISFIED: _l("Unsatisfied"),
                Satisfaction.VERY_UNSATISFIED: _l("Very unsatisfied")}[self]


def _unit_column(name: str) -> sa.Enum:
    """A LimitUnit column with its own check constraint name (two of them in one table)."""
    column_type = enum_type(LimitUnit, 16)
    column_type.name = name
    return column_type


class TicketCategory(TenantScoped, Base):
    """One entry of the tenant's taxonomy (§6.1) with its response and resolution limits (§6.2)."""

    __tablename__ = "ticket_categories"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "code"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.CheckConstraint("response_limit > 0 AND resolve_limit > 0", name="limits_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_type: Mapped[TicketType] = mapped_column(enum_type(TicketType, 16))
    code: Mapped[str] = mapped_column(sa.String(40))
    name_zh: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[int] = mapped_column(default=0)
    response_limit: Mapped[int] = mapped_column(default=1)
    response_unit: Mapped[LimitUnit] = mapped_column(_unit_column("response_unit"), default=LimitUnit.WORKING_DAYS)
    resolve_limit: Mapped[int] = mapped_column(default=3)
    resolve_unit: Mapped[LimitUnit] = mapped_column(_unit_column("resolve_unit"), default=LimitUnit.WORKING_DAYS)
    is_active: Mapped[bool] = mapped_column(default=True)

    @property
    def name(self) -> str:
        from portal.i18n import current_locale_code

        return self.name_en if current_locale_code().startswith("en") else self.name_zh


class Ticket(TenantScoped, Base):
    """A report by an owner (or taken down by staff for a caller) about one community."""

    __tablename__ = "tickets"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.ForeignKeyConstraint(["tenant_id", "community_id"], ["communities.tenant_id", "communities.id"],
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "category_id"], ["ticket_categories.tenant_id", "ticket_categories.id"],
                                ondelete="RESTRICT"),
        sa.CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        sa.CheckConstraint("reopen_count >= 0 AND escalation_level >= 0 AND escalation_level <= 2",
                           name="counters_in_range"),
        # The lists: a community's (or an area's communities') tickets by status; the escalation run and
        # the overdue lists by deadline; an owner's own; a firm's by status; a month's by filing time.
        sa.Index("ix_tickets_tenant_community_status", "tenant_id", "community_id", "status"),
        sa.Index("ix_tickets_tenant_due", "tenant_id", "due_at"),
        sa.Index("ix_tickets_tenant_owner", "tenant_id", "owner_id"),
        sa.Index("ix_tickets_tenant_firm_status", "tenant_id", "firm_id", "status"),
        sa.Index("ix_tickets_tenant_filed", "tenant_id", "filed_at"),
        sa.Index("ix_tickets_tenant_resolved", "tenant_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column()
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="SET NULL"))
    # The firm serving the community when the ticket was filed: its KPIs, its staff's view.
    firm_id: Mapped[int | None] = mapped_column(sa.ForeignKey("firms.id", ondelete="SET NULL"))
    ticket_type: Mapped[TicketType] = mapped_column(enum_type(TicketType, 16))
    category_id: Mapped[int] = mapped_column()
    urgency: Mapped[Urgency] = mapped_column(enum_type(Urgency, 8), default=Urgency.NORMAL)
    description: Mapped[str] = mapped_column(sa.Text)
    location: Mapped[str] = mapped_column(sa.String(120), default="")
    source: Mapped[TicketSource] = mapped_column(enum_type(TicketSource, 16), default=TicketSource.ONLINE)
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))  # the owner's account
    caller_name: Mapped[str] = mapped_column(sa.String(80), default="")   # filed for a caller (personal data)
    caller_phone: Mapped[str] = mapped_column(sa.String(32), default="")
    status: Mapped[TicketStatus] = mapped_column(enum_type(TicketStatus, 16), default=TicketStatus.SUBMITTED)
    complexity: Mapped[Complexity | None] = mapped_column(enum_type(Complexity, 8))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)      # the response
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)      # the latest resolution
    first_resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolution_note: Mapped[str] = mapped_column(sa.Text, default="")
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    auto_confirmed: Mapped[bool] = mapped_column(default=False)
    rating: Mapped[int | None] = mapped_column()
    rating_comment: Mapped[str] = mapped_column(sa.String(500), default="")
    reopen_count: Mapped[int] = mapped_column(default=0)
    followed_up_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    response_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # The deadline now running (response while submitted, resolution while accepted or in progress);
    # None once resolved. Escalation and the overdue lists read this one column.
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    extended_days: Mapped[int] = mapped_column(default=0)
    escalation_level: Mapped[int] = mapped_column(default=0)  # 0 the firm, 1 the community office, 2 the bureau (督办)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    urge_count: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    community = relationship("Community", lazy="joined", foreign_keys=[community_id],
                             primaryjoin="Ticket.community_id == Community.id")
    category = relationship(TicketCategory, lazy="joined", foreign_keys=[category_id],
                            primaryjoin="Ticket.category_id == TicketCategory.id")
    unit = relationship("Unit", lazy="select", foreign_keys=[unit_id])
    firm = relationship("Firm", lazy="select", foreign_keys=[firm_id])
    assignee = relationship("User", lazy="select", foreign_keys=[assignee_id])
    owner = relationship("User", lazy="select", foreign_keys=[owner_id])

    @property
    def reference(self) -> str:
        """The number people quote on the phone: filing date and id."""
        from portal.i18n import to_local

        return f"{to_local(self.filed_at, 'Asia/Shanghai'):%Y%m%d}-{self.id:06d}"

    def is_overdue(self, now: dt.datetime) -> bool:
        return self.due_at is not None and self.due_at < now


class TicketEvent(TenantScoped, Base):
    """One step in a ticket's life: a transition (from, to) or an act of supervision, with who and when."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        sa.ForeignKeyConstraint(["tenant_id", "ticket_id"], ["tickets.tenant_id", "tickets.id"], ondelete="CASCADE"),
        sa.Index("ix_ticket_events_tenant_ticket", "tenant_id", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(sa.String(24))  # a transition name, or urge / extend / reassign / escalate / triage
    from_status: Mapped[str] = mapped_column(sa.String(16), default="")
    to_status: Mapped[str] = mapped_column(sa.String(16), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(sa.String(120), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(sa.String(1000), default="")


class PhotoStage(str, enum.Enum):
    REPORT = "report"
    RESOLUTION = "resolution"


class TicketPhoto(TenantScoped, Base):
    """A photo of the problem (filed with it) or of the repair (with the resolution), stored by portal.storage."""

    __tablename__ = "ticket_photos"
    __table_args__ = (
        sa.ForeignKeyConstraint(["tenant_id", "ticket_id"], ["tickets.tenant_id", "tickets.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "storage_key"),
        sa.Index("ix_ticket_photos_tenant_ticket", "tenant_id", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column()
    stage: Mapped[PhotoStage] = mapped_column(enum_type(PhotoStage, 16), default=PhotoStage.REPORT)
    storage_key: Mapped[str] = mapped_column(sa.String(80))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int] = mapped_column()
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


CONSULTATION_PARTIES = ("residents_committee", "owners_committee", "firm", "police", "legal_adviser",
                        "other_departments")


def party_label(code: str):
    return {"residents_committee": _l("Residents' committee"), "owners_committee": _l("Owners' committee"),
            "firm": _l("Property firm"), "police": _l("Police"), "legal_adviser": _l("Legal adviser"),
            "other_departments": _l("Other departments")}.get(code, code)


class Consultation(TenantScoped, Base):
    """The joint consultation (会商) of a complex ticket: who sat down, when, what was agreed, who does what by when."""

    __tablename__ = "ticket_consultations"
    __table_args__ = (
        sa.ForeignKeyConstraint(["tenant_id", "ticket_id"], ["tickets.tenant_id", "tickets.id"], ondelete="CASCADE"),
        sa.Index("ix_ticket_consultations_tenant_ticket", "tenant_id", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column()
    held_on: Mapped[dt.date] = mapped_column()
    parties: Mapped[str] = mapped_column(sa.String(200))  # codes of CONSULTATION_PARTIES, comma-separated
    other_parties: Mapped[str] = mapped_column(sa.String(200), default="")
    outcome: Mapped[str] = mapped_column(sa.Text)
    tasks: Mapped[str] = mapped_column(sa.Text, default="")  # who does what, one per line
    tasks_due_on: Mapped[dt.date | None] = mapped_column()
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def party_codes(self) -> list[str]:
        return [p for p in self.parties.split(",") if p]


class FollowUp(TenantScoped, Base):
    """A follow-up visit or call (回访) by the community office or the bureau after the ticket was confirmed."""

    __tablename__ = "ticket_follow_ups"
    __table_args__ = (
        sa.ForeignKeyConstraint(["tenant_id", "ticket_id"], ["tickets.tenant_id", "tickets.id"], ondelete="CASCADE"),
        sa.Index("ix_ticket_follow_ups_tenant_ticket", "tenant_id", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column()
    visited_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    visitor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reached: Mapped[bool] = mapped_column()
    satisfaction: Mapped[Satisfaction | None] = mapped_column(enum_type(Satisfaction, 24))
    notes: Mapped[str] = mapped_column(sa.String(1000), default="")


class CalendarDay(TenantScoped, Base):
    """A tenant's own working-day decision for one date; wins over the State Council's schedule."""

    __tablename__ = "calendar_days"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column()
    is_working: Mapped[bool] = mapped_column()
    name: Mapped[str] = mapped_column(sa.String(80), default="")


class SpotCheck(TenantScoped, Base):
    """A closed ticket drawn for the bureau's spot-check call (抽查回访) of a half month, and the call's result.

    The sample of a half month is drawn once (reproducibly: the random generator is seeded with the tenant
    and the half month) and stored; a call result is recorded on each row.
    """

    __tablename__ = "ticket_spot_checks"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "half_month", "ticket_id"),
        sa.ForeignKeyConstraint(["tenant_id", "ticket_id"], ["tickets.tenant_id", "tickets.id"], ondelete="CASCADE"),
        sa.Index("ix_ticket_spot_checks_tenant_ticket", "tenant_id", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    half_month: Mapped[dt.date] = mapped_column()   # the 1st or the 16th (local date) the half month starts on
    ticket_id: Mapped[int] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)  # order in the drawn sample
    drawn_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    drawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    called_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    caller_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reached: Mapped[bool | None] = mapped_column()
    satisfied: Mapped[bool | None] = mapped_column()   # None: not reached, or the caller did not say
    notes: Mapped[str] = mapped_column(sa.String(1000), default="")

    ticket = relationship(Ticket, lazy="joined", foreign_keys=[ticket_id], primaryjoin="SpotCheck.ticket_id == Ticket.id")
