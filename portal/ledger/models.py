"""The public-revenue ledger (公共收益台账): categories, entries, vouchers, signed-off quarterly statements.

Money is integer fen everywhere (BigInteger columns, Python ints); a reversal is an entry with the
negative amount of the one it corrects, so every sum over entries is the ledger's truth.
"""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, enum_type, utcnow
from tenants.scoping import TenantScoped


class Direction(str, enum.Enum):
    INCOME = "income"
    EXPENSE = "expense"

    @property
    def label(self):
        return {Direction.INCOME: _l("Income"), Direction.EXPENSE: _l("Expense")}[self]


class CategoryKind(str, enum.Enum):
    """What a category counts as in a statement: income, reasonable cost (Civil Code art. 282),
    topping up the repair fund, or other spending decided by the owners."""

    INCOME = "income"
    COST = "cost"
    REPAIR_FUND = "repair_fund"
    SPENDING = "spending"

    @property
    def direction(self) -> Direction:
        return Direction.INCOME if self is CategoryKind.INCOME else Direction.EXPENSE

    @property
    def label(self):
        return {CategoryKind.INCOME: _l("Income"), CategoryKind.COST: _l("Reasonable cost"),
                CategoryKind.REPAIR_FUND: _l("Repair fund top-up"),
                CategoryKind.SPENDING: _l("Other spending")}[self]


class AccountType(str, enum.Enum):
    DEDICATED = "dedicated"   # 公共收益专户
    JOINT = "joint"           # 共管账户
    COMMITTEE = "committee"   # 业委会账户

    @property
    def label(self):
        return {AccountType.DEDICATED: _l("Dedicated account"), AccountType.JOINT: _l("Joint account"),
                AccountType.COMMITTEE: _l("Owners' committee account")}[self]


class LedgerSettings(TenantScoped, Base):
    """A tenant's repair-fund rule: when the fund is low, at least ``min_repair_percent`` of net income
    goes to it each quarter (Beijing art. 74: 50 % below 30 % of the initial amount)."""

    __tablename__ = "ledger_settings"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id"),
        sa.CheckConstraint("min_repair_percent >= 0 AND min_repair_percent <= 100", name="percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    repair_fund_low: Mapped[bool] = mapped_column(default=False)
    min_repair_percent: Mapped[int] = mapped_column(default=50)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerCategory(TenantScoped, Base):
    """A ledger category (§3.4); renamed or retired by the bureau administrator, never deleted once used."""

    __tablename__ = "ledger_categories"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "code"),
        sa.UniqueConstraint("tenant_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    kind: Mapped[CategoryKind] = mapped_column(enum_type(CategoryKind, 16))
    name_zh: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str] = mapped_column(sa.String(120), default="")
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def direction(self) -> Direction:
        return self.kind.direction

    @property
    def name(self) -> str:
        from flask_babel import get_locale

        locale = get_locale()
        if locale is not None and locale.language == "en" and self.name_en:
            return self.name_en
        return self.name_zh


class LedgerEntry(TenantScoped, Base):
    """One income or expense of a community's public revenue. Never edited: a correction is a reversal
    (``reverses_id``, the negative amount) and, where needed, a new entry."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "reverses_id"),  # an entry is reversed at most once
        sa.ForeignKeyConstraint(["tenant_id", "community_id"], ["communities.tenant_id", "communities.id"],
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "category_id"], ["ledger_categories.tenant_id", "ledger_categories.id"],
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "contract_id"], ["contracts.tenant_id", "contracts.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "reverses_id"], ["ledger_entries.tenant_id", "ledger_entries.id"],
                                ondelete="RESTRICT"),
        sa.CheckConstraint("(reverses_id IS NULL AND amount_fen > 0) OR (reverses_id IS NOT NULL AND amount_fen < 0)",
                           name="amount_sign"),
        # A community's ledger by date, and the sums of a quarter, from the index.
        sa.Index("ix_ledger_entries_tenant_community_date", "tenant_id", "community_id", "entry_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column()
    entry_date: Mapped[dt.date]
    direction: Mapped[Direction] = mapped_column(enum_type(Direction, 8))
    category_id: Mapped[int] = mapped_column()
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    counterparty: Mapped[str] = mapped_column(sa.String(120), default="")
    counterparty_is_individual: Mapped[bool] = mapped_column(default=False)
    contract_id: Mapped[int | None] = mapped_column()
    account_type: Mapped[AccountType] = mapped_column(enum_type(AccountType, 16))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    reverses_id: Mapped[int | None] = mapped_column()
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    category = relationship(LedgerCategory, lazy="joined", foreign_keys=[category_id],
                            primaryjoin="LedgerEntry.category_id == LedgerCategory.id")
    vouchers = relationship("LedgerVoucher", lazy="selectin", order_by="LedgerVoucher.id",
                            primaryjoin="LedgerEntry.id == foreign(LedgerVoucher.entry_id)")

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class LedgerVoucher(TenantScoped, Base):
    """A voucher (凭证) of an entry: a stored JPEG, PNG or PDF (portal.storage), never public."""

    __tablename__ = "ledger_vouchers"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.ForeignKeyConstraint(["tenant_id", "entry_id"], ["ledger_entries.tenant_id", "ledger_entries.id"],
                                ondelete="RESTRICT"),
        sa.Index("ix_ledger_vouchers_tenant_entry", "tenant_id", "entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column()
    storage_key: Mapped[str] = mapped_column(sa.String(80))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size_bytes: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerStatement(TenantScoped, Base):
    """A signed-off quarterly statement: its figures as signed, frozen; the quarter is closed."""

    __tablename__ = "ledger_statements"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "community_id", "year", "quarter"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.ForeignKeyConstraint(["tenant_id", "community_id"], ["communities.tenant_id", "communities.id"],
                                ondelete="RESTRICT"),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column()
    year: Mapped[int] = mapped_column()
    quarter: Mapped[int] = mapped_column()
    opening_fen: Mapped[int] = mapped_column(sa.BigInteger)
    income_fen: Mapped[int] = mapped_column(sa.BigInteger)
    cost_fen: Mapped[int] = mapped_column(sa.BigInteger)
    repair_fund_fen: Mapped[int] = mapped_column(sa.BigInteger)
    spending_fen: Mapped[int] = mapped_column(sa.BigInteger)
    required_repair_fen: Mapped[int] = mapped_column(sa.BigInteger)
    closing_fen: Mapped[int] = mapped_column(sa.BigInteger)
    entry_count: Mapped[int] = mapped_column()
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # As at signing: the person's name (members only) and their capacity (public: role and office).
    signed_by_name: Mapped[str] = mapped_column(sa.String(80))
    signed_by_capacity: Mapped[str] = mapped_column(sa.String(200))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
