"""12345 work orders as imported (one row per work-order number, with the ticket made from it) and the
tenant's directory of hotlines.

A work order that names no community the import can tell waits in the review list (state ``review``) with
what the ticket needs; the caller's phone is kept only until the ticket is made (it moves to the ticket,
masked wherever it is shown) or the order is dismissed (then it is erased). The caller's name is never
stored.
"""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, enum_type, utcnow
from portal.tickets.models import TicketType, Urgency
from tenants.scoping import TenantScoped


class OrderState(str, enum.Enum):
    TICKETED = "ticketed"     # a ticket was made from it
    REVIEW = "review"         # no community (or several) matched: bureau staff assign one or dismiss it
    DISMISSED = "dismissed"   # not a property matter of this tenant; no ticket

    @property
    def label(self):
        return {OrderState.TICKETED: _l("Ticket created"), OrderState.REVIEW: _l("Awaiting review"),
                OrderState.DISMISSED: _l("Dismissed")}[self]


class MatchProblem(str, enum.Enum):
    NONE = "none"             # no community name in the row
    AMBIGUOUS = "ambiguous"   # several communities fit

    @property
    def label(self):
        return {MatchProblem.NONE: _l("No community matches the name or address"),
                MatchProblem.AMBIGUOUS: _l("Several communities match the name or address")}[self]


class HotlineOrder(TenantScoped, Base):
    """One 12345 work order, imported once per tenant (the work-order number is the key of re-imports)."""

    __tablename__ = "hotline_orders"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "order_number"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.ForeignKeyConstraint(["tenant_id", "ticket_id"], ["tickets.tenant_id", "tickets.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id", "community_id"], ["communities.tenant_id", "communities.id"],
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "category_id"], ["ticket_categories.tenant_id", "ticket_categories.id"],
                                ondelete="RESTRICT"),
        sa.Index("ix_hotline_orders_tenant_state", "tenant_id", "state", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_number: Mapped[str] = mapped_column(sa.String(40))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)     # 受理时间: the 5 working days run from here
    state: Mapped[OrderState] = mapped_column(enum_type(OrderState, 16))
    match_problem: Mapped[MatchProblem | None] = mapped_column(enum_type(MatchProblem, 16))
    community_text: Mapped[str] = mapped_column(sa.String(120), default="")   # as the export wrote it
    address: Mapped[str] = mapped_column(sa.String(120), default="")
    content: Mapped[str] = mapped_column(sa.Text)
    ticket_type: Mapped[TicketType] = mapped_column(enum_type(TicketType, 16))
    category_id: Mapped[int] = mapped_column()
    urgency: Mapped[Urgency] = mapped_column(enum_type(Urgency, 8), default=Urgency.NORMAL)
    caller_phone: Mapped[str] = mapped_column(sa.String(32), default="")   # only while in review
    community_id: Mapped[int | None] = mapped_column()
    ticket_id: Mapped[int | None] = mapped_column()
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    dismiss_reason: Mapped[str] = mapped_column(sa.String(200), default="")

    community = relationship("Community", lazy="select", foreign_keys=[community_id],
                             primaryjoin="HotlineOrder.community_id == Community.id")
    category = relationship("TicketCategory", lazy="joined", foreign_keys=[category_id],
                            primaryjoin="HotlineOrder.category_id == TicketCategory.id")


class Hotline(TenantScoped, Base):
    """One entry of the tenant's hotline directory: whom to call, when, for which area (none: the whole city)."""

    __tablename__ = "hotlines"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.ForeignKeyConstraint(["tenant_id", "area_id"], ["areas.tenant_id", "areas.id"], ondelete="RESTRICT"),
        sa.Index("ix_hotlines_tenant_position", "tenant_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    number: Mapped[str] = mapped_column(sa.String(40))
    hours: Mapped[str] = mapped_column(sa.String(80), default="")
    area_id: Mapped[int | None] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    area = relationship("Area", lazy="joined", foreign_keys=[area_id], primaryjoin="Hotline.area_id == Area.id")
