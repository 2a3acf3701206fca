"""What a tenant pays: plans (platform-wide), each tenant's billing account and invoices, and the
Stripe webhook events received (platform-wide: an event may name no tenant the portal knows)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, enum_type, utcnow
from tenants.models import TenantKind
from tenants.scoping import TenantScoped

FREE_PLAN_CODE = "free"


class Plan(Base):
    """A price list entry: for one kind of tenant, up to a number of communities, a monthly price in fen.

    The free plan (kind None) is what every tenant is on while billing is off, and tenants the platform
    administrator created outside online billing. ``stripe_plan_id`` is the Stripe plan of the current
    price, made on first use; a new price gets a new Stripe plan (Stripe's plans cannot change amount),
    and subscriptions keep the price they were made with until they change plan.
    """

    __tablename__ = "billing_plans"
    __table_args__ = (
        sa.CheckConstraint("monthly_fen >= 0", name="monthly_fen_not_negative"),
        sa.CheckConstraint("max_communities IS NULL OR max_communities > 0", name="max_communities_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[TenantKind | None] = mapped_column(enum_type(TenantKind, 16), nullable=True)
    name_zh: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str] = mapped_column(sa.String(80), default="")
    max_communities: Mapped[int | None] = mapped_column(nullable=True)  # None: no limit
    monthly_fen: Mapped[int] = mapped_column(sa.BigInteger)
    is_active: Mapped[bool] = mapped_column(default=True)  # offered to new subscriptions
    sort_order: Mapped[int] = mapped_column(default=0)
    stripe_plan_id: Mapped[str | None] = mapped_column(sa.String(255), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_free(self) -> bool:
        return self.monthly_fen == 0

    def display_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name_zh

    def fits(self, communities: int) -> bool:
        return self.max_communities is None or communities <= self.max_communities

    def __repr__(self) -> str:
        return f"<Plan {self.code}>"


class BillingAccount(TenantScoped, Base):
    """One tenant's standing with Stripe, as last learned from Stripe (answers or webhook events).

    ``state_at`` is the clock of the subscription fields: the ``created`` time of the newest webhook
    event applied, or the next whole second after a change the portal made itself. An event older than
    it changes nothing, so late or repeated deliveries never undo newer state.
    """

    __tablename__ = "billing_accounts"
    __table_args__ = (sa.UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("billing_plans.id", ondelete="RESTRICT"), index=True)
    stripe_customer_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True, nullable=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(sa.String(255), nullable=True)
    # Stripe's own words: active, past_due, unpaid, canceled, incomplete, incomplete_expired, trialing.
    subscription_status: Mapped[str | None] = mapped_column(sa.String(24), nullable=True)
    trial_ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    current_period_end: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # monthly, of the live subscription
    past_due_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    card_brand: Mapped[str] = mapped_column(sa.String(20), default="")
    card_last4: Mapped[str] = mapped_column(sa.String(4), default="")
    billing_name: Mapped[str] = mapped_column(sa.String(160), default="")
    billing_email: Mapped[str] = mapped_column(sa.String(254), default="")
    state_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # True while billing (not the platform administrator) holds the tenant read-only: paying lifts it.
    holds_read_only: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    plan = relationship(Plan, lazy="joined")

    def __repr__(self) -> str:
        return f"<BillingAccount tenant={self.tenant_id} {self.subscription_status}>"


class BillingInvoice(TenantScoped, Base):
    """A Stripe invoice of the tenant, kept so the billing page and API read it without calling Stripe."""

    __tablename__ = "billing_invoices"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "stripe_invoice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_invoice_id: Mapped[str] = mapped_column(sa.String(255))
    number: Mapped[str] = mapped_column(sa.String(64), default="")
    status: Mapped[str] = mapped_column(sa.String(24))  # draft, open, paid, void, uncollectible
    amount_due_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    amount_paid_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    currency: Mapped[str] = mapped_column(sa.String(3), default="cny")
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    period_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    period_end: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    payment_failed: Mapped[bool] = mapped_column(default=False)  # the last attempt to collect it failed
    state_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # as BillingAccount.state_at, per invoice

    def __repr__(self) -> str:
        return f"<BillingInvoice {self.stripe_invoice_id} {self.status}>"


class BillingEvent(Base):
    """A Stripe webhook event, recorded once (unique id) in the transaction that applies its effect.

    ``effect`` is a code (portal/billing/catalogue.py turns it into a sentence): what the event changed,
    or why it changed nothing; ``detail`` holds the sentence's values as JSON. ``deliveries`` counts how
    often Stripe sent it (repeats change nothing else). ``affected_tenant_id`` is not named tenant_id:
    this table is the platform's, not a tenant's, and no tenant wall applies to it.
    """

    __tablename__ = "billing_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_event_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    type: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # the event's own time, set by Stripe
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    deliveries: Mapped[int] = mapped_column(default=1)
    affected_tenant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenants.id", ondelete="SET NULL"),
                                                          index=True, nullable=True)
    applied: Mapped[bool] = mapped_column(default=False)
    effect: Mapped[str] = mapped_column(sa.String(40))
    detail: Mapped[str] = mapped_column(sa.Text, default="")

    tenant = relationship("Tenant", lazy="joined")

    def __repr__(self) -> str:
        return f"<BillingEvent {self.stripe_event_id} {self.type} {self.effect}>"
