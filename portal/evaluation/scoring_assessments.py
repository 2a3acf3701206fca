"""Community assessments (list C, by the community or street office of the project's area, or the bureau) and
bureau inspections (list A, with evidence photos) of a project in a period.

Points are given per item of the period's frozen list version. An item is worth its section's weight shared
equally among the section's items (in centipoints, the remainder going to the first items, so the items of a
section add up to its weight exactly); no item may get more than it is worth. The total is the points over the
version's total weight, on 0..100 in centipoints, rounded half up.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal import storage
from portal.audit.services import record
from portal.checklists.models import ChecklistItem, ChecklistSection
from portal.communities.models import Community
from portal.communities.services import visible_community_ids
from portal.db import utcnow
from portal.evaluation.models import (Assessment, AssessmentKind, EvaluationPeriod, EvidenceFile, EvidenceSubject,
                                      PeriodStatus)
from portal.evaluation.scoring_services import ScoringError, canonical, serving_firm_id
from portal.extensions import db
from portal.permissions import Action, can

NOTES_MAX = 2000
MAX_PHOTOS = 6
PHOTO_FOLDER = "evaluation"
# Inputs may be recorded while owners score and after scoring closed, until the period is computed.
ASSESSABLE = (PeriodStatus.OPEN, PeriodStatus.CLOSED)
ACTION_FOR = {AssessmentKind.COMMUNITY: Action.ASSESS_COMMUNITY, AssessmentKind.AUTHORITY: Action.INSPECT_PROJECTS}


@dataclass(frozen=True)
class Line:
    """One item to score: its code, section, texts and what it is worth (centipoints)."""

    code: str
    section_code: str
    section_title: str
    text: str
    max_cp: int


def version_for(period: EvaluationPeriod, kind: AssessmentKind) -> int | None:
    return period.list_c_version_id if kind == AssessmentKind.COMMUNITY else period.list_a_version_id


def lines(version_id: int | None, locale: str = "zh") -> list[Line]:
    """Every item of the version with its worth, in the list's order."""
    if not version_id:
        return []
    sections = list(db.session.scalars(sa.select(ChecklistSection).where(ChecklistSection.version_id == version_id)
                                       .order_by(ChecklistSection.position, ChecklistSection.id)))
    items: dict[int, list[ChecklistItem]] = {s.id: [] for s in sections}
    for item in db.session.scalars(sa.select(ChecklistItem).where(ChecklistItem.section_id.in_(list(items)))
                                   .order_by(ChecklistItem.position, ChecklistItem.id)):
        items[item.section_id].append(item)
    out = []
    for section in sections:
        members = items[section.id]
        if not members:
            continue
        weight_cp = int((section.weight or Decimal(0)) * 100)
        share, rest = divmod(weight_cp, len(members))
        for index, item in enumerate(members):
            out.append(Line(item.code, section.code, section.title(locale), item.text(locale),
                            share + (1 if index < rest else 0)))
    return out


