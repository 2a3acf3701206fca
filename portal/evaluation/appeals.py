"""Appeals (申诉) against one item of a project's draft result, and their decision.

During the period's appeal window, the firm (its staff for its own project) or the owners' committee (a member,
for their community) appeals **one item** — a component, or one bonus/penalty/veto record — once per side, with
a statement and evidence photos. A reviewer of the bureau who is not the item's original scorer (the assessor of
an appealed assessment, the recorder of an appealed adjustment) decides, with reasons. An upheld appeal corrects
the input (revokes the adjustment, or corrects the assessment's total) and the period is recomputed through the
engine with purpose RECOMPUTE; the run appealed against is kept, and both are shown side by side.
"""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal import storage
from portal.audit.services import record
from portal.domain import DomainError
from portal.evaluation.ladder import shanghai_date
from portal.evaluation.models import (
    Assessment, AssessmentKind, EvaluationPeriod, EvidenceFile, EvidenceSubject, PeriodStatus, ScoreAdjustment,
)
from portal.evaluation.result_models import Appeal, AppealItem, AppealStatus, ProjectResult
from portal.evaluation.result_services import current_run, mark_under_appeal
from portal.extensions import db
from tenants.roles import Role

EVIDENCE_FOLDER = "evaluation_appeals"
MAX_PHOTOS = 6
STATEMENT_MAX = 2000
REASON_MAX = 2000
# Audit summaries and revoke reasons are stored text: written in the tenant's language (Chinese), never as codes.
_KIND_ZH = {"bonus": "加分", "penalty": "扣分", "veto": "一票否决"}
DECISIONS = (AppealStatus.UPHELD, AppealStatus.PARTLY, AppealStatus.REJECTED)


class AppealError(DomainError):
    pass


def side_for(memberships, result: ProjectResult) -> str | None:
    """"firm" when a membership acts for the result's firm, "committee" for its community's committee; else None."""
    for m in memberships:
        if not m.is_active:
            continue
        if m.role == Role.FIRM_STAFF and m.firm_id == result.firm_id:
            return "firm"
        if m.role == Role.PROJECT_MANAGER and m.community_id == result.community_id:
            return "firm"
        if m.role == Role.COMMITTEE_MEMBER and m.community_id == result.community_id:
            return "committee"
    return None


def window_open(period: EvaluationPeriod, now: dt.datetime) -> bool:
    return (period.status in (PeriodStatus.COMPUTED, PeriodStatus.APPEAL) and period.appeal_until is not None
            and shanghai_date(now) <= period.appeal_until)


def accept_photos(files) -> list[storage.AcceptedFile]:
    files = [f for f in files if f is not None and getattr(f, "filename", "x")]
    if len(files) > MAX_PHOTOS:
        raise AppealError("photos", _l("At most %(n)s photos.", n=MAX_PHOTOS))
    accepted = []
    for f in files:
        try:
            accepted.append(storage.accept(getattr(f, "stream", f), kinds=storage.IMAGE_KINDS,
                                           label=str(_l("Evidence photos"))))
        except storage.UploadRejected as error:
            raise AppealError("photos", str(error)) from error
    return accepted


def _item_or_error(period: EvaluationPeriod, result: ProjectResult, item: AppealItem, item_ref: int) -> None:
    if item == AppealItem.ADJUSTMENT:
        adjustment = db.session.scalar(sa.select(ScoreAdjustment).where(ScoreAdjustment.id == item_ref))
        if adjustment is None or adjustment.community_id != result.community_id:
            raise AppealError("item", _l("Choose a bonus, penalty or veto record of this project."))
    elif item in (AppealItem.COMMUNITY, AppealItem.AUTHORITY) and item_ref:
        assessment = db.session.scalar(sa.select(Assessment).where(Assessment.id == item_ref))
        if (assessment is None or assessment.community_id != result.community_id
                or assessment.period_id != period.id or assessment.kind.value != item.value):
            raise AppealError("item", _l("Choose an assessment of this project in this period."))
    elif item_ref:
        raise AppealError("item", _l("Choose a component or one record of this project."))


