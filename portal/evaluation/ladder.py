"""The elimination ladder (末位淘汰): where each project stands after a period's results, period after period.

The portal **recommends**; it never dismisses a firm. Only the owners, by a vote of the owners' assembly, can
end a property-service contract (《民法典》第二百七十八条、第九百四十六条). "Removal recommended" means the
owners' committee is told that the rules recommend the owners consider replacing the firm.

The rule table (parameters from the scheme, SchemeRules):

=================================================  ==========================================================
this period                                        result
=================================================  ==========================================================
any veto (一票否决)                                  removal recommended at once (rule ``veto``)
caught by the elimination rule (``bottom``)         consecutive_bad + 1; the level is the highest reached by
                                                    the count (≥ yellow_after: yellow, ≥ red_after: red,
                                                    ≥ removal_after: removal recommended), never lower than the
                                                    level before (rule ``bottom``)
not caught, graded pass or better                   consecutive_good + 1; a card is lifted (level none, rule
                                                    ``exit``) once consecutive_good ≥ exit_after and no
                                                    rectification plan of the project is still open or failed
not caught, below pass, or not ranked               level kept, both counts: bad reset to 0, good reset to 0
                                                    (below pass) or kept (not ranked: no evidence either way)
=================================================  ==========================================================

A project not ranked this period (new contract, too small a sample on its own) is never caught.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from portal.audit.services import record
from portal.evaluation.models import EvaluationPeriod
from portal.evaluation.result_models import (
    Grade, LadderEntry, LadderLevel, ProjectResult, RectificationPlan, RectificationStatus,
)
from portal.evaluation.rules import SchemeRules
from portal.extensions import db

SHANGHAI = ZoneInfo("Asia/Shanghai")
ORDER = (LadderLevel.NONE, LadderLevel.YELLOW, LadderLevel.RED, LadderLevel.REMOVAL)
GOOD_GRADES = frozenset({Grade.EXCELLENT.value, Grade.GOOD.value, Grade.PASS.value})


@dataclass(frozen=True)
class Position:
    level: LadderLevel = LadderLevel.NONE
    consecutive_bad: int = 0
    consecutive_good: int = 0
    rule: str = ""


def shanghai_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()


def _higher(a: LadderLevel, b: LadderLevel) -> LadderLevel:
    return a if ORDER.index(a) >= ORDER.index(b) else b


def level_for_count(count: int, rules: SchemeRules) -> LadderLevel:
    if count >= rules.removal_after:
        return LadderLevel.REMOVAL
    if count >= rules.red_after:
        return LadderLevel.RED
    if count >= rules.yellow_after:
        return LadderLevel.YELLOW
    return LadderLevel.NONE


def step(previous: Position, *, caught: bool, veto: bool, grade: str, ranked: bool, open_rectification: bool,
         rules: SchemeRules) -> Position:
    """The position after one more period (the rule table of the module docstring)."""
    if veto:
        return Position(LadderLevel.REMOVAL, previous.consecutive_bad + 1, 0, "veto")
    if caught and ranked:
        bad = previous.consecutive_bad + 1
        return Position(_higher(previous.level, level_for_count(bad, rules)), bad, 0, "bottom")
    if not ranked:
        return Position(previous.level, 0, previous.consecutive_good, "not_ranked")
    if str(getattr(grade, "value", grade)) not in GOOD_GRADES:
        return Position(previous.level, 0, 0, "below_pass")
    good = previous.consecutive_good + 1
    if previous.level != LadderLevel.NONE and good >= rules.exit_after and not open_rectification:
        return Position(LadderLevel.NONE, 0, good, "exit")
    return Position(previous.level, 0, good, "kept" if previous.level != LadderLevel.NONE else "")


# ---------------------------------------------------------------- applying it to a period's results


def _previous_entries(period: EvaluationPeriod) -> dict[int, LadderEntry]:
    """The newest entry of every community in an earlier period (by start date)."""
    earlier = sa.select(EvaluationPeriod.id).where(EvaluationPeriod.start_date < period.start_date)
    rows = db.session.execute(
        sa.select(LadderEntry, EvaluationPeriod.start_date)
        .join(EvaluationPeriod, EvaluationPeriod.id == LadderEntry.period_id)
        .where(LadderEntry.period_id.in_(earlier))
        .order_by(EvaluationPeriod.start_date)).all()
    newest: dict[int, LadderEntry] = {}
    for entry, _start in rows:
        newest[entry.community_id] = entry
    return newest


def _unfinished_plans() -> set[int]:
    """Communities whose newest rectification plan is not verified (open, submitted or failed)."""
    newest = sa.select(sa.func.max(RectificationPlan.id)).group_by(RectificationPlan.community_id)
    return set(db.session.scalars(sa.select(RectificationPlan.community_id).where(
        RectificationPlan.id.in_(newest), RectificationPlan.status != RectificationStatus.VERIFIED)))


def apply_period(*, tenant, period: EvaluationPeriod, run_id: int, rules: SchemeRules, actor,
                 now: dt.datetime) -> list[LadderEntry]:
    """Place every project of the run on the ladder for ``period`` (idempotent: applying again replaces this
    period's entries) and open a rectification plan for each new or raised yellow or red card."""
    previous = _previous_entries(period)
    unfinished = _unfinished_plans()
    existing = {e.community_id: e for e in db.session.scalars(
        sa.select(LadderEntry).where(LadderEntry.period_id == period.id))}
    entries = []
    results = db.session.scalars(sa.select(ProjectResult).where(ProjectResult.run_id == run_id)
                                 .order_by(ProjectResult.community_id))
    for result in results:
        before = previous.get(result.community_id)
        pos_before = Position(before.level, before.consecutive_bad, before.consecutive_good) if before else Position()
        pos = step(pos_before, caught=result.bottom, veto=result.veto, grade=result.grade.value,
                   ranked=result.ranked, open_rectification=result.community_id in unfinished, rules=rules)
        entry = existing.get(result.community_id)
        if entry is None:
            entry = LadderEntry(period_id=period.id, community_id=result.community_id)
            db.session.add(entry)
        entry.run_id, entry.firm_id = run_id, result.firm_id
        entry.level, entry.previous_level = pos.level, pos_before.level
        entry.consecutive_bad, entry.consecutive_good, entry.rule = pos.consecutive_bad, pos.consecutive_good, pos.rule
        entries.append(entry)
    db.session.flush()
    for entry in entries:
        raised = ORDER.index(entry.level) > ORDER.index(entry.previous_level)
        if raised and entry.level in (LadderLevel.YELLOW, LadderLevel.RED):
            _open_plan(tenant=tenant, entry=entry, rules=rules, actor=actor, now=now)
    record(tenant=tenant, actor=actor, action="evaluation.ladder_applied", object_type="evaluation_period",
           object_id=period.id, after={"run": run_id, "entries": len(entries),
                                       "cards": sum(e.level != LadderLevel.NONE for e in entries)})
    db.session.flush()
    return entries


def _open_plan(*, tenant, entry: LadderEntry, rules: SchemeRules, actor, now: dt.datetime) -> RectificationPlan:
    plan = db.session.scalar(sa.select(RectificationPlan).where(RectificationPlan.ladder_entry_id == entry.id))
    if plan is None:
        today = shanghai_date(now)
        plan = RectificationPlan(ladder_entry_id=entry.id, community_id=entry.community_id, firm_id=entry.firm_id,
                                 deadline=today + dt.timedelta(days=rules.rectification_days), created_at=now)
        db.session.add(plan)
        db.session.flush()
        record(tenant=tenant, actor=actor, action="evaluation.rectification_opened",
               object_type="evaluation_rectification_plan", object_id=plan.id,
               after={"community": entry.community_id, "level": entry.level.value, "deadline": plan.deadline})
    return plan


def position_of(period_id: int, community_id: int) -> LadderEntry | None:
    return db.session.scalar(sa.select(LadderEntry).where(LadderEntry.period_id == period_id,
                                                          LadderEntry.community_id == community_id))
