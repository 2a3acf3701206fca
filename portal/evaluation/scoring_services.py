"""Owner scoring of the comprehensive evaluation: a bound owner scores the firm serving their unit's community in
an open period (1–5 stars per list-A category of the period's frozen list A, an optional comment); one score per
unit per period (the database's unique key decides, whatever the concurrency); editable until the period closes.
Comment moderation (pending → published / hidden with a logged reason) is here too. Assessments and inspections:
portal/evaluation/scoring_assessments.py.

Who scored what is never told to the firm: nothing here returns an owner or a unit except to that owner (and
the moderation queue, bureau only, shows the comment without who wrote it).

Services take the tenant and the actor explicitly, flush and never commit.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.audit.services import record
from portal.checklists.models import ChecklistSection, ChecklistVersion
from portal.communities.models import Community, Unit
from portal.db import utcnow
from portal.domain import DomainError
from portal.evaluation.models import CommentStatus, EvaluationPeriod, OwnerScore, PeriodStatus
from portal.extensions import db
from portal.firms.models import Contract
from portal.firms.services import in_force_on
from portal.owners.models import UnitBinding

logger = logging.getLogger(__name__)
COMMENT_MAX = 1000
REASON_MAX = 500
STARS = (1, 2, 3, 4, 5)
SHANGHAI = ZoneInfo("Asia/Shanghai")


class ScoringError(DomainError):
    """A rule broken by a requested score, moderation or assessment; ``field`` names the form or JSON field."""


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar day of ``moment`` in Shanghai (contracts are in force on local days)."""
    return moment.astimezone(SHANGHAI).date()


def canonical(data: dict) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# ----------------------------------------------------------------------------- periods and what is scored


def scoring_open(period: EvaluationPeriod, now: dt.datetime) -> bool:
    """Owners score while the period is open and its announced closing moment (if any) has not passed."""
    if period.status != PeriodStatus.OPEN:
        return False
    return period.scoring_closes_at is None or now < period.scoring_closes_at


def open_periods() -> list[EvaluationPeriod]:
    return list(db.session.scalars(sa.select(EvaluationPeriod).where(EvaluationPeriod.status == PeriodStatus.OPEN)
                                   .order_by(EvaluationPeriod.start_date.desc(), EvaluationPeriod.id)))


def recent_periods(limit: int = 6) -> list[EvaluationPeriod]:
    """Open periods first, then the latest others (an owner sees when scoring opens and when it closed)."""
    return list(db.session.scalars(
        sa.select(EvaluationPeriod).where(EvaluationPeriod.status != PeriodStatus.DRAFT)
        .order_by((EvaluationPeriod.status == PeriodStatus.OPEN).desc(), EvaluationPeriod.start_date.desc(),
                  EvaluationPeriod.id.desc()).limit(limit)))


def categories(version_id: int | None) -> list[ChecklistSection]:
    """The list-A categories an owner rates: the sections of the period's frozen list A version, in order."""
    if not version_id:
        return []
    return list(db.session.scalars(sa.select(ChecklistSection).where(ChecklistSection.version_id == version_id)
                                   .order_by(ChecklistSection.position, ChecklistSection.id)))


def list_version(version_id: int | None) -> ChecklistVersion | None:
    if not version_id:
        return None
    return db.session.scalar(sa.select(ChecklistVersion).where(ChecklistVersion.id == version_id))


def owner_units(user_id: int) -> list[Unit]:
    """The units bound to this account now (a binding revoked no longer gives a say)."""
    return list(db.session.scalars(
        sa.select(Unit).join(UnitBinding, UnitBinding.unit_id == Unit.id)
        .where(UnitBinding.user_id == user_id, UnitBinding.revoked_at.is_(None)).order_by(Unit.community_id, Unit.id)))


def bound_unit(user_id: int, unit_id: int) -> Unit | None:
    """The unit if it is bound to this account now, else None (the caller answers 404: it is not theirs)."""
    return db.session.scalar(
        sa.select(Unit).join(UnitBinding, UnitBinding.unit_id == Unit.id)
        .where(Unit.id == unit_id, UnitBinding.user_id == user_id, UnitBinding.revoked_at.is_(None)))


