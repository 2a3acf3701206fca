"""Demo comprehensive evaluation in gaotang (idempotent: loaded once, recognised by the closed period's name).

- The last full quarter: closed, computed from owner scores, community assessments, bureau inspections and
  bonus/penalty records by the engine, its appeal window used (the firm appealed a penalty; another reviewer
  upheld it; the period was recomputed, both runs kept), then published: a full ranking of the 12 projects, one of
  them with too few owner scores, the bottom one on a yellow card with its rectification plan (steps, one done).
- The current quarter: open, so the demo owner (吴业主, 金城花园) can score the firm serving his community.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import sqlalchemy as sa

from portal.db import utcnow
from portal.evaluation.ladder import shanghai_date
from portal.evaluation.models import (
    AdjustmentKind, AssessmentKind, EvaluationPeriod, EvaluationScheme, PeriodStatus, ScoreAdjustment,
)
from portal.evaluation.result_models import (
    AppealItem, AppealStatus, LadderLevel, RectificationMilestone, RectificationPlan,
)
from portal.evaluation.rules import GradeBand, SchemeRules
from portal.extensions import db

# Gaotang's small demo communities have 30 units each: a sample needs 10 of them here (the default is 30).
# One county-wide pool, the last project caught; the bands of the demo county (合格 from 58) leave one project
# caught, so the demo shows one yellow card.
DEMO_RULES = replace(SchemeRules(), min_sample_units=10, pool_rule="all", elimination_mode="bottom_n",
                     elimination_value=1, grade_bands=(GradeBand("excellent", 8500), GradeBand("good", 7500),
                                                       GradeBand("pass", 5800), GradeBand("fail", 0)))


def quarters(today: dt.date) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """(the last full quarter, the current quarter) around ``today``."""
    q_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    prev_end = q_start - dt.timedelta(days=1)
    prev_start = dt.date(prev_end.year, 3 * ((prev_end.month - 1) // 3) + 1, 1)
    next_start = dt.date(q_start.year + (q_start.month == 10), (q_start.month + 2) % 12 + 1, 1)
    return (prev_start, prev_end), (q_start, next_start - dt.timedelta(days=1))


def _quarter_name(start: dt.date) -> str:
    return f"{start.year}年第{'一二三四'[(start.month - 1) // 3]}季度"


def _projects():
    from portal.communities.models import Community
    from portal.firms.models import Contract

    rows = db.session.execute(sa.select(Community, Contract.firm_id).join(Contract, Contract.community_id == Community.id)
                              .where(Contract.end_date.is_(None)).order_by(Community.id)).all()
    return [(c, firm_id) for c, firm_id in rows]


def closed_quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    """The newest full quarter that ended at least 30 days ago: its appeal window is over by now."""
    (start, end), _current = quarters(today)
    if (today - end).days < 30:
        (start, end), _ = quarters(start - dt.timedelta(days=1))
    return start, end


def load_evaluation(tenant, *, admin, staff, officer, firm_staff, owner_unit_id: int | None = None) -> int:
    """Load the demo periods (nothing when the closed one exists). Returns the number of periods made."""
    import importlib.util

    if importlib.util.find_spec("portal.evaluation.engine") is None:
        return 0  # the computation is not part of this build: no evaluation demo
    from portal.demo.evaluation_scoring import fill_period
    from portal.evaluation import appeals, ladder
    from portal.evaluation import setup_services as setup

    P = PeriodStatus
    now = utcnow().replace(microsecond=0)
    today = shanghai_date(now)
    prev_start, prev_end = closed_quarter(today)
    closed_name = _quarter_name(prev_start)
    if db.session.scalar(sa.select(EvaluationPeriod.id).where(EvaluationPeriod.name == closed_name)):
        return 0
    scheme = db.session.scalar(sa.select(EvaluationScheme).where(EvaluationScheme.name == SCHEME_NAME))
    if scheme is None:
        scheme = setup.create_scheme(tenant=tenant, actor=admin, name=SCHEME_NAME, rules=DEMO_RULES,
                                     note="演示：小区户数少，样本下限取10户；全县一个排名组，末位1名；合格线58分", now=now)
        setup.publish_scheme(tenant=tenant, actor=admin, scheme=scheme, now=now)
    projects = {c.name: (c, f) for c, f in _projects()}

    def at(day: dt.date, hour: int = 2) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=dt.timezone.utc)

    period = setup.create_period(tenant=tenant, actor=admin, name=closed_name, start_date=prev_start,
                                 end_date=prev_end, now=at(prev_start - dt.timedelta(days=3)))
    period.scheme_id = scheme.id
    setup.transition(tenant=tenant, actor=admin, period=period, to=P.OPEN, reason="季度评价开始，请业主评分",
                     now=at(prev_start))
    small = projects.get("康庄小区")
    fill_period(period=period, seed=2026, share_permille=600, shares={small[0].id: 100} if small else None,
                assessor_ids={AssessmentKind.COMMUNITY: officer.id, AssessmentKind.AUTHORITY: staff.id},
                moderated_by_id=staff.id, now=at(prev_end - dt.timedelta(days=10)))
    penalised = projects.get("人和家园")
    appealed = projects.get("金城花园")
    bonus_to = projects.get("御景园")
    records = []
    if penalised:
        records.append(ScoreAdjustment(
            community_id=penalised[0].id, firm_id=penalised[1], kind=AdjustmentKind.PENALTY, points_cp=1500,
            reason="消防通道长期堆放杂物，责令整改后复查仍未清理", occurred_on=prev_end - dt.timedelta(days=30),
            valid_until=prev_end + dt.timedelta(days=335), created_by_id=staff.id, created_at=at(prev_end)))
    wrong = None
    if appealed:
        wrong = ScoreAdjustment(
            community_id=appealed[0].id, firm_id=appealed[1], kind=AdjustmentKind.PENALTY, points_cp=300,
            reason="公示栏季度收支未按时公示", occurred_on=prev_end - dt.timedelta(days=20),
            valid_until=prev_end + dt.timedelta(days=345), created_by_id=staff.id, created_at=at(prev_end))
        records.append(wrong)
    if bonus_to:
        records.append(ScoreAdjustment(
            community_id=bonus_to[0].id, firm_id=bonus_to[1], kind=AdjustmentKind.BONUS, points_cp=200,
            reason="获评市级物业服务示范项目", occurred_on=prev_start + dt.timedelta(days=15),
            valid_until=prev_start + dt.timedelta(days=380), created_by_id=staff.id, created_at=at(prev_end)))
    db.session.add_all(records)
    db.session.flush()
    closed_at = at(prev_end + dt.timedelta(days=1))
    setup.transition(tenant=tenant, actor=admin, period=period, to=P.CLOSED, reason="评分截止", now=closed_at)
    setup.transition(tenant=tenant, actor=admin, period=period, to=P.COMPUTED, reason="计算结果公示稿",
                     now=closed_at + dt.timedelta(hours=2))
    appeal_from = closed_at + dt.timedelta(days=1)
    setup.transition(tenant=tenant, actor=admin, period=period, to=P.APPEAL, reason="公示结果并受理申诉",
                     now=appeal_from)
    if wrong is not None:
        appeal, _keys = appeals.file_appeal(
            tenant=tenant, actor=firm_staff, memberships=_memberships(firm_staff), period=period,
            community_id=appealed[0].id, item=AppealItem.ADJUSTMENT, item_ref=wrong.id,
            statement="本季度收支已于期限内在线上公示栏发布，公示栏版本记录可证；线下公示栏亦有张贴照片。", photos=[],
            now=appeal_from + dt.timedelta(hours=3))
        appeals.decide(tenant=tenant, actor=admin, appeal=appeal, status=AppealStatus.UPHELD,
                       reason="经核对公示栏版本记录，收支已按时发布，扣分依据不足，予以撤销。", corrected_cp=None,
                       now=appeal_from + dt.timedelta(days=2))
    final_at = at(period.appeal_until + dt.timedelta(days=1))
    setup.transition(tenant=tenant, actor=admin, period=period, to=P.FINAL, reason="申诉期满，发布最终结果",
                     now=final_at)
    entries = ladder.apply_period(tenant=tenant, period=period, run_id=period.current_run_id, rules=DEMO_RULES,
                                  actor=admin, now=final_at)
    for entry in entries:
        if entry.level not in (LadderLevel.YELLOW, LadderLevel.RED):
            continue
        plan = db.session.scalar(sa.select(RectificationPlan).where(RectificationPlan.ladder_entry_id == entry.id))
        if plan is not None and not plan.plan:
            plan.plan = "一、清理消防通道并设置禁停标识；二、增加夜间巡查频次；三、每周向业主委员会报告整改进展。"
            db.session.add_all([
                RectificationMilestone(plan_id=plan.id, title="清理消防通道、设置禁停标识",
                                       due_on=plan.deadline - dt.timedelta(days=20),
                                       done_at=final_at + dt.timedelta(days=3), note="已清理并张贴标识"),
                RectificationMilestone(plan_id=plan.id, title="建立夜间巡查记录",
                                       due_on=plan.deadline - dt.timedelta(days=5))])
    # The current quarter: open, so the demo owner can score (his unit is left unscored).
    (cur_start, cur_end) = quarters(today)[1]
    if not db.session.scalar(sa.select(EvaluationPeriod.id).where(EvaluationPeriod.name == _quarter_name(cur_start))):
        current = setup.create_period(tenant=tenant, actor=admin, name=_quarter_name(cur_start), start_date=cur_start,
                                      end_date=cur_end, now=now)
        current.scheme_id = scheme.id
        setup.transition(tenant=tenant, actor=admin, period=current, to=P.OPEN, reason="季度评价开始，请业主评分",
                         now=now)
        fill_period(period=current, seed=2027, share_permille=250,
                    skip_unit_ids={owner_unit_id} if owner_unit_id else frozenset(), now=now)
    db.session.flush()
    return 2


SCHEME_NAME = "高唐县物业服务综合评价办法（演示）"


def _memberships(user):
    from tenants.models import Membership

    return list(db.session.scalars(sa.select(Membership).where(Membership.user_id == user.id, Membership.is_active)))
