"""Many evaluation periods or adjustments for the paged-list tests (tests/portal/test_lists.py), newest first."""
from __future__ import annotations

import datetime as dt

from portal.evaluation.models import AdjustmentKind, AdjustmentSource, EvaluationPeriod, ScoreAdjustment
from portal.extensions import db


def periods(world, count: int, marker: str) -> list[int]:
    rows = [EvaluationPeriod(name=f"{marker}{i:03d}", start_date=dt.date(2030, 1, 1) + dt.timedelta(days=i),
                             end_date=dt.date(2030, 1, 1) + dt.timedelta(days=i + 1)) for i in range(count)]
    db.session.add_all(rows)
    db.session.flush()
    return [r.id for r in rows]


def adjustments(world, count: int, marker: str) -> list[int]:
    rows = [ScoreAdjustment(community_id=world.community_id, firm_id=world.firm_id, kind=AdjustmentKind.PENALTY,
                            points_cp=100, condition="service", reason=f"{marker}{i:03d}",
                            occurred_on=dt.date(2027, 1, 1) + dt.timedelta(days=i),
                            valid_until=dt.date(2029, 1, 1), source=AdjustmentSource.MANUAL) for i in range(count)]
    db.session.add_all(rows)
    db.session.flush()
    return [r.id for r in rows]
