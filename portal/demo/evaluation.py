"""Demo comprehensive evaluation in gaotang (idempotent: loaded once, recognised by the closed period's name).

- The last full quarter: closed, computed from owner scores, community assessments, bureau inspections and
  bonus/penalty records by the engine, its appeal window used (the firm appealed a penalty; another reviewer
  upheld it; the period was recomputed, both runs kept), then published: a full ranking of the 12 projects, one of
  them with too few owner scores, the bottom one on a yellow card with its rectification plan (steps, one done).
- The current quarter: open, so the demo owner (吴业主, 金城花园) can score the firm serving his community.
"""
from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import replace

import sqlalchemy as sa

from portal.db import utcnow
from portal.evaluation.ladder import shanghai_date
from portal.evaluation.models import (
    AdjustmentKind, Assessment, AssessmentKind, EvaluationPeriod, EvaluationScheme, OwnerScore, PeriodStatus,
    PeriodTransition, SchemeStatus, ScoreAdjustment,
)
from portal.evaluation.result_models import (
    AppealItem, AppealStatus, LadderLevel, RectificationMilestone, RectificationPlan, RunPurpose,
)
from portal.evaluation.rules import SchemeRules
from portal.extensions import db

# Gaotang's small demo communities have 30 units each: a sample needs 10 of them here (the default is 30).
DEMO_RULES = replace(SchemeRules(), min_sample_units=10, pool_rule="all", elimination_mode="bottom_n",
                     elimination_value=1)
# The owner share per project (out of 30 units) and their mean stars; 康庄小区 gets too few scores.
TURNOUT = {"康庄小区": 4}
QUALITY = {"金城花园": 4.3, "鱼邱湖小区": 4.0, "文庙佳苑": 3.8, "御景园": 4.5, "汇鑫名苑": 3.1, "东关新村": 3.6,
           "阳光嘉园": 4.1, "人和家园": 2.6, "北湖雅居": 3.9, "康庄小区": 4.4, "清平苑": 3.4, "琉璃寺小区": 3.7}