def parse_points(value) -> int | None:
    """"6.5" → 650 centipoints; None when blank; ValueError when not a number with at most two decimals."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise ValueError(str(value)) from error
    if not number.is_finite():
        raise ValueError(str(value))
    cp = number * 100
    if cp != cp.to_integral_value():
        raise ValueError(str(value))
    return int(cp)


def field_name(code: str) -> str:
    """The form field of an item (codes carry dots, which form names should not)."""
    return "pts_" + code.replace(".", "_")


def total_cp(points: dict[str, int], worth: dict[str, int]) -> int:
    whole = sum(worth.values())
    return (sum(points.values()) * 10000 * 2 + whole) // (2 * whole) if whole else 0


def _clean_points(version_id: int | None, points: dict) -> tuple[dict[str, int], dict[str, int]]:
    worth = {line.code: line.max_cp for line in lines(version_id)}
    if not worth:
        raise ScoringError(None, _l("This period has no checklist version to assess against yet."), status=409)
    unknown = sorted(set(points or {}) - set(worth))
    if unknown:
        raise ScoringError("item_scores", _l("Unknown item: %(codes)s.", codes=", ".join(unknown)))
    clean = {}
    for code, limit in worth.items():
        raw = (points or {}).get(code)
        try:
            cp = raw if isinstance(raw, int) and not isinstance(raw, bool) else parse_points(raw)
        except ValueError:
            raise ScoringError(field_name(code), _l("Item %(code)s: a number of points with at most two decimals.",
                                                    code=code)) from None
        if cp is None:
            raise ScoringError(field_name(code), _l("Item %(code)s: give its points (0 if not met).", code=code))
        if not 0 <= cp <= limit:
            raise ScoringError(field_name(code), _l("Item %(code)s: from 0 to %(max)s points.", code=code,
                                                    max=format_cp(limit)))
        clean[code] = cp
    return clean, worth


def format_cp(cp: int | None) -> str:
    """Centipoints as points with two decimals (the published figures)."""
    if cp is None:
        return "—"
    return f"{cp // 100}.{cp % 100:02d}"


def may_assess(memberships, kind: AssessmentKind, community_id: int) -> bool:
    """The role (community assessment: bureau or officer; inspection: bureau) and, for an officer, her area."""
    if not can(memberships, ACTION_FOR[kind]):
        return False
    ids = visible_community_ids(memberships)
    if ids is None:
        return True
    found = ids.subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(found)
                             .where(found.c[0] == community_id)) > 0


def assessable_communities(memberships, kind: AssessmentKind) -> sa.Select:
    """The projects this member may assess (of this kind), by name."""
    stmt = sa.select(Community).order_by(Community.name, Community.id)
    ids = visible_community_ids(memberships)
    if not can(memberships, ACTION_FOR[kind]):
        return stmt.where(sa.false())
    return stmt if ids is None else stmt.where(Community.id.in_(ids))


def visible_assessments(memberships, period: EvaluationPeriod) -> sa.Select:
    """The period's assessments this member may read: the bureau all, an officer those of her area; only of the
    kinds her role records."""
    kinds = [k for k, action in ACTION_FOR.items() if can(memberships, action)]
    stmt = (sa.select(Assessment).where(Assessment.period_id == period.id, Assessment.kind.in_(kinds))
            .order_by(Assessment.assessed_on.desc(), Assessment.id.desc()))
    ids = visible_community_ids(memberships)
    return stmt if ids is None else stmt.where(Assessment.community_id.in_(ids))


def assessments_of(period_id: int, community_ids: list[int], memberships) -> dict[int, list[Assessment]]:
    """community id → the period's assessments of it this member may read (a page of projects in one query)."""
    kinds = [k for k, action in ACTION_FOR.items() if can(memberships, action)]
    out: dict[int, list[Assessment]] = {cid: [] for cid in community_ids}
    if community_ids and kinds:
        for a in db.session.scalars(sa.select(Assessment).where(Assessment.period_id == period_id,
                                                                Assessment.community_id.in_(community_ids),
                                                                Assessment.kind.in_(kinds))
                                    .order_by(Assessment.kind, Assessment.assessed_on, Assessment.id)):
            out[a.community_id].append(a)
    return out


def may_see(memberships, assessment: Assessment) -> bool:
    return may_assess(memberships, assessment.kind, assessment.community_id)


def may_edit(memberships, actor_id: int, assessment: Assessment, period: EvaluationPeriod) -> bool:
    """While the period takes inputs: the assessor, or the bureau (a colleague out of office)."""
    if period.status not in ASSESSABLE or not may_see(memberships, assessment):
        return False
    return assessment.assessor_id == actor_id or visible_community_ids(memberships) is None


def _check_period(period: EvaluationPeriod) -> None:
    if period.status not in ASSESSABLE:
        raise ScoringError(None, _l("Assessments of “%(period)s” can no longer be recorded or changed.",
                                    period=period.name), status=409, code="period_not_open")


def _check_day(period: EvaluationPeriod, assessed_on, today: dt.date) -> dt.date:
    if not isinstance(assessed_on, dt.date):
        raise ScoringError("assessed_on", _l("Date of the assessment: a date such as 2026-09-15."))
    if assessed_on < period.start_date or assessed_on > today:
        raise ScoringError("assessed_on", _l("Date of the assessment: from the period's first day (%(start)s) to today.",
                                             start=period.start_date.isoformat()))
    return assessed_on


def _notes(value) -> str:
    text = (value or "").strip()
    if len(text) > NOTES_MAX:
        raise ScoringError("notes", _l("Write at most %(n)s characters.", n=NOTES_MAX))
    return text


def accept_photos(files: Iterable, label) -> list[storage.AcceptedFile]:
    """Check uploaded photos (content-sniffed, re-encoded, bounded) before anything is stored."""
    files = [f for f in files if f is not None and getattr(f, "filename", "x")]
    if len(files) > MAX_PHOTOS:
        raise ScoringError("photos", _l("At most %(n)s photos.", n=MAX_PHOTOS))
    accepted = []
    for f in files:
        try:
            accepted.append(storage.accept(getattr(f, "stream", f), kinds=storage.IMAGE_KINDS, label=str(label)))
        except storage.UploadRejected as error:
            raise ScoringError("photos", str(error)) from error
    return accepted


