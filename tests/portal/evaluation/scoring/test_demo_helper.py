"""The demo helper fills a period's owner scores, assessments and inspections deterministically, leaves the demo
owner's unit to score, and adds nothing the second time."""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from portal.demo.evaluation_scoring import fill_period
from portal.evaluation.models import Assessment, AssessmentKind, CommentStatus, OwnerScore
from portal.evaluation.scoring_assessments import lines
from portal.extensions import db
from tests.portal.evaluation.scoring.helpers import in_tenant, make_period, second_community

NOW = dt.datetime(2026, 10, 10, 2, 0, tzinfo=dt.timezone.utc)


def _snapshot(period_id):
    scores = [(s.unit_id, s.ratings, s.score_cp, s.comment) for s in db.session.scalars(
        sa.select(OwnerScore).where(OwnerScore.period_id == period_id).order_by(OwnerScore.unit_id))]
    assessments = [(a.community_id, a.kind, a.item_scores, a.total_cp) for a in db.session.scalars(
        sa.select(Assessment).where(Assessment.period_id == period_id).order_by(Assessment.community_id, Assessment.kind))]
    return scores, assessments


def test_fill_period_is_deterministic_bounded_and_idempotent(app, world):
    with app.app_context(), in_tenant(world.a):
        community, unit, _firm = second_community(world.a)
        first, second = make_period(world.a, name="甲"), make_period(world.a, name="乙", start=dt.date(2026, 4, 1),
                                                                     end=dt.date(2026, 6, 30))
        for period in (first, second):
            filled = fill_period(period=period, share_permille=1000, skip_unit_ids={world.a.unit_id}, now=NOW,
                                 comment_every=1)
            assert filled.scores == 2 and filled.assessments == 2 and filled.inspections == 2
        a, b = _snapshot(first.id), _snapshot(second.id)
        assert [row[1:] for row in a[0]] == [row[1:] for row in b[0]] and a[1] == b[1]
        assert world.a.unit_id not in {row[0] for row in a[0]}
        assert all(s.comment_status == CommentStatus.PENDING for s in db.session.scalars(sa.select(OwnerScore)
                                                                                          .where(OwnerScore.period_id == first.id)))
        again = fill_period(period=first, share_permille=1000, now=NOW)
        assert (again.assessments, again.inspections) == (0, 0) and again.scores == 1  # only the skipped unit now
        worth = {line.code: line.max_cp for line in lines(first.list_c_version_id)}
        for assessment in db.session.scalars(sa.select(Assessment).where(Assessment.kind == AssessmentKind.COMMUNITY)):
            given = json.loads(assessment.item_scores)
            assert set(given) == set(worth) and all(0 <= given[c] <= worth[c] for c in worth)
            assert 0 <= assessment.total_cp <= 10000
        small = make_period(world.a, name="丙", start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
        filled = fill_period(period=small, shares={community.id: 0}, share_permille=1000, now=NOW)
        assert filled.by_community[community.id] == 0 and filled.by_community[world.a.community_id] == 2
