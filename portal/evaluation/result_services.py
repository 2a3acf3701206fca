"""Reading a period's results: the public ranking (红黑榜), the explanation of one project or firm, the firm
tenant's view of its own project teams and managers, and the spreadsheet export. No personal data: results
name communities, firms and (for a firm's own staff only) its project managers.

The engine (portal.evaluation.engine) writes the rows; this module only reads them, except ``mark_under_appeal``.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.communities.models import Area, Community
from portal.communities.services import area_and_children
from portal.evaluation.models import (
    AdjustmentKind, EvaluationPeriod, EvaluationScheme, PeriodStatus, ScoreAdjustment,
)
from portal.evaluation.result_models import (
    Appeal, EvaluationRun, FirmResult, Grade, LadderEntry, LadderLevel, ProjectResult, RectificationPlan,
)
from portal.evaluation.rules import SchemeRules
from portal.extensions import db
from portal.firms.models import Firm, ProjectManager

# Periods whose results anyone may read: the draft (公示稿) in its appeal window, and the final ones.
PUBLIC_STATUSES = (PeriodStatus.COMPUTED, PeriodStatus.APPEAL, PeriodStatus.FINAL)
COMPONENTS = ("owner", "community", "authority", "ticket")


def public_periods() -> list[EvaluationPeriod]:
    return list(db.session.scalars(sa.select(EvaluationPeriod).where(EvaluationPeriod.status.in_(PUBLIC_STATUSES))
                                   .order_by(EvaluationPeriod.start_date.desc(), EvaluationPeriod.id.desc())))


def is_public(period: EvaluationPeriod) -> bool:
    return period.status in PUBLIC_STATUSES


def current_run(period: EvaluationPeriod) -> EvaluationRun | None:
    """The run the pages show: the period's current one, else its newest."""
    if period.current_run_id:
        run = db.session.scalar(sa.select(EvaluationRun).where(EvaluationRun.id == period.current_run_id))
        if run is not None:
            return run
    return db.session.scalar(sa.select(EvaluationRun).where(EvaluationRun.period_id == period.id)
                             .order_by(EvaluationRun.seq.desc()).limit(1))


def runs_of(period: EvaluationPeriod) -> list[EvaluationRun]:
    return list(db.session.scalars(sa.select(EvaluationRun).where(EvaluationRun.period_id == period.id)
                                   .order_by(EvaluationRun.seq)))


def rules_of(run: EvaluationRun | None) -> SchemeRules:
    if run is None:
        return SchemeRules()
    scheme = db.session.scalar(sa.select(EvaluationScheme).where(EvaluationScheme.id == run.scheme_id))
    return SchemeRules.from_json(scheme.rules) if scheme is not None else SchemeRules()


# ---------------------------------------------------------------- the ranking


def pools_of(run_id: int) -> list[str]:
    return list(db.session.scalars(sa.select(ProjectResult.pool).where(ProjectResult.run_id == run_id)
                                   .distinct().order_by(ProjectResult.pool)))


def ranking(run_id: int, *, pool: str | None = None, area_id: int | None = None, grade: str | None = None,
            level: str | None = None, firm_id: int | None = None, community_ids=None) -> sa.Select:
    """The run's project results, best first within each pool; the unranked after the ranked. Filters narrow."""
    stmt = sa.select(ProjectResult).where(ProjectResult.run_id == run_id)
    if pool:
        stmt = stmt.where(ProjectResult.pool == pool)
    if area_id:
        stmt = stmt.where(ProjectResult.community_id.in_(
            sa.select(Community.id).where(Community.area_id.in_(area_and_children(area_id)))))
    if grade:
        known = next((g for g in Grade if g.value == grade), None)
        stmt = stmt.where(ProjectResult.grade == known if known else sa.false())
    if level:
        known_level = next((v for v in LadderLevel if v.value == level), None)
        entries = sa.select(LadderEntry.community_id).where(LadderEntry.run_id == run_id,
                                                            LadderEntry.level == known_level)
        stmt = stmt.where(ProjectResult.community_id.in_(entries) if known_level else sa.false())
    if firm_id:
        stmt = stmt.where(ProjectResult.firm_id == firm_id)
    if community_ids is not None:
        stmt = stmt.where(ProjectResult.community_id.in_(community_ids))
    return stmt.order_by(ProjectResult.pool, ProjectResult.ranked.desc(), ProjectResult.rank,
                         ProjectResult.composite_cp.desc(), ProjectResult.community_id)


