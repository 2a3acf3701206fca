"""The evaluation engine: computes a period's results in SQL into a new run (docs/evaluation-compute.md).

``compute_period`` is the one entry point (the setup part calls it when a period is computed, the results
part when an appeal's decision is applied). It never changes an input: it adds an ``EvaluationRun`` with its
``ProjectResult`` and ``FirmResult`` rows, made by two ``INSERT … SELECT`` statements (engine_sql.py), and two
fingerprints: the inputs' (SQL aggregate checksums of the scores and assessments, the adjustments and
contracts in force, the ticket component, the scheme's rules and the period's dates) and the results'. Same
inputs and rules → same fingerprints and the same rows, on SQLite and on PostgreSQL alike.
"""
from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Callable, Iterable

import sqlalchemy as sa

from portal.audit.services import record
from portal.evaluation import engine_sql as q
from portal.evaluation.models import EvaluationPeriod, EvaluationScheme
from portal.evaluation.result_models import EvaluationRun, RunPurpose
from portal.evaluation.rules import SchemeRules
from portal.extensions import db
from tenants.context import current_tenant_id, tenant_scope
from tenants.scoping import tenant_sql


class EvaluationError(ValueError):
    """The period cannot be computed (no scheme frozen on it)."""


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier, clamped to the month's last day (31 May − 3 → 28 Feb)."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def served_since(end_date: dt.date, min_service_months: int) -> dt.date:
    """A contract that started on or before this day has served ``min_service_months`` by the period's end:
    the day after the end, that many months back (period ending 31 Dec 2026, 12 months → 1 Jan 2026)."""
    return months_before(end_date + dt.timedelta(days=1), min_service_months)


def default_ticket_scores(tenant, period, now: dt.datetime) -> dict[int, int] | None:
    """The ticket component (§8.1 S_ticket) per community in centipoints, or None when the tickets' KPIs are
    not available (then the component is absent everywhere and the weights re-normalise)."""
    try:
        from portal.tickets.kpis import ticket_component
    except ImportError:  # pragma: no cover - the tickets' KPIs ship with the portal
        return None
    found = ticket_component(tenant.id, period.start_date, period.end_date, now=now)
    # The KPI score is rounded to two decimals: centipoints exactly (Decimal of its text, no float error).
    return {cid: int(Decimal(str(row.score)).scaleb(2).to_integral_value())
            for cid, row in found.items() if row.score is not None}


# Tests replace it to feed a ticket component of their own; the signature is the default's.
ticket_scores: Callable[..., dict[int, int] | None] = default_ticket_scores


def _normal(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10] if not isinstance(value, dt.datetime) else value.isoformat()
    return value


def _digest(parts: Iterable) -> str:
    """sha256 over canonical JSON lines (ints for booleans and sums, ISO dates) in the order given."""
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(json.dumps(part, ensure_ascii=False, separators=(",", ":"), default=str).encode())
        hasher.update(b"\n")
    return hasher.hexdigest()


def _rows(sql: str, **params) -> list[list]:
    return [[_normal(v) for v in row] for row in tenant_sql(db.session, sql, **params)]


def rules_of(period: EvaluationPeriod) -> tuple[EvaluationScheme, SchemeRules]:
    if period.scheme_id is None:
        raise EvaluationError("the period has no scheme frozen on it")
    scheme = db.session.scalar(sa.select(EvaluationScheme).where(EvaluationScheme.id == period.scheme_id))
    if scheme is None:
        raise EvaluationError("the period's scheme is missing")
    return scheme, SchemeRules.from_json(scheme.rules)


def _date_param(day: dt.date):
    """SQLite keeps dates as ISO text (bound as text, no adapter); PostgreSQL gets a date."""
    return day if db.session.get_bind().dialect.name == "postgresql" else day.isoformat()


def _parameters(rules: SchemeRules, period: EvaluationPeriod, run_id: int, tickets: dict[int, int]) -> dict:
    bands = [band.grade for band in rules.grade_bands]
    params = {
        "run_id": run_id, "period_id": period.id,
        "end_date": _date_param(period.end_date),
        "served_since": _date_param(served_since(period.end_date, rules.min_service_months)),
        "w_owner": rules.weights["owner"], "w_community": rules.weights["community"],
        "w_authority": rules.weights["authority"], "w_ticket": rules.weights["ticket"],
        "bonus_cap": rules.bonus_cap_cp, "penalty_cap": rules.penalty_cap_cp, "score_max": rules.score_max_cp,
        "k": rules.shrinkage_strength,
        "sample_units": rules.min_sample_units, "sample_permille": rules.min_sample_permille,
        "elimination_value": rules.elimination_value,
        "elimination_band": bands.index(rules.elimination_grade) if rules.elimination_grade in bands else len(bands),
        "veto_grade": "fail",
    }
    params.update({f"grade_{i}": grade for i, grade in enumerate(bands)})
    params.update({f"veto_{i}": code for i, code in enumerate(rules.veto_conditions)})
    for i, (community_id, score_cp) in enumerate(sorted(tickets.items())):
        params[f"tc_{i}"], params[f"ts_{i}"] = community_id, score_cp
    return params


