"""Comprehensive evaluation: runs (one computation of a period), their per-project and per-firm results, the
elimination ladder (末位淘汰), rectification plans and appeals. Scores in centipoints, as in models.py."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, enum_type, utcnow
from portal.evaluation.models import _fk
from tenants.scoping import TenantScoped


# ---------------------------------------------------------------- runs and results


class RunPurpose(str, enum.Enum):
    DRAFT = "draft"          # the 公示稿 computed when the period closes
    RECOMPUTE = "recompute"  # after an appeal was decided (both versions are kept)
    FINAL = "final"          # the published result

    @property
    def label(self):
        return {RunPurpose.DRAFT: _l("Draft results"), RunPurpose.RECOMPUTE: _l("Recomputed after appeals"),
                RunPurpose.FINAL: _l("Final results")}[self]


class EvaluationRun(TenantScoped, Base):
    """One computation of a period. Same inputs + same scheme version → same fingerprint → same results."""

    __tablename__ = "evaluation_runs"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "period_id", "seq"),
        _fk("evaluation_periods", "period_id"),
        _fk("evaluation_schemes", "scheme_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column()
    seq: Mapped[int] = mapped_column()  # 1, 2, ... within the period
    purpose: Mapped[RunPurpose] = mapped_column(enum_type(RunPurpose, 16))
    scheme_id: Mapped[int] = mapped_column()
    inputs_fingerprint: Mapped[str] = mapped_column(sa.String(64))  # sha256 over the inputs, in a fixed order
    results_fingerprint: Mapped[str] = mapped_column(sa.String(64))  # sha256 over the results, in a fixed order
    ticket_component: Mapped[bool] = mapped_column(default=False)  # False: absent, weights re-normalised
    projects: Mapped[int] = mapped_column(default=0)
    scores: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Grade(str, enum.Enum):
    EXCELLENT = "excellent"  # 优秀
    GOOD = "good"            # 良好
    PASS = "pass"            # 合格
    BASIC = "basic"          # 基本合格 (optional band)
    FAIL = "fail"            # 不合格

    @property
    def label(self):
        return {Grade.EXCELLENT: _l("Excellent"), Grade.GOOD: _l("Good"), Grade.PASS: _l("Pass"),
                Grade.BASIC: _l("Basic pass"), Grade.FAIL: _l("Fail")}[self]


class ProjectResult(TenantScoped, Base):
    """A project's result in one run: each component, the sample, the adjustments, composite, grade and rank."""

    __tablename__ = "evaluation_project_results"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "run_id", "community_id"),
        _fk("evaluation_runs", "run_id", ondelete="CASCADE"),
        _fk("communities", "community_id"),
        _fk("firms", "firm_id"),
        sa.Index("ix_evaluation_project_results_tenant_run_rank", "tenant_id", "run_id", "pool", "rank"),
        sa.Index("ix_evaluation_project_results_tenant_firm", "tenant_id", "firm_id", "run_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column()
    period_id: Mapped[int] = mapped_column()
    community_id: Mapped[int] = mapped_column()
    firm_id: Mapped[int] = mapped_column()
    manager_id: Mapped[int | None] = mapped_column()  # the contract's project manager (a firm ranks its managers)
    pool: Mapped[str] = mapped_column(sa.String(80))  # ranking pool key, e.g. "grade2" or "grade2/area:7"
    units: Mapped[int] = mapped_column()              # units of the project (the firm's weights)
    sample_n: Mapped[int] = mapped_column()           # owner scores received
    sample_needed: Mapped[int] = mapped_column()      # max(min units, share of units)
    sample_ok: Mapped[bool] = mapped_column()         # False: 样本不足 (never eliminated on the owner component)
    owner_raw_cp: Mapped[int | None] = mapped_column()    # plain mean of the owner scores
    owner_cp: Mapped[int | None] = mapped_column()        # shrunk toward the pool mean (Bayesian)
    owner_ci_low_cp: Mapped[int | None] = mapped_column()
    owner_ci_high_cp: Mapped[int | None] = mapped_column()
    community_cp: Mapped[int | None] = mapped_column()    # None: no assessment (component absent)
    authority_cp: Mapped[int | None] = mapped_column()
    ticket_cp: Mapped[int | None] = mapped_column()
    # Weights actually applied, in ten-thousandths (re-normalised over the components present): sum 10000.
    w_owner: Mapped[int] = mapped_column()
    w_community: Mapped[int] = mapped_column()
    w_authority: Mapped[int] = mapped_column()
    w_ticket: Mapped[int] = mapped_column()
    weighted_cp: Mapped[int] = mapped_column()  # Σ weight·component, before bonus and penalty
    bonus_cp: Mapped[int] = mapped_column()     # after the cap
    penalty_cp: Mapped[int] = mapped_column()   # after the cap
    veto: Mapped[bool] = mapped_column()
    composite_cp: Mapped[int] = mapped_column()  # clamp(weighted + bonus − penalty, 0, score max)
    grade: Mapped[Grade] = mapped_column(enum_type(Grade, 16))
    ranked: Mapped[bool] = mapped_column()       # False: shown but not ranked (reason below)
    not_ranked_reason: Mapped[str] = mapped_column(sa.String(40), default="")  # e.g. "new_contract"
    rank: Mapped[int | None] = mapped_column()   # 1 = best, within the pool; deterministic tie-breaks
    pool_size: Mapped[int] = mapped_column(default=0)
    bottom: Mapped[bool] = mapped_column(default=False)  # caught by the scheme's elimination rule this period
    under_appeal: Mapped[bool] = mapped_column(default=False)


class FirmResult(TenantScoped, Base):
    """A firm's result in one run: unit-weighted over its projects in the tenant."""

    __tablename__ = "evaluation_firm_results"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "run_id", "firm_id"),
        _fk("evaluation_runs", "run_id", ondelete="CASCADE"),
        _fk("firms", "firm_id"),
        sa.Index("ix_evaluation_firm_results_tenant_run_rank", "tenant_id", "run_id", "rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column()
    period_id: Mapped[int] = mapped_column()
    firm_id: Mapped[int] = mapped_column()
    projects: Mapped[int] = mapped_column()
    units: Mapped[int] = mapped_column()
    composite_cp: Mapped[int] = mapped_column()
    grade: Mapped[Grade] = mapped_column(enum_type(Grade, 16))
    vetoed_projects: Mapped[int] = mapped_column(default=0)
    rank: Mapped[int | None] = mapped_column()
    pool_size: Mapped[int] = mapped_column(default=0)


# ---------------------------------------------------------------- ladder, rectification, appeals


class LadderLevel(str, enum.Enum):
    NONE = "none"
    YELLOW = "yellow"    # 黄牌: summons of the project manager, rectification within 30 days
    RED = "red"          # 红牌: summons of the legal representative, public notice, key supervision
    REMOVAL = "removal"  # 建议清退: the owners' committee is notified; only the owners can dismiss the firm

    @property
    def label(self):
        return {LadderLevel.NONE: _l("No card"), LadderLevel.YELLOW: _l("Yellow card"),
                LadderLevel.RED: _l("Red card"), LadderLevel.REMOVAL: _l("Removal recommended")}[self]


class LadderEntry(TenantScoped, Base):
    """Where a project stands on the elimination ladder after a period's final results."""

    __tablename__ = "evaluation_ladder_entries"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "period_id", "community_id"),
        _fk("evaluation_periods", "period_id"),
        _fk("communities", "community_id"),
        _fk("firms", "firm_id"),
        sa.Index("ix_evaluation_ladder_entries_tenant_firm", "tenant_id", "firm_id", "period_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column()
    run_id: Mapped[int] = mapped_column()
    community_id: Mapped[int] = mapped_column()
    firm_id: Mapped[int] = mapped_column()
    level: Mapped[LadderLevel] = mapped_column(enum_type(LadderLevel, 16))
    previous_level: Mapped[LadderLevel] = mapped_column(enum_type(LadderLevel, 16, name="previous_level"))
    consecutive_bad: Mapped[int] = mapped_column(default=0)   # periods in a row caught by the rule
    consecutive_good: Mapped[int] = mapped_column(default=0)  # periods in a row at pass or better
    rule: Mapped[str] = mapped_column(sa.String(60), default="")  # the rule that set the level (a code)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RectificationStatus(str, enum.Enum):
    OPEN = "open"            # the firm is working on it
    SUBMITTED = "submitted"  # the firm reports it done, waiting for the bureau's re-inspection
    VERIFIED = "verified"    # re-inspected and accepted
    FAILED = "failed"        # re-inspected and not accepted, or the deadline passed

    @property
    def label(self):
        return {RectificationStatus.OPEN: _l("In progress"), RectificationStatus.SUBMITTED: _l("Awaiting re-inspection"),
                RectificationStatus.VERIFIED: _l("Verified"), RectificationStatus.FAILED: _l("Not accepted")}[self]


class RectificationPlan(TenantScoped, Base):
    """The firm's rectification plan (整改) for a yellow or red card: deadline, milestones, evidence, re-inspection."""

    __tablename__ = "evaluation_rectification_plans"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "ladder_entry_id"),
        _fk("evaluation_ladder_entries", "ladder_entry_id"),
        _fk("communities", "community_id"),
        _fk("firms", "firm_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ladder_entry_id: Mapped[int] = mapped_column()
    community_id: Mapped[int] = mapped_column()
    firm_id: Mapped[int] = mapped_column()
    deadline: Mapped[dt.date] = mapped_column()
    plan: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[RectificationStatus] = mapped_column(enum_type(RectificationStatus, 16),
                                                        default=RectificationStatus.OPEN)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reinspected_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reinspected_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reinspection_note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RectificationMilestone(TenantScoped, Base):
    __tablename__ = "evaluation_rectification_milestones"
    __table_args__ = (
        _fk("evaluation_rectification_plans", "plan_id", ondelete="CASCADE"),
        sa.Index("ix_evaluation_rectification_milestones_tenant_plan", "tenant_id", "plan_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(200))
    due_on: Mapped[dt.date] = mapped_column()
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(sa.Text, default="")


class AppealItem(str, enum.Enum):
    """What an appeal is about: a component of the project's result, or one adjustment (by id)."""

    OWNER = "owner"
    COMMUNITY = "community"
    AUTHORITY = "authority"
    TICKET = "ticket"
    ADJUSTMENT = "adjustment"

    @property
    def label(self):
        return {AppealItem.OWNER: _l("Owner satisfaction"), AppealItem.COMMUNITY: _l("Community assessment"),
                AppealItem.AUTHORITY: _l("Bureau inspection"), AppealItem.TICKET: _l("Ticket handling"),
                AppealItem.ADJUSTMENT: _l("Bonus, penalty or veto")}[self]


class AppealStatus(str, enum.Enum):
    FILED = "filed"
    UPHELD = "upheld"          # the item is corrected; the period is recomputed
    PARTLY = "partly"          # partly upheld: corrected as the decision says
    REJECTED = "rejected"      # the item stands

    @property
    def label(self):
        return {AppealStatus.FILED: _l("Under review"), AppealStatus.UPHELD: _l("Upheld"),
                AppealStatus.PARTLY: _l("Partly upheld"), AppealStatus.REJECTED: _l("Rejected")}[self]


class Appeal(TenantScoped, Base):
    """A written appeal (申诉) against one item of a project's draft result; one per item per appellant side."""

    __tablename__ = "evaluation_appeals"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "period_id", "community_id", "item", "item_ref", "filed_as"),
        _fk("evaluation_periods", "period_id"),
        _fk("evaluation_runs", "run_id"),
        _fk("communities", "community_id"),
        _fk("firms", "firm_id"),
        sa.Index("ix_evaluation_appeals_tenant_period_status", "tenant_id", "period_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column()
    run_id: Mapped[int] = mapped_column()  # the run appealed against
    community_id: Mapped[int] = mapped_column()
    firm_id: Mapped[int] = mapped_column()
    item: Mapped[AppealItem] = mapped_column(enum_type(AppealItem, 16))
    item_ref: Mapped[int] = mapped_column(default=0)  # the adjustment's or assessment's id; 0 for a component
    filed_as: Mapped[str] = mapped_column(sa.String(16))  # "firm" or "committee"
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    statement: Mapped[str] = mapped_column(sa.Text)
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[AppealStatus] = mapped_column(enum_type(AppealStatus, 16), default=AppealStatus.FILED)
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    correction: Mapped[str] = mapped_column(sa.Text, default="")  # canonical JSON of what was corrected
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    result_run_id: Mapped[int | None] = mapped_column()  # the recomputed run that applies the decision