@dataclass
class Names:
    """What a page of results needs to name its rows: communities, their areas, firms, ladder levels."""

    communities: dict[int, Community] = field(default_factory=dict)
    firms: dict[int, Firm] = field(default_factory=dict)
    levels: dict[int, LadderLevel] = field(default_factory=dict)
    managers: dict[int, str] = field(default_factory=dict)

    def community(self, cid: int) -> str:
        c = self.communities.get(cid)
        return c.name if c else ""

    def area(self, cid: int) -> str:
        c = self.communities.get(cid)
        return c.area.name if c is not None and c.area is not None else ""

    def firm(self, fid: int) -> str:
        f = self.firms.get(fid)
        return f.name if f else ""

    def level(self, cid: int) -> LadderLevel:
        return self.levels.get(cid, LadderLevel.NONE)


def names_for(results, *, period_id: int | None = None, managers: bool = False) -> Names:
    results = list(results)
    cids = {getattr(r, "community_id", None) for r in results} - {None}
    fids = {getattr(r, "firm_id", None) for r in results} - {None}
    names = Names()
    if cids:
        names.communities = {c.id: c for c in db.session.scalars(sa.select(Community).where(Community.id.in_(cids)))}
        if period_id:
            names.levels = dict(db.session.execute(sa.select(LadderEntry.community_id, LadderEntry.level).where(
                LadderEntry.period_id == period_id, LadderEntry.community_id.in_(cids))).all())
    if fids:
        names.firms = {f.id: f for f in db.session.scalars(sa.select(Firm).where(Firm.id.in_(fids)))}
    mids = {getattr(r, "manager_id", None) for r in results} - {None}
    if managers and mids:
        names.managers = dict(db.session.execute(sa.select(ProjectManager.id, ProjectManager.name)
                                                 .where(ProjectManager.id.in_(mids))).all())
    return names


def area_choices() -> list[tuple[int, str]]:
    return [(a.id, a.name) for a in db.session.scalars(sa.select(Area).where(Area.parent_id.is_(None))
                                                        .order_by(Area.name))]


def firm_ranking(run_id: int) -> sa.Select:
    return sa.select(FirmResult).where(FirmResult.run_id == run_id).order_by(
        FirmResult.rank.is_(None), FirmResult.rank, FirmResult.composite_cp.desc(), FirmResult.firm_id)


# ---------------------------------------------------------------- explanations


@dataclass
class Component:
    key: str
    score_cp: int | None
    weight: int                # ten-thousandths actually applied
    raw_cp: int | None = None  # owner: the plain mean before shrinkage
    sample_n: int | None = None
    sample_needed: int | None = None
    ci_low_cp: int | None = None
    ci_high_cp: int | None = None


@dataclass
class Explanation:
    result: ProjectResult
    run: EvaluationRun
    components: list[Component]
    adjustments: list[ScoreAdjustment]
    rules: SchemeRules
    ladder: LadderEntry | None
    plan: RectificationPlan | None
    appeals: list[Appeal]
    previous: ProjectResult | None  # the same project in the run before (after an appeal: side by side)


def components_of(result: ProjectResult) -> list[Component]:
    return [
        Component("owner", result.owner_cp, result.w_owner, raw_cp=result.owner_raw_cp, sample_n=result.sample_n,
                  sample_needed=result.sample_needed, ci_low_cp=result.owner_ci_low_cp,
                  ci_high_cp=result.owner_ci_high_cp),
        Component("community", result.community_cp, result.w_community),
        Component("authority", result.authority_cp, result.w_authority),
        Component("ticket", result.ticket_cp, result.w_ticket),
    ]


def adjustments_for(period: EvaluationPeriod, community_id: int) -> list[ScoreAdjustment]:
    """The bonus, penalty and veto records in force on the period's end date (revoked ones excluded)."""
    return list(db.session.scalars(sa.select(ScoreAdjustment).where(
        ScoreAdjustment.community_id == community_id, ScoreAdjustment.occurred_on <= period.end_date,
        ScoreAdjustment.valid_until >= period.end_date, ScoreAdjustment.revoked_at.is_(None))
        .order_by(ScoreAdjustment.kind, ScoreAdjustment.occurred_on, ScoreAdjustment.id)))


def explain(period: EvaluationPeriod, run: EvaluationRun, community_id: int) -> Explanation | None:
    result = db.session.scalar(sa.select(ProjectResult).where(ProjectResult.run_id == run.id,
                                                              ProjectResult.community_id == community_id))
    if result is None:
        return None
    ladder = db.session.scalar(sa.select(LadderEntry).where(LadderEntry.period_id == period.id,
                                                            LadderEntry.community_id == community_id))
    plan = None
    if ladder is not None:
        plan = db.session.scalar(sa.select(RectificationPlan).where(RectificationPlan.ladder_entry_id == ladder.id))
    appeals = list(db.session.scalars(sa.select(Appeal).where(Appeal.period_id == period.id,
                                                              Appeal.community_id == community_id)
                                      .order_by(Appeal.id)))
    previous = db.session.scalar(
        sa.select(ProjectResult).join(EvaluationRun, EvaluationRun.id == ProjectResult.run_id)
        .where(EvaluationRun.period_id == period.id, EvaluationRun.seq < run.seq,
               ProjectResult.community_id == community_id)
        .order_by(EvaluationRun.seq.desc()).limit(1))
    return Explanation(result=result, run=run, components=components_of(result),
                       adjustments=adjustments_for(period, community_id), rules=rules_of(run), ladder=ladder,
                       plan=plan, appeals=appeals, previous=previous)


