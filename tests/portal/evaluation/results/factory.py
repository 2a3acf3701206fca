"""A small factory of evaluation results for the results part's tests, the shared test world and the walks:
a scheme, a period, a run and project/firm results whose figures are consistent with the scheme's rules
(weights re-normalised over the components present, bonus and penalty capped, composite clamped, grade from
the bands). The engine computes real ones; these stand in where a test needs a known result."""
from __future__ import annotations

import datetime as dt

from portal.evaluation.models import EvaluationPeriod, EvaluationScheme, PeriodStatus, SchemeStatus
from portal.evaluation.result_models import EvaluationRun, FirmResult, Grade, ProjectResult, RunPurpose
from portal.evaluation.rules import SchemeRules
from portal.extensions import db

UTC = dt.timezone.utc
CLOSED_AT = dt.datetime(2026, 10, 10, 2, 0, tzinfo=UTC)


def make_scheme(rules: SchemeRules | None = None, number: int = 90) -> EvaluationScheme:
    scheme = EvaluationScheme(number=number, name=f"评价方案{number}", rules=(rules or SchemeRules()).to_json(),
                              status=SchemeStatus.FROZEN, created_at=CLOSED_AT, published_at=CLOSED_AT,
                              frozen_at=CLOSED_AT)
    db.session.add(scheme)
    db.session.flush()
    return scheme


def make_period(scheme: EvaluationScheme, name: str, *, start=dt.date(2026, 7, 1), end=dt.date(2026, 9, 30),
                status=PeriodStatus.APPEAL, appeal_until=dt.date(2026, 10, 20)) -> EvaluationPeriod:
    period = EvaluationPeriod(name=name, start_date=start, end_date=end, status=status, scheme_id=scheme.id,
                              appeal_until=appeal_until, created_at=CLOSED_AT, opened_at=CLOSED_AT,
                              closed_at=CLOSED_AT)
    db.session.add(period)
    db.session.flush()
    return period


def make_run(period: EvaluationPeriod, *, seq: int = 1, purpose: RunPurpose = RunPurpose.DRAFT,
             current: bool = True) -> EvaluationRun:
    run = EvaluationRun(period_id=period.id, seq=seq, purpose=purpose, scheme_id=period.scheme_id,
                        inputs_fingerprint="0" * 64, results_fingerprint=f"{seq:064d}", ticket_component=False,
                        reason="", computed_at=CLOSED_AT + dt.timedelta(hours=seq))
    db.session.add(run)
    db.session.flush()
    if current:
        period.current_run_id = run.id
    return run


def weights_for(present: dict[str, bool], rules: SchemeRules) -> dict[str, int]:
    """Re-normalise the scheme's weights over the present components (sum 10000; the remainder to the first)."""
    total = sum(w for k, w in rules.weights.items() if present[k])
    out = {k: (rules.weights[k] * 10000 // total if present[k] and total else 0) for k in rules.weights}
    first = next((k for k in ("owner", "community", "authority", "ticket") if present[k]), None)
    if first:
        out[first] += 10000 - sum(out.values())
    return out


def make_result(run: EvaluationRun, community_id: int, firm_id: int, *, owner: int | None = 8000,
                community: int | None = 7500, authority: int | None = 7000, ticket: int | None = None,
                sample_n: int = 40, units: int = 150, bonus: int = 0, penalty: int = 0, veto: bool = False,
                rank: int | None = 1, pool_size: int = 1, pool: str = "grade2", manager_id: int | None = None,
                bottom: bool = False, ranked: bool = True, not_ranked_reason: str = "",
                rules: SchemeRules | None = None) -> ProjectResult:
    rules = rules or SchemeRules()
    scores = {"owner": owner, "community": community, "authority": authority, "ticket": ticket}
    w = weights_for({k: v is not None for k, v in scores.items()}, rules)
    weighted = (sum((v or 0) * w[k] for k, v in scores.items()) + 5000) // 10000
    b, p = min(bonus, rules.bonus_cap_cp), min(penalty, rules.penalty_cap_cp)
    composite = max(0, min(rules.score_max_cp, weighted + b - p))
    needed = rules.sample_needed(units)
    result = ProjectResult(
        run_id=run.id, period_id=run.period_id, community_id=community_id, firm_id=firm_id, manager_id=manager_id,
        pool=pool, units=units, sample_n=sample_n, sample_needed=needed, sample_ok=sample_n >= needed,
        owner_raw_cp=None if owner is None else owner + 37, owner_cp=owner,
        owner_ci_low_cp=None if owner is None else owner - 420, owner_ci_high_cp=None if owner is None else owner + 410,
        community_cp=community, authority_cp=authority, ticket_cp=ticket,
        w_owner=w["owner"], w_community=w["community"], w_authority=w["authority"], w_ticket=w["ticket"],
        weighted_cp=weighted, bonus_cp=b, penalty_cp=p, veto=veto, composite_cp=composite,
        grade=Grade(rules.grade_for(composite, veto)), ranked=ranked, not_ranked_reason=not_ranked_reason,
        rank=rank if ranked else None, pool_size=pool_size, bottom=bottom)
    db.session.add(result)
    db.session.flush()
    return result


def make_firm_result(run: EvaluationRun, firm_id: int, results: list[ProjectResult], *, rank: int | None = 1,
                     pool_size: int = 1, rules: SchemeRules | None = None) -> FirmResult:
    rules = rules or SchemeRules()
    units = sum(r.units for r in results) or 1
    composite = (sum(r.composite_cp * r.units for r in results) * 2 + units) // (2 * units)
    firm = FirmResult(run_id=run.id, period_id=run.period_id, firm_id=firm_id, projects=len(results), units=units,
                      composite_cp=composite, grade=Grade(rules.grade_for(composite, False)),
                      vetoed_projects=sum(r.veto for r in results), rank=rank, pool_size=pool_size)
    db.session.add(firm)
    db.session.flush()
    return firm