def serving_firm_id(community_id: int, on: dt.date) -> int | None:
    """The firm serving the community under the contract in force on ``on``."""
    return db.session.scalar(sa.select(Contract.firm_id).where(Contract.community_id == community_id, in_force_on(on))
                             .order_by(Contract.start_date.desc()).limit(1))


def score_of(period_id: int, unit_id: int) -> OwnerScore | None:
    return db.session.scalar(sa.select(OwnerScore).where(OwnerScore.period_id == period_id,
                                                         OwnerScore.unit_id == unit_id))


def scores_of_units(period_ids: list[int], unit_ids: list[int]) -> dict[tuple[int, int], OwnerScore]:
    """(period id, unit id) → that unit's score: the owner's own overview in one query."""
    if not period_ids or not unit_ids:
        return {}
    rows = db.session.scalars(sa.select(OwnerScore).where(OwnerScore.period_id.in_(period_ids),
                                                          OwnerScore.unit_id.in_(unit_ids)))
    return {(s.period_id, s.unit_id): s for s in rows}


def ratings_of(score: OwnerScore | None) -> dict[str, int]:
    return json.loads(score.ratings) if score is not None and score.ratings else {}


def score_cp_for(stars: list[int]) -> int:
    """The mean of the stars mapped to 0..100 in centipoints (1★ = 0, 5★ = 100), rounded half up:
    (Σ(s − 1) · 10000 / 4) / n, in integers."""
    n = len(stars)
    return (sum(s - 1 for s in stars) * 10000 * 2 + 4 * n) // (8 * n)


def _clean_ratings(period: EvaluationPeriod, ratings: dict) -> dict[str, int]:
    codes = [s.code for s in categories(period.list_a_version_id)]
    if not codes:
        raise ScoringError(None, _l("This period has no service standard list to score against yet."), status=409)
    unknown = sorted(set(ratings or {}) - set(codes))
    if unknown:
        raise ScoringError("ratings", _l("Unknown category: %(codes)s.", codes=", ".join(unknown)))
    clean = {}
    for code in codes:
        value = (ratings or {}).get(code)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or value not in STARS:
            raise ScoringError(f"stars_{code}", _l("Give each category 1 to 5 stars."))
        clean[code] = value
    return clean