def file_appeal(*, tenant, actor, memberships, period: EvaluationPeriod, community_id: int, item: AppealItem,
                item_ref: int, statement: str, photos: list[storage.AcceptedFile], now: dt.datetime
                ) -> tuple[Appeal, list[str]]:
    """File an appeal; returns it and the stored photo keys (the caller deletes them on rollback)."""
    run = current_run(period)
    result = None if run is None else db.session.scalar(sa.select(ProjectResult).where(
        ProjectResult.run_id == run.id, ProjectResult.community_id == community_id))
    if result is None:
        raise AppealError(None, _l("This project has no result to appeal in this period."), status=404)
    side = side_for(memberships, result)
    if side is None:
        raise AppealError(None, _l("Only the project's firm or its owners' committee may appeal."), status=404)
    if not window_open(period, now):
        raise AppealError(None, _l("The appeal window of this period is closed."), status=409)
    statement = (statement or "").strip()
    if not statement:
        raise AppealError("statement", _l("Say what is wrong and why."))
    if len(statement) > STATEMENT_MAX:
        raise AppealError("statement", _l("At most %(n)s characters.", n=STATEMENT_MAX))
    _item_or_error(period, result, item, item_ref)
    duplicate = db.session.scalar(sa.select(Appeal.id).where(
        Appeal.period_id == period.id, Appeal.community_id == community_id, Appeal.item == item,
        Appeal.item_ref == item_ref, Appeal.filed_as == side))
    if duplicate:
        raise AppealError("item", _l("Your side has already appealed this item in this period."), status=409)
    appeal = Appeal(period_id=period.id, run_id=run.id, community_id=community_id, firm_id=result.firm_id,
                    item=item, item_ref=item_ref, filed_as=side, filed_by_id=actor.id, statement=statement,
                    filed_at=now)
    db.session.add(appeal)
    db.session.flush()
    keys = []
    for photo in photos:
        key = storage.store(tenant.id, EVIDENCE_FOLDER, photo)
        keys.append(key)
        db.session.add(EvidenceFile(subject=EvidenceSubject.APPEAL, subject_id=appeal.id, storage_key=key,
                                    content_type=photo.content_type, size=photo.size, uploaded_by_id=actor.id,
                                    uploaded_at=now))
    mark_under_appeal(run.id, community_id)
    record(tenant=tenant, actor=actor, action="evaluation.appeal_filed", object_type="evaluation_appeal",
           object_id=appeal.id, after={"community": community_id, "item": item.value, "item_ref": item_ref,
                                        "side": side, "photos": len(keys)})
    db.session.flush()
    return appeal, keys


def original_scorers(appeal: Appeal) -> set[int]:
    """Who scored the appealed item: they cannot decide the appeal."""
    if appeal.item == AppealItem.ADJUSTMENT:
        ids = db.session.scalars(sa.select(ScoreAdjustment.created_by_id).where(ScoreAdjustment.id == appeal.item_ref))
    elif appeal.item in (AppealItem.COMMUNITY, AppealItem.AUTHORITY):
        stmt = sa.select(Assessment.assessor_id).where(Assessment.period_id == appeal.period_id,
                                                       Assessment.community_id == appeal.community_id,
                                                       Assessment.kind == AssessmentKind(appeal.item.value))
        if appeal.item_ref:
            stmt = stmt.where(Assessment.id == appeal.item_ref)
        ids = db.session.scalars(stmt)
    else:
        return set()
    return {i for i in ids if i is not None}


def may_decide(actor, appeal: Appeal) -> bool:
    return appeal.status == AppealStatus.FILED and actor.id not in original_scorers(appeal)


