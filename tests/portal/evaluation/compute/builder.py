"""A small evaluation world for the engine's tests: its own tenant, projects described by plain dicts.

``build(projects, rules=..., order=...)`` creates one community per project (its units, contract, owner
scores, assessments and adjustments) and a period with a frozen scheme; ``order`` permutes the insertion
order of the score, assessment and adjustment rows (the units and communities are always created in the
same order, so their ids do not move)."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from portal.communities.models import Area, AreaKind, Building, Community, ServiceGrade, Unit
from portal.evaluation.models import (
    AdjustmentKind,
    Assessment,
    AssessmentKind,
    EvaluationPeriod,
    EvaluationScheme,
    OwnerScore,
    PeriodStatus,
    SchemeStatus,
    ScoreAdjustment,
)
from portal.extensions import db
from portal.firms.models import Contract, FeeModel, Firm
from tenants import tenant_scope
from tenants.models import Tenant, TenantKind
from tests.factories import credit_code

START, END = dt.date(2026, 7, 1), dt.date(2026, 9, 30)
NOW = dt.datetime(2026, 10, 8, 2, 0, tzinfo=dt.timezone.utc)


@dataclass
class Project:
    units: int = 40
    scores: list[int] = field(default_factory=list)      # owner scores in centipoints (one unit each)
    community: list[int] = field(default_factory=list)   # community assessments' totals
    authority: list[int] = field(default_factory=list)   # bureau inspections' totals
    bonus: list[int] = field(default_factory=list)
    penalty: list[int] = field(default_factory=list)
    veto: bool = False
    firm: int = 0
    grade: str = "grade2"
    start: dt.date = dt.date(2024, 1, 1)


@dataclass
class Built:
    tenant: Tenant
    period: EvaluationPeriod
    community_ids: list[int]
    firm_ids: list[int]


_counter = [0]


def build(projects: list[Project], *, rules=None, seed: int | None = None, slug: str | None = None) -> Built:
    from portal.checklists.models import ChecklistVersion
    from portal.evaluation.rules import DEFAULT_RULES

    rules = rules or DEFAULT_RULES
    _counter[0] += 1
    tenant = Tenant(slug=slug or f"evalc{_counter[0]}", kind=TenantKind.BUREAU, name_zh=f"评价测试局{_counter[0]}")
    db.session.add(tenant)
    db.session.flush()
    with tenant_scope(tenant):
        tid = tenant.id
        street = Area(tenant_id=tid, kind=AreaKind.STREET, name="测试街道")
        db.session.add(street)
        db.session.flush()
        firms = [Firm(tenant_id=tid, name=f"测试物业{i}", credit_code=credit_code(tid * 1000 + i))
                 for i in range(max(p.firm for p in projects) + 1)]
        db.session.add_all(firms)
        db.session.flush()
        scheme = EvaluationScheme(tenant_id=tid, number=1, name="测试方案", rules=rules.to_json(),
                                  status=SchemeStatus.FROZEN)
        db.session.add(scheme)
        version = db.session.scalar(sa.select(ChecklistVersion.id).limit(1))
        if version is None:
            from portal.checklists.services import seed_defaults
            seed_defaults(tenant, None)
            version = db.session.scalar(sa.select(ChecklistVersion.id).limit(1))
        db.session.flush()
        period = EvaluationPeriod(tenant_id=tid, name="2026年第三季度", start_date=START, end_date=END,
                                  status=PeriodStatus.CLOSED, scheme_id=scheme.id)
        db.session.add(period)
        community_ids, unit_ids = [], []
        for i, p in enumerate(projects):
            community = Community(tenant_id=tid, area_id=street.id, name=f"测试小区{i:03d}",
                                  service_grade=ServiceGrade(p.grade), declared_units=p.units)
            db.session.add(community)
            db.session.flush()
            building = Building(tenant_id=tid, community_id=community.id, name="1号楼")
            db.session.add(building)
            db.session.flush()
            rows = [{"tenant_id": tid, "community_id": community.id, "building_id": building.id,
                     "room": f"{u + 101}", "floor_area": Decimal("80.00")} for u in range(p.units)]
            ids = list(db.session.scalars(sa.insert(Unit).returning(Unit.id, sort_by_parameter_order=True), rows)) \
                if rows else []
            db.session.add(Contract(tenant_id=tid, firm_id=firms[p.firm].id, community_id=community.id,
                                    start_date=p.start, fee_model=FeeModel.LUMP_SUM, grade=ServiceGrade(p.grade)))
            community_ids.append(community.id)
            unit_ids.append(ids)
        db.session.flush()
        inputs = []
        for i, p in enumerate(projects):
            cid, fid = community_ids[i], firms[p.firm].id
            assert len(p.scores) <= p.units
            for unit_id, score in zip(unit_ids[i], p.scores):
                inputs.append(OwnerScore(tenant_id=tid, period_id=period.id, community_id=cid, firm_id=fid,
                                         unit_id=unit_id, ratings="{}", score_cp=score))
            for kind, totals in ((AssessmentKind.COMMUNITY, p.community), (AssessmentKind.AUTHORITY, p.authority)):
                for total in totals:
                    inputs.append(Assessment(tenant_id=tid, period_id=period.id, community_id=cid, firm_id=fid,
                                             kind=kind, checklist_version_id=version, item_scores="{}",
                                             total_cp=total, assessed_on=dt.date(2026, 8, 1)))
            for kind, points in [(AdjustmentKind.BONUS, b) for b in p.bonus] + \
                                [(AdjustmentKind.PENALTY, x) for x in p.penalty] + \
                                ([(AdjustmentKind.VETO, 0)] if p.veto else []):
                inputs.append(ScoreAdjustment(tenant_id=tid, community_id=cid, firm_id=fid, kind=kind, points_cp=points,
                                              condition="revenue_misuse" if kind is AdjustmentKind.VETO else "",
                                              reason="测试", occurred_on=dt.date(2026, 8, 15),
                                              valid_until=dt.date(2027, 8, 14)))
        if seed is not None:
            random.Random(seed).shuffle(inputs)
        for row in inputs:  # one by one: the ids follow the (shuffled) order
            db.session.add(row)
            db.session.flush()
    return Built(tenant=tenant, period=period, community_ids=community_ids, firm_ids=[f.id for f in firms])
