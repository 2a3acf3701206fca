"""Comprehensive evaluation (综合评价): schemes, periods, owner scores, assessments, adjustments, runs and their
results, the elimination ladder (末位淘汰), rectification plans and appeals.

Every score is stored as an integer number of **centipoints** (hundredths of a point, columns ending ``_cp``):
a composite of 87.35 is 8735. Integer arithmetic in SQL gives the same results on SQLite and PostgreSQL, and a
reader recomputes a composite from the published two-decimal figures exactly.

A *project* is a community served by a firm under a contract in the period; results are per project and per
firm (unit-weighted over its projects in the tenant).
"""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, enum_type, utcnow
from tenants.scoping import TenantScoped


def _fk(table: str, column: str, *, ondelete: str = "RESTRICT") -> sa.ForeignKeyConstraint:
    """A composite foreign key (tenant_id, column) → table(tenant_id, id): a row never points across tenants."""
    return sa.ForeignKeyConstraint(["tenant_id", column], [f"{table}.tenant_id", f"{table}.id"], ondelete=ondelete)


# ---------------------------------------------------------------- schemes


class SchemeStatus(str, enum.Enum):
    """draft (editable) → published (a period may adopt it) → frozen (a period adopted it: never changes)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    FROZEN = "frozen"
    RETIRED = "retired"

    @property
    def label(self):
        return {SchemeStatus.DRAFT: _l("Draft"), SchemeStatus.PUBLISHED: _l("Published"),
                SchemeStatus.FROZEN: _l("In use (frozen)"), SchemeStatus.RETIRED: _l("Retired")}[self]


class EvaluationScheme(TenantScoped, Base):
    """One version of the tenant's evaluation rules; ``rules`` is canonical JSON read by portal.evaluation.rules."""

    __tablename__ = "evaluation_schemes"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column()  # version number within the tenant: 1, 2, 3...
    name: Mapped[str] = mapped_column(sa.String(120))
    rules: Mapped[str] = mapped_column(sa.Text)  # canonical JSON (sorted keys): SchemeRules.to_json()
    status: Mapped[SchemeStatus] = mapped_column(enum_type(SchemeStatus, 16), default=SchemeStatus.DRAFT)
    change_note: Mapped[str] = mapped_column(sa.String(500), default="")  # why this version differs
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    frozen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


# ---------------------------------------------------------------- periods


