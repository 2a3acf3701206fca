"""One notification for one person in one tenant: what happened (a kind and its parameters), about what."""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow
from tenants.scoping import TenantScoped


class Notification(TenantScoped, Base):
    """Stored as a kind and parameters, never as a sentence: it is worded in the reader's language when shown."""

    __tablename__ = "notifications"
    __table_args__ = (
        # One notification per person per event: an escalation run twice finds its notices already there.
        sa.UniqueConstraint("tenant_id", "recipient_id", "dedupe_key"),
        # The inbox (newest first) and the bell's unread count.
        sa.Index("ix_notifications_tenant_recipient_created", "tenant_id", "recipient_id", "created_at"),
        sa.Index("ix_notifications_tenant_recipient_read", "tenant_id", "recipient_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(48))
    params: Mapped[str] = mapped_column(sa.Text, default="{}")  # canonical JSON of the sentence's parameters
    object_type: Mapped[str] = mapped_column(sa.String(32), default="")
    object_id: Mapped[int | None] = mapped_column()
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def parameters(self) -> dict:
        try:
            value = json.loads(self.params or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
