"""Bonus, penalty and veto records (ScoreAdjustment): recorded by the bureau with reason, evidence photos and a
validity, revoked with a reason (never deleted); and the disclosure inputs turned into derived penalties.

Derived penalties carry their source and a reference (``source_ref``), unique per tenant, so deriving them again
finds the same rows instead of adding new ones:
- each overdue notice-board section (disclosures OverdueFact) due inside the period: ``fact:<id>``, one penalty of
  the scheme's ``board_overdue_penalty_cp``;
- objections answered late or left unanswered past their due day (objections.period_facts) per board and period:
  ``period:<period id>:board:<board id>``, the count times ``objection_late_penalty_cp`` (updated when the count
  changes before the period is computed).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.db import utcnow
from portal.evaluation.models import (AdjustmentKind, AdjustmentSource, EvaluationPeriod, EvidenceFile,
                                      EvidenceSubject, ScoreAdjustment)
from portal.evaluation.rules import VETO_CONDITIONS
from portal.evaluation.setup_services import SetupError, _text, local_day, rules_of, scheme_in_force, scheme_of
from portal.extensions import db

REASON_MAX = 1000
EVIDENCE_MAX = 2000
REVOKE_MAX = 500
MAX_PHOTOS = 6
PHOTO_FOLDER = "evaluation"
RECORDED = {AdjustmentKind.BONUS: "evaluation.bonus_recorded", AdjustmentKind.PENALTY: "evaluation.penalty_recorded",
            AdjustmentKind.VETO: "evaluation.veto_recorded"}
PENALTY_TYPES = ("service", "safety", "disclosure", "complaint", "other")
BONUS_TYPES = ("award", "praise", "innovation", "other")


def adjustments_query(*, community_id: int | None = None, kind: AdjustmentKind | None = None,
                      source: AdjustmentSource | None = None, valid_on: dt.date | None = None,
                      include_revoked: bool = True) -> sa.Select:
    stmt = sa.select(ScoreAdjustment).order_by(ScoreAdjustment.occurred_on.desc(), ScoreAdjustment.id.desc())
    if community_id is not None:
        stmt = stmt.where(ScoreAdjustment.community_id == community_id)
    if kind is not None:
        stmt = stmt.where(ScoreAdjustment.kind == kind)
    if source is not None:
        stmt = stmt.where(ScoreAdjustment.source == source)
    if valid_on is not None:
        stmt = stmt.where(ScoreAdjustment.occurred_on <= valid_on, ScoreAdjustment.valid_until >= valid_on)
    if not include_revoked:
        stmt = stmt.where(ScoreAdjustment.revoked_at.is_(None))
    return stmt


def evidence_of(adjustment: ScoreAdjustment) -> list[EvidenceFile]:
    return list(db.session.scalars(sa.select(EvidenceFile).where(
        EvidenceFile.subject == EvidenceSubject.ADJUSTMENT, EvidenceFile.subject_id == adjustment.id)
        .order_by(EvidenceFile.id)))


def photo_counts(adjustment_ids: list[int]) -> dict[int, int]:
    if not adjustment_ids:
        return {}
    return dict(db.session.execute(sa.select(EvidenceFile.subject_id, sa.func.count()).where(
        EvidenceFile.subject == EvidenceSubject.ADJUSTMENT, EvidenceFile.subject_id.in_(adjustment_ids))
        .group_by(EvidenceFile.subject_id)).all())


def firm_serving(community_id: int, on: dt.date) -> int | None:
    from portal.firms.models import Contract
    from portal.firms.services import in_force_on

    return db.session.scalar(sa.select(Contract.firm_id).where(Contract.community_id == community_id, in_force_on(on))
                             .order_by(Contract.start_date.desc()).limit(1))


def _describe(a: ScoreAdjustment) -> dict:
    return {"community_id": a.community_id, "firm_id": a.firm_id, "kind": a.kind.value, "points_cp": a.points_cp,
            "condition": a.condition, "occurred_on": a.occurred_on, "valid_until": a.valid_until,
            "source": a.source.value, "source_ref": a.source_ref}


def record_adjustment(*, tenant, actor, community_id: int, kind: AdjustmentKind, points_cp: int, condition: str,
                      reason: str, occurred_on: dt.date, valid_until: dt.date | None = None, evidence: str = "",
                      now: dt.datetime | None = None) -> ScoreAdjustment:
    """A manual bonus, penalty or veto for the firm serving ``community_id`` on ``occurred_on``."""
    from portal.communities.models import Community

    if not isinstance(kind, AdjustmentKind):
        raise SetupError("kind", _l("Kind: choose bonus, penalty or veto."))
    if not db.session.scalar(sa.select(Community.id).where(Community.id == community_id)):
        raise SetupError("community_id", _l("Community: choose a community of this tenant."))
    if not isinstance(occurred_on, dt.date):
        raise SetupError("occurred_on", _l("Date: enter the day it happened."))
    firm_id = firm_serving(community_id, occurred_on)
    if firm_id is None:
        raise SetupError("occurred_on", _l("Date: no firm served the community on that day."))
    if kind == AdjustmentKind.VETO:
        if condition not in VETO_CONDITIONS:
            raise SetupError("condition", _l("Veto condition: choose one of the offered conditions."))
        points_cp = 0
    else:
        allowed = BONUS_TYPES if kind == AdjustmentKind.BONUS else PENALTY_TYPES
        if condition not in allowed:
            raise SetupError("condition", _l("Type: choose one of the offered types."))
        if not isinstance(points_cp, int) or isinstance(points_cp, bool) or not 1 <= points_cp <= 10000:
            raise SetupError("points", _l("Points: a number from 0.01 to 100."))
    reason = _text(reason, "reason", REASON_MAX, required=True, what=_l("Reason"))
    evidence = _text(evidence, "evidence", EVIDENCE_MAX, required=False, what=_l("Evidence"))
    if valid_until is None:
        scheme = scheme_in_force()
        days = rules_of(scheme).adjustment_validity_days if scheme else 365
        valid_until = occurred_on + dt.timedelta(days=days)
    if not isinstance(valid_until, dt.date) or valid_until < occurred_on:
        raise SetupError("valid_until", _l("Valid until: a day on or after the day it happened."))
    adjustment = ScoreAdjustment(community_id=community_id, firm_id=firm_id, kind=kind, points_cp=points_cp,
                                 condition=condition, reason=reason, evidence=evidence, occurred_on=occurred_on,
                                 valid_until=valid_until, source=AdjustmentSource.MANUAL, source_ref=None,
                                 created_by_id=getattr(actor, "id", None), created_at=now or utcnow())
    db.session.add(adjustment)
    db.session.flush()
    record(tenant=tenant, actor=actor, action=RECORDED[kind], object_type="evaluation_adjustment",
           object_id=adjustment.id, summary=f"{points_cp / 100:.2f}", reason=reason,
           after=_describe(adjustment))
    return adjustment


def add_evidence(*, tenant, actor, adjustment: ScoreAdjustment, accepted, now: dt.datetime | None = None) -> EvidenceFile:
    """Store an accepted photo (portal.storage) as evidence of the record (at most MAX_PHOTOS)."""
    from portal import storage

    if len(evidence_of(adjustment)) >= MAX_PHOTOS:
        raise SetupError("photo", _l("Photos: at most %(n)d per record.", n=MAX_PHOTOS))
    key = storage.store(tenant.id, PHOTO_FOLDER, accepted)
    photo = EvidenceFile(subject=EvidenceSubject.ADJUSTMENT, subject_id=adjustment.id, storage_key=key,
                         content_type=accepted.content_type, size=len(accepted.data),
                         uploaded_by_id=getattr(actor, "id", None), uploaded_at=now or utcnow())
    db.session.add(photo)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="evaluation.evidence_added", object_type="evaluation_adjustment",
           object_id=adjustment.id, summary=f"photo {photo.id}")
    return photo


def revoke_adjustment(*, tenant, actor, adjustment: ScoreAdjustment, reason: str,
                      now: dt.datetime | None = None) -> ScoreAdjustment:
    """Withdraw a record (it stays, marked revoked with who, when and why; computations ignore it)."""
    if adjustment.revoked_at is not None:
        raise SetupError(None, _l("This record was already revoked."), status=409, code="revoked")
    reason = _text(reason, "revoke_reason", REVOKE_MAX, required=True, what=_l("Reason for revoking"))
    adjustment.revoked_at, adjustment.revoked_by_id, adjustment.revoke_reason = now or utcnow(), getattr(actor, "id", None), reason
    db.session.flush()
    record(tenant=tenant, actor=actor, action="evaluation.adjustment_revoked", object_type="evaluation_adjustment",
           object_id=adjustment.id, summary=f"{adjustment.points_cp / 100:.2f}", reason=reason)
    return adjustment


# ----------------------------------------------------------------------------- disclosure inputs


def derive_disclosure_penalties(*, tenant, actor, period: EvaluationPeriod, now: dt.datetime | None = None) -> dict:
    """Turn the period's disclosure facts into penalties, idempotently; returns counts {added, updated, kept}."""
    from portal.disclosures.models import NoticeBoard, OverdueFact
    from portal.objections.services import period_facts

    now = now or utcnow()
    scheme = scheme_of(period) or scheme_in_force()
    rules = rules_of(scheme) if scheme else None
    board_points = rules.board_overdue_penalty_cp if rules else 200
    objection_points = rules.objection_late_penalty_cp if rules else 100
    validity = dt.timedelta(days=rules.adjustment_validity_days if rules else 365)
    wanted: dict[tuple[AdjustmentSource, str], dict] = {}
    facts = db.session.execute(
        sa.select(OverdueFact, NoticeBoard.firm_id).join(NoticeBoard, NoticeBoard.id == OverdueFact.board_id)
        .where(OverdueFact.due_date >= period.start_date, OverdueFact.due_date <= period.end_date)
        .order_by(OverdueFact.id)).all()
    for fact, firm_id in facts:
        if board_points <= 0:
            break
        wanted[(AdjustmentSource.BOARD_OVERDUE, f"fact:{fact.id}")] = {
            "community_id": fact.community_id, "firm_id": firm_id, "points_cp": board_points,
            "condition": "disclosure", "occurred_on": fact.due_date,
            "reason": str(_l("Notice-board section “%(section)s” was not published by %(day)s.",
                             section=fact.section.label, day=fact.due_date))}
    for row in period_facts(period.start_date, period.end_date, getattr(tenant, "time_zone", None) or "Asia/Shanghai"):
        late = row["answered_late"] + row["open_overdue"]
        if late <= 0 or objection_points <= 0:
            continue
        wanted[(AdjustmentSource.OBJECTION_LATE, f"period:{period.id}:board:{row['board_id']}")] = {
            "community_id": row["community_id"], "firm_id": row["firm_id"],
            "points_cp": min(10000, late * objection_points), "condition": "disclosure",
            "occurred_on": period.end_date,
            "reason": str(_l("%(n)s owners' objections answered late or left unanswered in %(period)s.",
                             n=late, period=period.name))}
    counts = {"added": 0, "updated": 0, "kept": 0}
    if not wanted:
        return counts
    existing = {(a.source, a.source_ref): a for a in db.session.scalars(sa.select(ScoreAdjustment).where(
        ScoreAdjustment.source.in_([AdjustmentSource.BOARD_OVERDUE, AdjustmentSource.OBJECTION_LATE]),
        ScoreAdjustment.source_ref.in_([ref for _, ref in wanted])))}
    for (source, ref), data in sorted(wanted.items(), key=lambda kv: (kv[0][0].value, kv[0][1])):
        found = existing.get((source, ref))
        if found is not None:
            if found.revoked_at is None and found.points_cp != data["points_cp"]:
                found.points_cp, found.reason = data["points_cp"], data["reason"]
                counts["updated"] += 1
            else:
                counts["kept"] += 1
            continue
        db.session.add(ScoreAdjustment(kind=AdjustmentKind.PENALTY, source=source, source_ref=ref,
                                       valid_until=data["occurred_on"] + validity, evidence="", created_at=now,
                                       created_by_id=None, **data))
        counts["added"] += 1
    db.session.flush()
    if counts["added"] or counts["updated"]:
        record(tenant=tenant, actor=actor, action="evaluation.disclosure_penalties", object_type="evaluation_period",
               object_id=period.id, summary=f"{counts['added']}, {counts['updated']}, {counts['kept']}",
               after=counts)
    return counts


def local_today_of(tenant, now: dt.datetime | None = None) -> dt.date:
    return local_day(now or utcnow(), tenant)