def quarters(today: dt.date) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """(the last full quarter, the current quarter) around ``today``."""
    q_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    prev_end = q_start - dt.timedelta(days=1)
    prev_start = dt.date(prev_end.year, 3 * ((prev_end.month - 1) // 3) + 1, 1)
    next_start = dt.date(q_start.year + (q_start.month == 10), (q_start.month + 2) % 12 + 1, 1)
    return (prev_start, prev_end), (q_start, next_start - dt.timedelta(days=1))


def _quarter_name(start: dt.date) -> str:
    return f"{start.year}年第{'一二三四'[(start.month - 1) // 3]}季度"


def _scheme(admin) -> EvaluationScheme:
    scheme = db.session.scalar(sa.select(EvaluationScheme).where(EvaluationScheme.name == "高唐县物业服务综合评价办法"))
    if scheme is None:
        number = (db.session.scalar(sa.select(sa.func.max(EvaluationScheme.number))) or 0) + 1
        now = utcnow()
        scheme = EvaluationScheme(number=number, name="高唐县物业服务综合评价办法", rules=DEMO_RULES.to_json(),
                                  status=SchemeStatus.FROZEN, change_note="演示：小区户数少，样本下限取10户",
                                  created_by_id=admin.id, published_at=now, frozen_at=now)
        db.session.add(scheme)
        db.session.flush()
    return scheme


def _transition(period, to, actor, at, reason=""):
    db.session.add(PeriodTransition(period_id=period.id, from_status=period.status, to_status=to, actor_id=actor.id,
                                    at=at, reason=reason))
    period.status = to


def _projects():
    from portal.communities.models import Community
    from portal.firms.models import Contract

    rows = db.session.execute(sa.select(Community, Contract.firm_id).join(Contract, Contract.community_id == Community.id)
                              .where(Contract.end_date.is_(None)).order_by(Community.id)).all()
    return [(c, firm_id) for c, firm_id in rows]


def _owner_scores(period, projects, rng, at, list_a):
    from portal.communities.models import Unit

    categories = [s.code for s in _sections(list_a)] or ["overall"]
    for community, firm_id in projects:
        units = list(db.session.scalars(sa.select(Unit.id).where(Unit.community_id == community.id).order_by(Unit.id)))
        n = TURNOUT.get(community.name, 14 + rng.randrange(10))
        mean = QUALITY.get(community.name, 3.8)
        for unit_id in units[:n]:
            ratings = {code: max(1, min(5, round(rng.gauss(mean, 0.7)))) for code in categories}
            stars = sum(ratings.values()) / len(ratings)
            db.session.add(OwnerScore(period_id=period.id, community_id=community.id, firm_id=firm_id, unit_id=unit_id,
                                      ratings=json.dumps(ratings, sort_keys=True), score_cp=round((stars - 1) * 2500),
                                      submitted_at=at, updated_at=at))
    db.session.flush()


def _sections(version):
    if version is None:
        return []
    from portal.checklists.services import sections_of

    return sections_of(version)


def _assessments(period, projects, rng, officer, inspector, day, list_a, list_c):
    for community, firm_id in projects:
        base = QUALITY.get(community.name, 3.8)
        for kind, version, who in ((AssessmentKind.COMMUNITY, list_c, officer), (AssessmentKind.AUTHORITY, list_a, inspector)):
            if version is None:
                continue
            total = max(0, min(10000, round((base - 1) * 2300 + 1000 + rng.randrange(-300, 300))))
            db.session.add(Assessment(period_id=period.id, community_id=community.id, firm_id=firm_id, kind=kind,
                                      checklist_version_id=version.id, item_scores="{}", total_cp=total,
                                      notes="季度检查", assessed_on=day, assessor_id=who.id))
    db.session.flush()


def load_evaluation(tenant, *, admin, staff, officer, firm_staff) -> int:
    """Load the demo periods (nothing when the closed one exists). Returns the number of periods made."""
    import importlib.util

    if importlib.util.find_spec("portal.evaluation.engine") is None:
        return 0  # the computation is not part of this build: no evaluation demo
    from portal.checklists.models import ListKind
    from portal.checklists.services import current_version
    from portal.evaluation import engine
    from portal.evaluation import appeals, ladder

    now = utcnow().replace(microsecond=0)
    (prev_start, prev_end), (cur_start, cur_end) = quarters(shanghai_date(now))
    closed_name = _quarter_name(prev_start)
    if db.session.scalar(sa.select(EvaluationPeriod.id).where(EvaluationPeriod.name == closed_name)):
        return 0
    rng = random.Random("gaotang-evaluation")
    scheme = _scheme(admin)
    list_a, list_c = current_version(ListKind.A), current_version(ListKind.C)
    projects = _projects()
    closed_at = dt.datetime.combine(prev_end, dt.time(16, 0), tzinfo=dt.timezone.utc)
    period = EvaluationPeriod(name=closed_name, start_date=prev_start, end_date=prev_end, status=PeriodStatus.DRAFT,
                              scheme_id=scheme.id, list_a_version_id=list_a.id if list_a else None,
                              list_c_version_id=list_c.id if list_c else None, created_by_id=admin.id,
                              opened_at=dt.datetime.combine(prev_start, dt.time(1, 0), tzinfo=dt.timezone.utc),
                              scoring_closes_at=closed_at)
    db.session.add(period)
    db.session.flush()
    _transition(period, PeriodStatus.OPEN, admin, period.opened_at, "季度评价开始")
    _owner_scores(period, projects, rng, period.opened_at + dt.timedelta(days=20), list_a)
    _assessments(period, projects, rng, officer, staff, prev_end - dt.timedelta(days=10), list_a, list_c)
    by_name = {c.name: (c, f) for c, f in projects}
    penalised, firm_id = by_name.get("人和家园", projects[-1])
    penalty = ScoreAdjustment(community_id=penalised.id, firm_id=firm_id, kind=AdjustmentKind.PENALTY, points_cp=500,
                              reason="消防通道堆放杂物，责令整改后复查仍未清理", occurred_on=prev_end - dt.timedelta(days=30),
                              valid_until=prev_end + dt.timedelta(days=335), created_by_id=staff.id)
    appealed_community, appealed_firm = by_name.get("金城花园", projects[0])
    wrong = ScoreAdjustment(community_id=appealed_community.id, firm_id=appealed_firm, kind=AdjustmentKind.PENALTY,
                            points_cp=300, reason="公示栏季度收支未按时公示",
                            occurred_on=prev_end - dt.timedelta(days=20), valid_until=prev_end + dt.timedelta(days=345),
                            created_by_id=staff.id)
    bonus = ScoreAdjustment(community_id=by_name.get("御景园", projects[1])[0].id,
                            firm_id=by_name.get("御景园", projects[1])[1], kind=AdjustmentKind.BONUS, points_cp=200,
                            reason="获评市级物业服务示范项目", occurred_on=prev_start + dt.timedelta(days=15),
                            valid_until=prev_start + dt.timedelta(days=380), created_by_id=staff.id)
    db.session.add_all([penalty, wrong, bonus])
    db.session.flush()
    _transition(period, PeriodStatus.CLOSED, admin, closed_at, "评分截止")
    period.closed_at = closed_at
    draft = engine.compute_period(tenant=tenant, period=period, actor=admin, purpose=RunPurpose.DRAFT,
                                  reason="期末计算公示稿", now=closed_at + dt.timedelta(hours=1))
    period.current_run_id = draft.id
    _transition(period, PeriodStatus.COMPUTED, admin, closed_at + dt.timedelta(hours=1), "公示稿")
    from portal.workdays import add_working_days

    appeal_from = closed_at + dt.timedelta(days=1)
    period.appeal_until = add_working_days(shanghai_date(appeal_from), DEMO_RULES.appeal_working_days)
    _transition(period, PeriodStatus.APPEAL, admin, appeal_from, "公示并受理申诉")
    firm_memberships = _memberships(firm_staff)
    appeal, _keys = appeals.file_appeal(
        tenant=tenant, actor=firm_staff, memberships=firm_memberships, period=period,
        community_id=appealed_community.id, item=AppealItem.ADJUSTMENT, item_ref=wrong.id,
        statement="本季度收支已于期限内在线上公示栏发布，附发布记录截图；线下公示栏照片亦可证明。", photos=[],
        now=appeal_from + dt.timedelta(hours=3))
    appeals.decide(tenant=tenant, actor=admin, appeal=appeal, status=AppealStatus.UPHELD,
                   reason="经核对公示栏版本记录，收支已按时发布，扣分依据不足，予以撤销。",
                   corrected_cp=None, now=appeal_from + dt.timedelta(days=2))
    final_at = dt.datetime.combine(period.appeal_until, dt.time(10, 0), tzinfo=dt.timezone.utc)
    final = engine.compute_period(tenant=tenant, period=period, actor=admin, purpose=RunPurpose.FINAL,
                                  reason="申诉期满，发布最终结果", now=final_at)
    period.current_run_id, period.published_at = final.id, final_at
    _transition(period, PeriodStatus.FINAL, admin, final_at, "发布最终结果")
    entries = ladder.apply_period(tenant=tenant, period=period, run_id=final.id, rules=DEMO_RULES, actor=admin,
                                  now=final_at)
    for entry in entries:
        if entry.level in (LadderLevel.YELLOW, LadderLevel.RED):
            plan = db.session.scalar(sa.select(RectificationPlan).where(RectificationPlan.ladder_entry_id == entry.id))
            if plan is not None and not plan.plan:
                plan.plan = "一、清理消防通道并设置禁停标识；二、增加夜间巡查频次；三、每周向业主委员会报告整改进展。"
                db.session.add_all([
                    RectificationMilestone(plan_id=plan.id, title="清理消防通道、设置禁停标识",
                                           due_on=plan.deadline - dt.timedelta(days=20),
                                           done_at=final_at + dt.timedelta(days=3), note="已清理并张贴标识"),
                    RectificationMilestone(plan_id=plan.id, title="建立夜间巡查记录",
                                           due_on=plan.deadline - dt.timedelta(days=5))])
    # The current quarter: open for owners' scores.
    current = db.session.scalar(sa.select(EvaluationPeriod).where(EvaluationPeriod.name == _quarter_name(cur_start)))
    if current is None:
        current = EvaluationPeriod(name=_quarter_name(cur_start), start_date=cur_start, end_date=cur_end,
                                   status=PeriodStatus.DRAFT, scheme_id=scheme.id,
                                   list_a_version_id=list_a.id if list_a else None,
                                   list_c_version_id=list_c.id if list_c else None, created_by_id=admin.id,
                                   opened_at=now, scoring_closes_at=dt.datetime.combine(
                                       cur_end, dt.time(15, 59), tzinfo=dt.timezone.utc))
        db.session.add(current)
        db.session.flush()
        _transition(current, PeriodStatus.OPEN, admin, now, "季度评价开始，请业主评分")
    db.session.flush()
    return 2


def _memberships(user):
    from tenants.models import Membership

    return list(db.session.scalars(sa.select(Membership).where(Membership.user_id == user.id, Membership.is_active)))