def _clean_text(field: str, value, limit: int, *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ScoringError(field, _l("This field is required."))
    if len(text) > limit:
        raise ScoringError(field, _l("Write at most %(n)s characters.", n=limit))
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
        raise ScoringError(field, _l("Remove the control characters."))
    return text


def submit_score(*, tenant, actor, period: EvaluationPeriod, unit_id: int, ratings: dict, comment: str = "",
                 now: dt.datetime | None = None, local_day: dt.date | None = None) -> tuple[OwnerScore, bool]:
    """Score (or re-score) the firm serving the unit's community in an open period; returns (score, created).

    Only an owner bound to the unit; only while scoring is open; the firm is the one serving the community on
    the day of scoring. A second submission for the unit — the owner's own, another owner of the same unit,
    or a concurrent one that won the race to the unique key — updates the one row instead."""
    now = now or utcnow()
    unit = bound_unit(actor.id, unit_id)
    if unit is None:
        raise ScoringError(None, _l("Only an owner with this unit bound to their account can score for it."),
                           status=403)
    if not scoring_open(period, now):
        raise ScoringError(None, _l("Scoring for “%(period)s” is not open.", period=period.name), status=409,
                           code="scoring_closed")
    clean = _clean_ratings(period, ratings)
    text = _clean_text("comment", comment, COMMENT_MAX)
    day = local_day or local_date(now)
    firm_id = serving_firm_id(unit.community_id, day)
    if firm_id is None:
        raise ScoringError(None, _l("No firm serves this community under a contract in force: there is no one to score."),
                           status=409)
    values = dict(ratings=canonical(clean), score_cp=score_cp_for(list(clean.values())), firm_id=firm_id,
                  owner_id=actor.id, comment=text,
                  comment_status=CommentStatus.PENDING if text else CommentStatus.NONE)
    score = score_of(period.id, unit.id)
    created = False
    if score is None:
        candidate = OwnerScore(period_id=period.id, community_id=unit.community_id, unit_id=unit.id,
                               submitted_at=now, updated_at=now, **values)
        try:
            with db.session.begin_nested():  # only this insert is undone if another got there first
                db.session.add(candidate)
                db.session.flush()
        except IntegrityError:
            if candidate in db.session:
                db.session.expunge(candidate)
            score = score_of(period.id, unit.id)
            if score is None:  # the constraint refused something else: a real fault
                raise
            logger.info("owner score race: unit=%s period=%s resolved to an update", unit.id, period.id)
        else:
            score, created = candidate, True
    if not created:
        before = {"score_cp": score.score_cp, "comment_status": score.comment_status.value}
        if score.comment != text:
            score.moderation_reason, score.moderated_by_id, score.moderated_at = "", None, None
        else:  # the same comment keeps its moderation
            values.pop("comment_status")
        for key, value in values.items():
            setattr(score, key, value)
        score.updated_at = now
        db.session.flush()
    else:
        before = None
    record(tenant=tenant, actor=actor, action="evaluation.owner_scored" if created else "evaluation.owner_rescored",
           object_type="evaluation_period", object_id=period.id,
           summary=f"{period.name} · {unit.community.name if unit.community else ''}",
           before=before, after={"score_cp": score.score_cp, "comment_status": score.comment_status.value})
    db.session.flush()
    return score, created


# ----------------------------------------------------------------------------- moderation


def comment_queue(period: EvaluationPeriod, status: CommentStatus | None = CommentStatus.PENDING,
                  community_id: int | None = None) -> sa.Select:
    """The period's comments for moderation, oldest first (who wrote them is not part of the queue)."""
    stmt = (sa.select(OwnerScore)
            .where(OwnerScore.period_id == period.id, OwnerScore.comment_status != CommentStatus.NONE)
            .order_by(OwnerScore.updated_at, OwnerScore.id))
    if status is not None:
        stmt = stmt.where(OwnerScore.comment_status == status)
    if community_id:
        stmt = stmt.where(OwnerScore.community_id == community_id)
    return stmt


def community_names(ids) -> dict[int, str]:
    ids = set(ids)
    if not ids:
        return {}
    return {cid: name for cid, name in db.session.execute(sa.select(Community.id, Community.name).where(Community.id.in_(ids)))}


def comment_counts(period: EvaluationPeriod) -> dict[CommentStatus, int]:
    rows = db.session.execute(sa.select(OwnerScore.comment_status, sa.func.count())
                              .where(OwnerScore.period_id == period.id).group_by(OwnerScore.comment_status))
    return {status: count for status, count in rows}


def moderate(*, tenant, actor, score: OwnerScore, publish: bool, reason: str = "",
             now: dt.datetime | None = None) -> OwnerScore:
    """Publish a comment, or hide it with a reason. The hidden text is kept (for the audit); a decision may be
    revised (a published comment hidden later, with its reason), every one logged."""
    if score.comment_status == CommentStatus.NONE or not score.comment:
        raise ScoringError(None, _l("This score has no comment to moderate."), status=409)
    reason = _clean_text("reason", reason, REASON_MAX, required=not publish)
    target = CommentStatus.PUBLISHED if publish else CommentStatus.HIDDEN
    before = score.comment_status
    score.comment_status = target
    score.moderation_reason = "" if publish else reason
    score.moderated_by_id, score.moderated_at = actor.id, now or utcnow()
    record(tenant=tenant, actor=actor,
           action="evaluation.comment_published" if publish else "evaluation.comment_hidden",
           object_type="evaluation_owner_score", object_id=score.id, summary=f"#{score.id}",
           before={"comment_status": before.value}, after={"comment_status": target.value}, reason=reason)
    db.session.flush()
    return score


def published_comments(period_id: int, community_id: int, limit: int = 50) -> list[tuple[dt.datetime, str]]:
    """(when, text) of the published comments of a project in a period: what the public and the firm may read,
    never who wrote them."""
    return [tuple(row) for row in db.session.execute(
        sa.select(OwnerScore.updated_at, OwnerScore.comment)
        .where(OwnerScore.period_id == period_id, OwnerScore.community_id == community_id,
               OwnerScore.comment_status == CommentStatus.PUBLISHED)
        .order_by(OwnerScore.updated_at.desc()).limit(limit))]