class PeriodStatus(str, enum.Enum):
    """draft → open (owners score) → closed → computed (公示稿) → appeal (window) → final (published)."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    COMPUTED = "computed"
    APPEAL = "appeal"
    FINAL = "final"

    @property
    def label(self):
        return PERIOD_STATUS_LABELS[self]


PERIOD_STATUS_LABELS = {
    PeriodStatus.DRAFT: _l("Being prepared"),
    PeriodStatus.OPEN: _l("Open for owner scoring"),
    PeriodStatus.CLOSED: _l("Scoring closed"),
    PeriodStatus.COMPUTED: _l("Draft results (公示稿)"),
    PeriodStatus.APPEAL: _l("Appeal window"),
    PeriodStatus.FINAL: _l("Final results published"),
}


class EvaluationPeriod(TenantScoped, Base):
    """An evaluation period (default a quarter). The scheme and the three lists' versions are fixed when it opens."""

    __tablename__ = "evaluation_periods"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "name"),
        _fk("evaluation_schemes", "scheme_id"),
        _fk("checklist_versions", "list_a_version_id"),
        _fk("checklist_versions", "list_c_version_id"),
        sa.CheckConstraint("end_date >= start_date", name="date_order"),
        sa.Index("ix_evaluation_periods_tenant_start", "tenant_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))  # e.g. 2026年第三季度
    start_date: Mapped[dt.date] = mapped_column()
    end_date: Mapped[dt.date] = mapped_column()
    status: Mapped[PeriodStatus] = mapped_column(enum_type(PeriodStatus, 16), default=PeriodStatus.DRAFT)
    scheme_id: Mapped[int | None] = mapped_column()          # frozen when the period opens
    list_a_version_id: Mapped[int | None] = mapped_column()  # list A version owners and inspectors score against
    list_c_version_id: Mapped[int | None] = mapped_column()  # list C version community officers score against
    scoring_closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # announced to owners when opened
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    appeal_until: Mapped[dt.date | None] = mapped_column()  # last day of the appeal window (working days)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    current_run_id: Mapped[int | None] = mapped_column()  # the run whose results the pages show
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PeriodTransition(TenantScoped, Base):
    """Every status change of a period: who, when, from, to, and why."""

    __tablename__ = "evaluation_period_transitions"
    __table_args__ = (
        _fk("evaluation_periods", "period_id", ondelete="CASCADE"),
        sa.Index("ix_evaluation_period_transitions_tenant_period", "tenant_id", "period_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column()
    from_status: Mapped[PeriodStatus] = mapped_column(enum_type(PeriodStatus, 16, name="from_status"))
    to_status: Mapped[PeriodStatus] = mapped_column(enum_type(PeriodStatus, 16, name="to_status"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")


# ---------------------------------------------------------------- owner scores


class CommentStatus(str, enum.Enum):
    NONE = "none"            # no comment written
    PENDING = "pending"      # waiting for moderation: not public
    PUBLISHED = "published"  # approved: shown (without who wrote it)
    HIDDEN = "hidden"        # hidden by a moderator, with a logged reason

    @property
    def label(self):
        return {CommentStatus.NONE: _l("No comment"), CommentStatus.PENDING: _l("Awaiting moderation"),
                CommentStatus.PUBLISHED: _l("Published"), CommentStatus.HIDDEN: _l("Hidden")}[self]


class OwnerScore(TenantScoped, Base):
    """One unit's score of the firm serving its community in one period: **one per unit per period** (the
    database refuses a second, whatever the concurrency). The firm never sees who scored what."""

    __tablename__ = "evaluation_owner_scores"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "period_id", "unit_id"),
        _fk("evaluation_periods", "period_id"),
        _fk("communities", "community_id"),
        _fk("units", "unit_id"),
        _fk("firms", "firm_id"),
        sa.CheckConstraint("score_cp >= 0 AND score_cp <= 10000", name="score_range"),
        # The computation groups a period's scores by project; the moderation queue reads pending comments.
        # (covering: the engine's per-project aggregates read the index alone, never the 1 M rows)
        sa.Index("ix_evaluation_owner_scores_tenant_period_community", "tenant_id", "period_id", "community_id",
                 "firm_id", "unit_id", "score_cp"),
        sa.Index("ix_evaluation_owner_scores_tenant_period_comment", "tenant_id", "period_id", "comment_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column()
    community_id: Mapped[int] = mapped_column()
    firm_id: Mapped[int] = mapped_column()
    unit_id: Mapped[int] = mapped_column()
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # {list A category code: stars 1..5}, canonical JSON; score_cp is their mean mapped to 0..100 (1★=0, 5★=100).
    ratings: Mapped[str] = mapped_column(sa.Text)
    score_cp: Mapped[int] = mapped_column()
    comment: Mapped[str] = mapped_column(sa.String(1000), default="")
    comment_status: Mapped[CommentStatus] = mapped_column(enum_type(CommentStatus, 16), default=CommentStatus.NONE)
    moderation_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    moderated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    moderated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# ---------------------------------------------------------------- assessments, adjustments, evidence


class AssessmentKind(str, enum.Enum):
    COMMUNITY = "community"   # list C, by the community / street office (S_community)
    AUTHORITY = "authority"   # list A inspection, by the bureau (S_authority)

    @property
    def label(self):
        return {AssessmentKind.COMMUNITY: _l("Community assessment (list C)"),
                AssessmentKind.AUTHORITY: _l("Bureau inspection (list A)")}[self]


class Assessment(TenantScoped, Base):
    """A community assessment or a bureau inspection of one project in a period; several of one kind average."""

    __tablename__ = "evaluation_assessments"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        _fk("evaluation_periods", "period_id"),
        _fk("communities", "community_id"),
        _fk("firms", "firm_id"),
        _fk("checklist_versions", "checklist_version_id"),
        sa.CheckConstraint("total_cp >= 0 AND total_cp <= 10000", name="total_range"),
        sa.Index("ix_evaluation_assessments_tenant_period_community", "tenant_id", "period_id", "community_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column()
    community_id: Mapped[int] = mapped_column()
    firm_id: Mapped[int] = mapped_column()
    kind: Mapped[AssessmentKind] = mapped_column(enum_type(AssessmentKind, 16))
    checklist_version_id: Mapped[int] = mapped_column()
    item_scores: Mapped[str] = mapped_column(sa.Text)  # {checklist item code: points given}, canonical JSON
    total_cp: Mapped[int] = mapped_column()            # 0..100 in centipoints
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    assessed_on: Mapped[dt.date] = mapped_column()
    assessor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AdjustmentKind(str, enum.Enum):
    BONUS = "bonus"      # 加分 (capped by the scheme)
    PENALTY = "penalty"  # 扣分 (capped by the scheme)
    VETO = "veto"        # 一票否决: grade 不合格 whatever the score

    @property
    def label(self):
        return {AdjustmentKind.BONUS: _l("Bonus"), AdjustmentKind.PENALTY: _l("Penalty"),
                AdjustmentKind.VETO: _l("Veto")}[self]


class AdjustmentSource(str, enum.Enum):
    MANUAL = "manual"                    # recorded by bureau staff with evidence
    BOARD_OVERDUE = "board_overdue"      # a notice-board section not published on time (disclosures.OverdueFact)
    OBJECTION_LATE = "objection_late"    # an owner's objection left unanswered past its due day

    @property
    def label(self):
        return {AdjustmentSource.MANUAL: _l("Recorded by the bureau"),
                AdjustmentSource.BOARD_OVERDUE: _l("Notice-board section overdue"),
                AdjustmentSource.OBJECTION_LATE: _l("Objection not answered in time")}[self]


class ScoreAdjustment(TenantScoped, Base):
    """A bonus, penalty or veto event for a project, valid from ``occurred_on`` to ``valid_until`` (default a year).

    Derived ones (disclosure inputs) carry their source and a reference that makes deriving them idempotent."""

    __tablename__ = "evaluation_adjustments"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "source", "source_ref"),
        _fk("communities", "community_id"),
        _fk("firms", "firm_id"),
        sa.CheckConstraint("points_cp >= 0 AND points_cp <= 10000", name="points_range"),
        sa.CheckConstraint("valid_until >= occurred_on", name="validity_order"),
        sa.Index("ix_evaluation_adjustments_tenant_community_date", "tenant_id", "community_id", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column()
    firm_id: Mapped[int] = mapped_column()
    kind: Mapped[AdjustmentKind] = mapped_column(enum_type(AdjustmentKind, 16))
    points_cp: Mapped[int] = mapped_column(default=0)  # 0 for a veto
    condition: Mapped[str] = mapped_column(sa.String(40), default="")  # veto condition or penalty type code
    reason: Mapped[str] = mapped_column(sa.String(1000))
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    occurred_on: Mapped[dt.date] = mapped_column()
    valid_until: Mapped[dt.date] = mapped_column()
    source: Mapped[AdjustmentSource] = mapped_column(enum_type(AdjustmentSource, 24), default=AdjustmentSource.MANUAL)
    source_ref: Mapped[str | None] = mapped_column(sa.String(80))  # e.g. overdue fact id; NULL for manual ones
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str] = mapped_column(sa.String(500), default="")


class EvidenceSubject(str, enum.Enum):
    ASSESSMENT = "assessment"
    ADJUSTMENT = "adjustment"
    APPEAL = "appeal"
    RECTIFICATION = "rectification"


class EvidenceFile(TenantScoped, Base):
    """A photo of evidence (inspection, adjustment, appeal, rectification), stored by portal.storage."""

    __tablename__ = "evaluation_evidence_files"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "storage_key"),
        sa.Index("ix_evaluation_evidence_files_tenant_subject", "tenant_id", "subject", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[EvidenceSubject] = mapped_column(enum_type(EvidenceSubject, 16))
    subject_id: Mapped[int] = mapped_column()
    storage_key: Mapped[str] = mapped_column(sa.String(80))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int] = mapped_column()
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


TABLES = (
    "evaluation_schemes", "evaluation_periods", "evaluation_period_transitions", "evaluation_owner_scores",
    "evaluation_assessments", "evaluation_adjustments", "evaluation_evidence_files", "evaluation_runs",
    "evaluation_project_results", "evaluation_firm_results", "evaluation_ladder_entries",
    "evaluation_rectification_plans", "evaluation_rectification_milestones", "evaluation_appeals",
)