def decide(*, tenant, actor, appeal: Appeal, status: AppealStatus, reason: str, corrected_cp: int | None,
           now: dt.datetime, recompute: bool = True) -> Appeal:
    """Decide an appeal with reasons; an upheld (or partly upheld) one corrects its input and recomputes."""
    if appeal.status != AppealStatus.FILED:
        raise AppealError(None, _l("This appeal has already been decided."), status=409)
    if actor.id in original_scorers(appeal):
        raise AppealError(None, _l("The person who scored the appealed item cannot decide the appeal; "
                                   "another reviewer must."), status=403)
    if status not in DECISIONS:
        raise AppealError("decision", _l("Choose upheld, partly upheld or rejected."))
    reason = (reason or "").strip()
    if not reason:
        raise AppealError("reason", _l("Give the reasons for the decision."))
    if len(reason) > REASON_MAX:
        raise AppealError("reason", _l("At most %(n)s characters.", n=REASON_MAX))
    correction = {}
    if status != AppealStatus.REJECTED:
        correction = _correct(tenant=tenant, actor=actor, appeal=appeal, corrected_cp=corrected_cp, reason=reason,
                              now=now)
    appeal.status, appeal.reviewer_id, appeal.decision_reason = status, actor.id, reason
    appeal.decided_at = now
    appeal.correction = json.dumps(correction, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    db.session.flush()
    record(tenant=tenant, actor=actor, action="evaluation.appeal_decided", object_type="evaluation_appeal",
           object_id=appeal.id, after={"status": status.value, "correction": correction}, reason=reason)
    if correction and recompute:
        period = db.session.scalar(sa.select(EvaluationPeriod).where(EvaluationPeriod.id == appeal.period_id))
        run = recompute_period(tenant=tenant, actor=actor, period=period,
                               reason=f"第 {appeal.id} 号申诉复核后重新计算", now=now)
        appeal.result_run_id = run.id
    elif not correction:
        still_open = db.session.scalar(sa.select(sa.func.count()).select_from(Appeal).where(
            Appeal.run_id == appeal.run_id, Appeal.community_id == appeal.community_id,
            Appeal.status == AppealStatus.FILED))
        if not still_open:
            mark_under_appeal(appeal.run_id, appeal.community_id, False)
    db.session.flush()
    return appeal


def _correct(*, tenant, actor, appeal: Appeal, corrected_cp: int | None, reason: str, now: dt.datetime) -> dict:
    """Apply an upheld appeal to its input; returns what changed (empty: nothing the computation reads)."""
    if appeal.item == AppealItem.ADJUSTMENT:
        adjustment = db.session.scalar(sa.select(ScoreAdjustment).where(ScoreAdjustment.id == appeal.item_ref))
        if adjustment is None or adjustment.revoked_at is not None:
            return {}
        adjustment.revoked_at, adjustment.revoked_by_id = now, actor.id
        adjustment.revoke_reason = f"第 {appeal.id} 号申诉成立：{reason}"[:500]  # stored text, in the tenant's language
        record(tenant=tenant, actor=actor, action="evaluation.adjustment_revoked", object_type="evaluation_adjustment",
               object_id=adjustment.id, summary=f"{_KIND_ZH[adjustment.kind.value]}记录 #{adjustment.id}（第 {appeal.id} 号申诉）",
               reason=adjustment.revoke_reason)
        return {"adjustment": adjustment.id, "revoked": True}
    if appeal.item in (AppealItem.COMMUNITY, AppealItem.AUTHORITY) and appeal.item_ref:
        if corrected_cp is None or not 0 <= corrected_cp <= 10000:
            raise AppealError("corrected", _l("Give the corrected total, from 0 to 100."))
        assessment = db.session.scalar(sa.select(Assessment).where(Assessment.id == appeal.item_ref))
        before = assessment.total_cp
        assessment.total_cp, assessment.updated_at = corrected_cp, now
        record(tenant=tenant, actor=actor, action="evaluation.assessment_corrected",
               object_type="evaluation_assessment", object_id=assessment.id,
               summary=f"评分记录 #{assessment.id}：{before} → {corrected_cp}（第 {appeal.id} 号申诉）", before={"total_cp": before},
               after={"total_cp": corrected_cp}, reason=reason)
        return {"assessment": assessment.id, "total_cp": [before, corrected_cp]}
    return {}


def recompute_period(*, tenant, actor, period: EvaluationPeriod, reason: str, now: dt.datetime):
    """A new run of the period through the engine (imported here: it is another part of the feature)."""
    from portal.evaluation import engine
    from portal.evaluation.result_models import RunPurpose

    run = engine.compute_period(tenant=tenant, period=period, actor=actor, purpose=RunPurpose.RECOMPUTE,
                                reason=reason, now=now)
    period.current_run_id = run.id
    open_appeals = db.session.scalars(sa.select(Appeal.community_id).where(
        Appeal.period_id == period.id, Appeal.status == AppealStatus.FILED))
    for community_id in set(open_appeals):
        mark_under_appeal(run.id, community_id)
    return run


def evidence_of(appeal_id: int) -> list[EvidenceFile]:
    return list(db.session.scalars(sa.select(EvidenceFile).where(EvidenceFile.subject == EvidenceSubject.APPEAL,
                                                                 EvidenceFile.subject_id == appeal_id)
                                   .order_by(EvidenceFile.id)))
