"""The demo's evaluation: a published quarter with a full ranking (one project with too small a sample, a yellow
card with its rectification plan, an appeal decided and the period recomputed) and an open quarter in which the
demo owner can score; loading twice adds nothing."""
from __future__ import annotations

import sqlalchemy as sa

from portal.evaluation.models import EvaluationPeriod, PeriodStatus
from portal.evaluation.result_models import (
    Appeal, AppealStatus, EvaluationRun, LadderEntry, LadderLevel, ProjectResult, RectificationMilestone,
    RectificationPlan,
)
from portal.extensions import db
from tenants import tenant_scope
from tenants.models import Tenant
from tests.conftest import table_snapshot


def test_demo_evaluation(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "gaotang"))
        with tenant_scope(tenant):
            periods = {p.status: p for p in db.session.scalars(sa.select(EvaluationPeriod))}
            final, open_ = periods[PeriodStatus.FINAL], periods[PeriodStatus.OPEN]
            results = list(db.session.scalars(sa.select(ProjectResult).where(ProjectResult.run_id == final.current_run_id)))
            assert len(results) == 12
            assert sum(not r.sample_ok for r in results) == 1
            assert sum(r.ranked for r in results) >= 11
            runs = db.session.scalars(sa.select(EvaluationRun.purpose).where(EvaluationRun.period_id == final.id)).all()
            assert len(runs) == 3  # draft, recomputed after the appeal, final
            appeal = db.session.scalar(sa.select(Appeal))
            assert appeal.status == AppealStatus.UPHELD and appeal.result_run_id
            yellow = db.session.scalars(sa.select(LadderEntry).where(LadderEntry.level == LadderLevel.YELLOW)).all()
            assert len(yellow) == 1, sorted((r.composite_cp, r.grade.value, r.bottom, r.sample_n, r.owner_cp, r.community_cp, r.authority_cp, r.ticket_cp) for r in results)
            plan = db.session.scalar(sa.select(RectificationPlan).where(RectificationPlan.ladder_entry_id == yellow[0].id))
            assert plan.plan and db.session.scalar(sa.select(sa.func.count()).select_from(RectificationMilestone)) == 2
            assert open_.list_a_version_id and open_.scheme_id
    client = app.test_client()
    client.set_cookie("portal_lang", "zh")
    page = client.get("/t/gaotang/evaluation/results/latest", follow_redirects=True)
    assert page.status_code == 200 and "红黑榜" in page.text and "黄牌" in page.text and "业主评分不足" in page.text
    with app.app_context():
        before = table_snapshot(app)
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert table_snapshot(app) == before