def recomposed_cp(result: ProjectResult) -> int:
    """The composite from the published parts, as a reader would do it (the page's methodology note)."""
    weighted = sum((c.score_cp or 0) * c.weight for c in components_of(result) if c.score_cp is not None)
    weighted = (weighted + 5000) // 10000
    return weighted


def firm_projects(run_id: int, firm_id: int) -> list[ProjectResult]:
    return list(db.session.scalars(sa.select(ProjectResult).where(ProjectResult.run_id == run_id,
                                                                  ProjectResult.firm_id == firm_id)
                                   .order_by(ProjectResult.composite_cp.desc(), ProjectResult.community_id)))


def firm_result(run_id: int, firm_id: int) -> FirmResult | None:
    return db.session.scalar(sa.select(FirmResult).where(FirmResult.run_id == run_id, FirmResult.firm_id == firm_id))


# ---------------------------------------------------------------- the firm tenant: its own teams and managers


@dataclass
class ManagerStanding:
    manager_id: int | None
    projects: int
    units: int
    composite_cp: int  # unit-weighted over the manager's projects, rounded half up
    rank: int = 0


def manager_ranking(run_id: int, community_ids=None) -> list[ManagerStanding]:
    """The project managers of the run's projects, best first by unit-weighted composite (ties: fewer units
    first is no merit, so by manager id); projects without a manager are grouped as one row, unranked."""
    rows = db.session.execute(
        sa.select(ProjectResult.manager_id, sa.func.count(), sa.func.sum(ProjectResult.units),
                  sa.func.sum(ProjectResult.composite_cp * ProjectResult.units))
        .where(ProjectResult.run_id == run_id,
               ProjectResult.community_id.in_(community_ids) if community_ids is not None else sa.true())
        .group_by(ProjectResult.manager_id)).all()
    standings = [ManagerStanding(mid, n, units or 0, ((total or 0) * 2 + (units or 1)) // (2 * (units or 1)))
                 for mid, n, units, total in rows]
    ranked = sorted((s for s in standings if s.manager_id is not None),
                    key=lambda s: (-s.composite_cp, s.manager_id))
    for i, s in enumerate(ranked, 1):
        s.rank = i
    return ranked + [s for s in standings if s.manager_id is None]


# ---------------------------------------------------------------- appeals mark the row they concern


def mark_under_appeal(run_id: int, community_id: int, flag: bool = True) -> None:
    db.session.execute(sa.update(ProjectResult).where(ProjectResult.run_id == run_id,
                                                      ProjectResult.community_id == community_id)
                       .values(under_appeal=flag))


# ---------------------------------------------------------------- export


def points(cp: int | None) -> str:
    """Centipoints as the two-decimal figure people read (8735 → 87.35); empty when absent."""
    if cp is None:
        return ""
    sign = "-" if cp < 0 else ""
    cp = abs(cp)
    return f"{sign}{cp // 100}.{cp % 100:02d}"


def percent(weight: int) -> str:
    """Ten-thousandths as a percentage with two decimals (3500 → 35.00)."""
    return f"{weight // 100}.{weight % 100:02d}"


def export_xlsx(run_id: int, period: EvaluationPeriod, headers: list[str], labels) -> bytes:
    """The whole ranking of a run as a spreadsheet (write-only openpyxl), one project a row."""
    from openpyxl import Workbook

    from portal.disclosures.public_views import _safe

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(period.name[:31] or "ranking")
    sheet.append(headers)
    stmt = ranking(run_id)
    for chunk in _chunks(db.session.scalars(stmt), 500):
        names = names_for(chunk, period_id=period.id)
        for r in chunk:
            sheet.append([_safe(v) for v in (
                r.pool, r.rank if r.ranked else "", names.community(r.community_id), names.area(r.community_id),
                names.firm(r.firm_id), points(r.owner_cp), r.sample_n, r.sample_needed,
                labels["yes"] if r.sample_ok else labels["no"], points(r.community_cp), points(r.authority_cp),
                points(r.ticket_cp), points(r.bonus_cp), points(r.penalty_cp),
                labels["yes"] if r.veto else labels["no"], points(r.composite_cp), str(r.grade.label),
                str(names.level(r.community_id).label))])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def veto_items(adjustments) -> list[ScoreAdjustment]:
    return [a for a in adjustments if a.kind == AdjustmentKind.VETO]


def local_date(moment: dt.datetime) -> dt.date:
    from portal.evaluation.ladder import shanghai_date

    return shanghai_date(moment)
