"""Demo inputs of an evaluation period: owners' scores, community assessments (list C) and bureau inspections
(list A) for every project, deterministic and fast (bulk INSERTs; no audit events, like the rest of the demo's
history). The evaluation demo calls :func:`fill_period` for its periods.

Stars come from a hash of (seed, unit, category) around each project's own level, so projects differ and the
same call always gives the same rows. Units that already have a score in the period are left alone (so calling
twice adds nothing: the demo load stays idempotent), and ``skip_unit_ids`` (the demo owner's unit in the open
period) stay unscored so a visitor can score.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.communities.models import Community, Unit
from portal.db import utcnow
from portal.evaluation.models import Assessment, AssessmentKind, CommentStatus, EvaluationPeriod, OwnerScore
from portal.evaluation.scoring_assessments import lines, total_cp
from portal.evaluation.scoring_services import canonical, categories, score_cp_for
from portal.extensions import db
from portal.firms.models import Contract
from portal.firms.services import in_force_on

CHUNK = 5000
COMMENTS = ("电梯维修及时，保安很负责。", "垃圾清运不及时，夏天有异味。", "停车秩序比上季度好多了。",
            "楼道灯坏了两周才修。", "物业服务态度好，报修当天就来。", "绿化修剪不够，草坪杂草多。")


@dataclass
class Filled:
    """What one call added, by kind (for the demo's summary and its tests)."""

    scores: int = 0
    assessments: int = 0
    inspections: int = 0
    by_community: dict[int, int] = field(default_factory=dict)


def _unit_hash(seed: int, *parts) -> int:
    text = ":".join(str(p) for p in (seed, *parts))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _level(seed: int, community_id: int) -> int:
    """A project's own level of service, 0..4: how many stars above 1 its owners tend to give."""
    return 1 + _unit_hash(seed, "level", community_id) % 3 + (1 if _unit_hash(seed, "good", community_id) % 4 == 0 else 0)


def fill_period(*, period: EvaluationPeriod, seed: int = 2026, share_permille: int = 450,
                shares: dict[int, int] | None = None, skip_unit_ids: set[int] | frozenset = frozenset(),
                assessor_ids: dict[AssessmentKind, int | None] | None = None, community_ids: list[int] | None = None,
                comment_every: int = 9, moderated_by_id: int | None = None,
                now: dt.datetime | None = None) -> Filled:
    """Fill the period's inputs in the current tenant.

    ``share_permille``: the share of each project's units that score (per-mille), ``shares`` per community id
    overriding it (e.g. 20 for a project with too small a sample). Every ``comment_every``-th score carries a
    comment, published when ``moderated_by_id`` is given, else left pending for the moderation queue. One
    community assessment and one inspection per project, unless it already has one of that kind.
    """
    now = now or utcnow()
    shares = shares or {}
    day = min(period.end_date, now.date())
    contracts = {c: f for c, f in db.session.execute(sa.select(Contract.community_id, Contract.firm_id)
                                                     .where(in_force_on(day)))}
    stmt = sa.select(Community.id).order_by(Community.id)
    if community_ids is not None:
        stmt = stmt.where(Community.id.in_(community_ids))
    communities = [cid for cid in db.session.scalars(stmt) if cid in contracts]
    codes = [s.code for s in categories(period.list_a_version_id)]
    filled = Filled()
    if codes:
        filled.scores = _fill_scores(period, communities, contracts, codes, seed, share_permille, shares,
                                     set(skip_unit_ids), comment_every, moderated_by_id, now, filled)
    assessor_ids = assessor_ids or {}
    for kind, version_id in ((AssessmentKind.COMMUNITY, period.list_c_version_id),
                             (AssessmentKind.AUTHORITY, period.list_a_version_id)):
        count = _fill_assessments(period, kind, version_id, communities, contracts, seed, day,
                                  assessor_ids.get(kind), now)
        if kind == AssessmentKind.COMMUNITY:
            filled.assessments = count
        else:
            filled.inspections = count
    db.session.flush()
    return filled


def _fill_scores(period, communities, contracts, codes, seed, share_permille, shares, skip, comment_every,
                 moderated_by_id, now, filled: Filled) -> int:
    scored = set(db.session.scalars(sa.select(OwnerScore.unit_id).where(OwnerScore.period_id == period.id)))
    rows = []
    for community_id in communities:
        level = _level(seed, community_id)
        share = shares.get(community_id, share_permille)
        count = 0
        for unit_id in db.session.scalars(sa.select(Unit.id).where(Unit.community_id == community_id).order_by(Unit.id)):
            if unit_id in skip or unit_id in scored or _unit_hash(seed, "takes_part", unit_id) % 1000 >= share:
                continue
            stars = {code: max(1, min(5, 1 + level + _unit_hash(seed, unit_id, code) % 3 - 1)) for code in codes}
            comment = ""
            if comment_every and _unit_hash(seed, "comment", unit_id) % comment_every == 0:
                comment = COMMENTS[_unit_hash(seed, "text", unit_id) % len(COMMENTS)]
            status = CommentStatus.NONE if not comment else (
                CommentStatus.PUBLISHED if moderated_by_id else CommentStatus.PENDING)
            rows.append({"tenant_id": period.tenant_id, "period_id": period.id, "community_id": community_id,
                         "firm_id": contracts[community_id], "unit_id": unit_id, "owner_id": None,
                         "ratings": canonical(stars), "score_cp": score_cp_for(list(stars.values())),
                         "comment": comment, "comment_status": status, "moderation_reason": "",
                         "moderated_by_id": moderated_by_id if comment else None,
                         "moderated_at": now if comment and moderated_by_id else None,
                         "submitted_at": now, "updated_at": now})
            count += 1
        filled.by_community[community_id] = count
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(OwnerScore), rows[start:start + CHUNK])
    return len(rows)


def _fill_assessments(period, kind, version_id, communities, contracts, seed, day, assessor_id, now) -> int:
    worth = {line.code: line.max_cp for line in lines(version_id)}
    if not worth:
        return 0
    done = set(db.session.scalars(sa.select(Assessment.community_id).where(Assessment.period_id == period.id,
                                                                         Assessment.kind == kind)))
    rows = []
    for community_id in communities:
        if community_id in done:
            continue
        level = _level(seed, community_id)  # the same project is seen alike by owners and inspectors
        points = {}
        for code, limit in worth.items():
            # 60 %..100 % of the item's worth, better projects nearer the top; a few items missed entirely.
            miss = _unit_hash(seed, kind.value, community_id, code) % 23 == 0
            part = 600 + 100 * level + _unit_hash(seed, kind.value, "p", community_id, code) % 100
            points[code] = 0 if miss else limit * min(part, 1000) // 1000
        rows.append({"tenant_id": period.tenant_id, "period_id": period.id, "community_id": community_id,
                     "firm_id": contracts[community_id], "kind": kind, "checklist_version_id": version_id,
                     "item_scores": canonical(points), "total_cp": total_cp(points, worth),
                     "notes": "季度检查" if kind == AssessmentKind.AUTHORITY else "社区季度考核",
                     "assessed_on": day, "assessor_id": assessor_id, "created_at": now, "updated_at": now})
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(Assessment), rows[start:start + CHUNK])
    return len(rows)
