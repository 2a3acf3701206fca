"""A record of each export of a tenant: the platform may delete a tenant only after one exists."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow
from tenants.scoping import TenantScoped


class TenantExport(TenantScoped, Base):
    """One ZIP of everything of the tenant, as downloaded (the file itself is not kept on the server)."""

    __tablename__ = "tenant_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    bytes: Mapped[int] = mapped_column(sa.BigInteger)
    tables: Mapped[int] = mapped_column()
    rows: Mapped[int] = mapped_column(sa.BigInteger)
    uploads: Mapped[int] = mapped_column()