def photos_of(assessment: Assessment) -> list[EvidenceFile]:
    return list(db.session.scalars(sa.select(EvidenceFile).where(EvidenceFile.subject == EvidenceSubject.ASSESSMENT,
                                                                 EvidenceFile.subject_id == assessment.id)
                                   .order_by(EvidenceFile.id)))


def _store_photos(tenant, actor, assessment: Assessment, photos: list[storage.AcceptedFile]) -> list[str]:
    if len(photos_of(assessment)) + len(photos) > MAX_PHOTOS:
        raise ScoringError("photos", _l("At most %(n)s photos.", n=MAX_PHOTOS))
    keys = []
    for photo in photos:
        key = storage.store(tenant.id, PHOTO_FOLDER, photo)
        keys.append(key)
        db.session.add(EvidenceFile(subject=EvidenceSubject.ASSESSMENT, subject_id=assessment.id, storage_key=key,
                                    content_type=photo.content_type, size=photo.size,
                                    uploaded_by_id=getattr(actor, "id", None)))
    return keys


def record_assessment(*, tenant, actor, memberships, period: EvaluationPeriod, kind: AssessmentKind,
                      community: Community, points: dict, notes: str = "", assessed_on: dt.date,
                      photos: list[storage.AcceptedFile] = (), today: dt.date,
                      now: dt.datetime | None = None) -> tuple[Assessment, list[str]]:
    """Record a community assessment or an inspection; returns it and the stored photos' keys (the caller
    deletes them if the transaction is rolled back)."""
    if not may_assess(memberships, kind, community.id):
        raise ScoringError(None, _l("You may not assess this project."), status=403)
    _check_period(period)
    day = _check_day(period, assessed_on, today)
    clean, worth = _clean_points(version_for(period, kind), points)
    firm_id = serving_firm_id(community.id, min(day, period.end_date))
    if firm_id is None:
        raise ScoringError(None, _l("No firm served this project on that day."), status=409)
    now = now or utcnow()
    assessment = Assessment(period_id=period.id, community_id=community.id, firm_id=firm_id, kind=kind,
                            checklist_version_id=version_for(period, kind), item_scores=canonical(clean),
                            total_cp=total_cp(clean, worth), notes=_notes(notes), assessed_on=day,
                            assessor_id=actor.id, created_at=now, updated_at=now)
    db.session.add(assessment)
    db.session.flush()
    keys = _store_photos(tenant, actor, assessment, list(photos))
    record(tenant=tenant, actor=actor, action=f"evaluation.{kind.value}_assessed", object_type="evaluation_assessment",
           object_id=assessment.id, summary=f"{period.name} · {community.name} · {format_cp(assessment.total_cp)}",
           after={"total_cp": assessment.total_cp, "photos": len(keys)})
    db.session.flush()
    return assessment, keys


def update_assessment(*, tenant, actor, memberships, period: EvaluationPeriod, assessment: Assessment, points: dict,
                      notes: str = "", assessed_on: dt.date, photos: list[storage.AcceptedFile] = (), today: dt.date,
                      now: dt.datetime | None = None) -> list[str]:
    """Correct an assessment while the period takes inputs (the assessor or the bureau); logged with before/after."""
    _check_period(period)
    if not may_edit(memberships, actor.id, assessment, period):
        raise ScoringError(None, _l("Only the assessor or the bureau may correct this assessment."), status=403)
    day = _check_day(period, assessed_on, today)
    clean, worth = _clean_points(assessment.checklist_version_id, points)
    before = {"total_cp": assessment.total_cp, "item_scores": json.loads(assessment.item_scores)}
    assessment.item_scores, assessment.total_cp = canonical(clean), total_cp(clean, worth)
    assessment.notes, assessment.assessed_on, assessment.updated_at = _notes(notes), day, now or utcnow()
    keys = _store_photos(tenant, actor, assessment, list(photos))
    record(tenant=tenant, actor=actor, action="evaluation.assessment_corrected", object_type="evaluation_assessment",
           object_id=assessment.id, summary=f"{period.name} · {format_cp(before['total_cp'])} → {format_cp(assessment.total_cp)}",
           before=before, after={"total_cp": assessment.total_cp, "item_scores": clean, "photos_added": len(keys)})
    db.session.flush()
    return keys


def discard_photos(tenant, keys: Iterable[str]) -> None:
    for key in keys:
        storage.delete(tenant.id, key)
