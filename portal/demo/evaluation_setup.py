"""Demo data of the evaluation's setup: the default scheme (domain rules §8) as version 1, published, in the demo
bureau and the demo firm tenant, and a few bonus and penalty records. Idempotent: a tenant that already has a
scheme keeps it. The results part of the demo (periods, scores, runs) builds on ``load_evaluation_setup``."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.communities.models import Community
from portal.evaluation import setup_adjustments, setup_services
from portal.evaluation.models import AdjustmentKind, EvaluationScheme, ScoreAdjustment
from portal.extensions import db

SCHEME_NAMES = {"bureau": "物业服务综合评价办法", "firm": "项目服务质量考核办法"}


def load_default_scheme(tenant, actor, *, name: str, now: dt.datetime | None = None) -> EvaluationScheme:
    """Scheme v1 from the defaults, published (inside ``tenant_scope(tenant)``); the existing newest version if the
    tenant already has one."""
    found = db.session.scalar(sa.select(EvaluationScheme).order_by(EvaluationScheme.number.desc()).limit(1))
    if found is not None:
        return found
    scheme = setup_services.create_scheme(tenant=tenant, actor=actor, name=name, now=now,
                                          note="按《物业服务评价规则》默认参数：业主35%、社区25%、住建局20%、报修投诉20%。")
    return setup_services.publish_scheme(tenant=tenant, actor=actor, scheme=scheme, now=now)


def load_demo_adjustments(tenant, actor, today: dt.date) -> int:
    """A bonus and a penalty for the first two communities that have a firm (none if any record exists)."""
    if db.session.scalar(sa.select(sa.func.count(ScoreAdjustment.id))):
        return 0
    communities = db.session.scalars(sa.select(Community).order_by(Community.id)).all()
    served = [c for c in communities if setup_adjustments.firm_serving(c.id, today - dt.timedelta(days=20))][:2]
    records = [
        (AdjustmentKind.BONUS, 200, "award", "获评市级“红色物业”示范项目。", "市住建局通报〔2026〕12号"),
        (AdjustmentKind.PENALTY, 300, "safety", "巡查发现3号楼消防通道堆放杂物，未及时清理。", "巡查记录及现场照片"),
    ]
    for community, (kind, points, condition, reason, evidence) in zip(served, records):
        setup_adjustments.record_adjustment(tenant=tenant, actor=actor, community_id=community.id, kind=kind,
                                            points_cp=points, condition=condition, reason=reason, evidence=evidence,
                                            occurred_on=today - dt.timedelta(days=20))
    return len(served)


def load_evaluation_setup(tenant, actor, *, kind: str = "bureau", today: dt.date | None = None) -> EvaluationScheme:
    """Everything the setup adds to a demo tenant (call inside ``tenant_scope(tenant)``)."""
    scheme = load_default_scheme(tenant, actor, name=SCHEME_NAMES[kind])
    if today is not None:
        load_demo_adjustments(tenant, actor, today)
    db.session.flush()  # the audit events too, while the tenant is in context
    return scheme