def inputs_fingerprint(*, rules: SchemeRules, period: EvaluationPeriod, tickets: dict[int, int] | None,
                       score_sums: list[list], result_rows: list[list]) -> str:
    """sha256 of every input of the run, from aggregate checksums computed in SQL (no score row leaves
    the database): per project (community, firm) the scores' count, sum, sum of squares and
    Σ ((unit·10007 + score) mod p)² mod p; per project and kind the assessments' count, sum and a like
    checksum; the adjustments in force grouped by their content; the contracts in force with their area;
    the units counted and the appeals under way (read back from the run's rows); the ticket component;
    the rules' canonical JSON; the period's dates."""
    end = _date_param(period.end_date)
    parts = [{"rules": rules.to_json(), "start": period.start_date.isoformat(), "end": period.end_date.isoformat(),
              "ticket_component": tickets is not None}]
    parts.append(["contracts", _rows(q.CONTRACT_ROWS_SQL, end_date=end)])
    parts.append(["scores", score_sums])
    parts.append(["assessments", _rows(q.ASSESSMENT_CHECKSUM_SQL, period_id=period.id)])
    parts.append(["adjustments", _rows(q.ADJUSTMENT_ROWS_SQL, end_date=end)])
    parts.append(["tickets", sorted((tickets or {}).items())])
    parts.append(["units_appeals", [[r[0], r[4], r[30]] for r in result_rows]])
    return _digest(parts)


def results_fingerprint(run_id: int, result_rows: list[list] | None = None) -> str:
    """sha256 of the run's project rows (by community) and firm rows (by firm), ids and run left out."""
    if result_rows is None:
        result_rows = _rows(q.RESULT_ROWS_SQL, run_id=run_id)
    return _digest([["projects", result_rows],
                    ["firms", _rows(q.FIRM_ROWS_SQL, run_id=run_id)]])


def compute_period(*, tenant, period: EvaluationPeriod, actor, purpose: RunPurpose, reason: str,
                   now: dt.datetime) -> EvaluationRun:
    """Compute ``period`` into a new run (seq + 1) and make it the period's current run; flush, never commit.

    Raises EvaluationError when the period has no scheme. Writes an audit event."""
    if current_tenant_id() != tenant.id:
        with tenant_scope(tenant):
            return compute_period(tenant=tenant, period=period, actor=actor, purpose=purpose, reason=reason, now=now)
    scheme, rules = rules_of(period)
    tickets = ticket_scores(tenant, period, now)
    seq = (db.session.scalar(sa.select(sa.func.max(EvaluationRun.seq)).where(EvaluationRun.period_id == period.id))
           or 0) + 1
    run = EvaluationRun(tenant_id=tenant.id, period_id=period.id, seq=seq, purpose=purpose, scheme_id=scheme.id,
                        inputs_fingerprint="", results_fingerprint="", ticket_component=tickets is not None,
                        reason=(reason or "")[:500], actor_id=getattr(actor, "id", None), computed_at=now)
    db.session.add(run)
    db.session.flush()
    run_projects(rules, period, run.id, tickets or {})
    score_sums = _rows(q.SCORE_CHECKSUM_SQL, period_id=period.id)
    run.scores = sum(row[2] for row in score_sums)
    result_rows = _rows(q.RESULT_ROWS_SQL, run_id=run.id)
    run.projects = len(result_rows)
    run.inputs_fingerprint = inputs_fingerprint(rules=rules, period=period, tickets=tickets, score_sums=score_sums,
                                                result_rows=result_rows)
    run.results_fingerprint = results_fingerprint(run.id, result_rows)
    period.current_run_id = run.id
    record(tenant=tenant, actor=actor, action="evaluation.computed", object_type="evaluation_period",
           object_id=period.id, summary=f"{period.name} #{seq} {purpose.value}",
           after={"run": run.id, "inputs": run.inputs_fingerprint, "results": run.results_fingerprint,
                  "projects": run.projects, "scores": run.scores, "ticket_component": run.ticket_component},
           reason=reason)
    db.session.flush()
    return run


def run_projects(rules: SchemeRules, period: EvaluationPeriod, run_id: int, tickets: dict[int, int]) -> None:
    """The two INSERT … SELECT statements: projects, then firms (from the projects' rows)."""
    params = _parameters(rules, period, run_id, tickets)
    tenant_sql(db.session, q.project_statement(rules, tickets=len(tickets), veto_conditions=len(rules.veto_conditions)),
               **params)
    tenant_sql(db.session, q.firm_results_sql(rules), run_id=run_id, period_id=period.id, veto_grade="fail",
               **{f"grade_{i}": band.grade for i, band in enumerate(rules.grade_bands)})
