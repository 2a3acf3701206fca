"""Rectification plans (整改) for a yellow or red card: the firm writes its plan and milestones, marks them done,
reports the work finished with evidence photos; the bureau re-inspects and accepts or refuses. A plan not
verified keeps the card from being lifted (see portal.evaluation.ladder)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal import storage
from portal.audit.services import record
from portal.domain import DomainError
from portal.evaluation.models import EvidenceFile, EvidenceSubject
from portal.evaluation.result_models import RectificationMilestone, RectificationPlan, RectificationStatus
from portal.extensions import db
from tenants.roles import Role

EVIDENCE_FOLDER = "evaluation_rectification"
TEXT_MAX = 4000
TITLE_MAX = 200


class RectificationError(DomainError):
    pass


def acts_for_firm(memberships, plan: RectificationPlan) -> bool:
    for m in memberships:
        if not m.is_active:
            continue
        if m.role == Role.FIRM_STAFF and m.firm_id == plan.firm_id:
            return True
        if m.role in (Role.PROJECT_MANAGER, Role.PROJECT_STAFF) and m.community_id == plan.community_id:
            return True
    return False


def milestones_of(plan_id: int) -> list[RectificationMilestone]:
    return list(db.session.scalars(sa.select(RectificationMilestone).where(RectificationMilestone.plan_id == plan_id)
                                   .order_by(RectificationMilestone.due_on, RectificationMilestone.id)))


def evidence_of(plan_id: int) -> list[EvidenceFile]:
    return list(db.session.scalars(sa.select(EvidenceFile).where(
        EvidenceFile.subject == EvidenceSubject.RECTIFICATION, EvidenceFile.subject_id == plan_id)
        .order_by(EvidenceFile.id)))


def _editable(plan: RectificationPlan) -> None:
    if plan.status != RectificationStatus.OPEN:
        raise RectificationError(None, _l("This plan has been reported done; it can no longer be changed."), status=409)


def write_plan(*, tenant, actor, plan: RectificationPlan, text: str) -> None:
    _editable(plan)
    text = (text or "").strip()
    if not text:
        raise RectificationError("plan", _l("Describe what will be put right, and how."))
    if len(text) > TEXT_MAX:
        raise RectificationError("plan", _l("At most %(n)s characters.", n=TEXT_MAX))
    plan.plan = text
    record(tenant=tenant, actor=actor, action="evaluation.rectification_planned",
           object_type="evaluation_rectification_plan", object_id=plan.id)
    db.session.flush()


def add_milestone(*, tenant, actor, plan: RectificationPlan, title: str, due_on: dt.date | None) -> RectificationMilestone:
    _editable(plan)
    title = (title or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise RectificationError("title", _l("A step of 1 to %(n)s characters.", n=TITLE_MAX))
    if due_on is None or due_on > plan.deadline:
        raise RectificationError("due_on", _l("A date on or before the plan's deadline, %(day)s.", day=plan.deadline))
    milestone = RectificationMilestone(plan_id=plan.id, title=title, due_on=due_on)
    db.session.add(milestone)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="evaluation.milestone_added", object_type="evaluation_rectification_plan",
           object_id=plan.id, after={"milestone": milestone.id, "due_on": due_on})
    return milestone


def complete_milestone(*, tenant, actor, plan: RectificationPlan, milestone: RectificationMilestone, note: str,
                       now: dt.datetime) -> None:
    _editable(plan)
    if milestone.plan_id != plan.id:
        raise RectificationError(None, _l("No such step."), status=404)
    milestone.done_at, milestone.note = now, (note or "").strip()[:TEXT_MAX]
    record(tenant=tenant, actor=actor, action="evaluation.milestone_done", object_type="evaluation_rectification_plan",
           object_id=plan.id, after={"milestone": milestone.id})
    db.session.flush()


def submit(*, tenant, actor, plan: RectificationPlan, photos, now: dt.datetime) -> list[str]:
    """The firm reports the work done, with evidence photos; returns the stored keys."""
    _editable(plan)
    if not plan.plan:
        raise RectificationError("plan", _l("Write the plan before reporting it done."))
    if any(m.done_at is None for m in milestones_of(plan.id)):
        raise RectificationError(None, _l("Mark every step done before reporting the plan done."))
    if not photos:
        raise RectificationError("photos", _l("Add at least one photo showing the work done."))
    keys = []
    for photo in photos:
        key = storage.store(tenant.id, EVIDENCE_FOLDER, photo)
        keys.append(key)
        db.session.add(EvidenceFile(subject=EvidenceSubject.RECTIFICATION, subject_id=plan.id, storage_key=key,
                                    content_type=photo.content_type, size=photo.size, uploaded_by_id=actor.id,
                                    uploaded_at=now))
    plan.status, plan.submitted_at = RectificationStatus.SUBMITTED, now
    record(tenant=tenant, actor=actor, action="evaluation.rectification_submitted",
           object_type="evaluation_rectification_plan", object_id=plan.id, after={"photos": len(keys)})
    db.session.flush()
    return keys


def reinspect(*, tenant, actor, plan: RectificationPlan, accepted: bool, note: str, now: dt.datetime) -> None:
    """The bureau's re-inspection of a plan reported done: verified, or not accepted (with the reason)."""
    if plan.status != RectificationStatus.SUBMITTED:
        raise RectificationError(None, _l("Only a plan reported done can be re-inspected."), status=409)
    note = (note or "").strip()
    if not note or len(note) > TEXT_MAX:
        raise RectificationError("note", _l("Write what the re-inspection found (1 to %(n)s characters).", n=TEXT_MAX))
    plan.status = RectificationStatus.VERIFIED if accepted else RectificationStatus.FAILED
    plan.reinspected_at, plan.reinspected_by_id, plan.reinspection_note = now, actor.id, note
    record(tenant=tenant, actor=actor, action="evaluation.rectification_reinspected",
           object_type="evaluation_rectification_plan", object_id=plan.id, after={"status": plan.status.value},
           reason=note)
    db.session.flush()
