"""Setting up an evaluation: scheme versions (draft → published → frozen when a period adopts it) and periods
with their lifecycle draft → open → closed → computed → appeal → final, every step logged (actor, time, reason).

Services take the tenant and the actor explicitly, flush and never commit. Bad input raises SetupError naming
the field; a step not allowed from the period's state is a 409.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.db import utcnow
from portal.domain import DomainError
from portal.evaluation.models import (EvaluationPeriod, EvaluationScheme, PeriodStatus, PeriodTransition,
                                      SchemeStatus)
from portal.evaluation.rules import DEFAULT_RULES, SchemeRules
from portal.evaluation.setup_wording import rule_problem
from portal.extensions import db

P = PeriodStatus
NAME_MAX = 80
SCHEME_NAME_MAX = 120
NOTE_MAX = 500
REASON_MAX = 500
DEFAULT_TIME_ZONE = "Asia/Shanghai"
# The only moves of a period, in order; compute and publish run the computation (portal.evaluation.engine).
TRANSITIONS = {P.DRAFT: P.OPEN, P.OPEN: P.CLOSED, P.CLOSED: P.COMPUTED, P.COMPUTED: P.APPEAL, P.APPEAL: P.FINAL}
STEP_NAMES = {P.OPEN: "open", P.CLOSED: "close", P.COMPUTED: "compute", P.APPEAL: "appeal", P.FINAL: "publish"}
STEPS = {name: status for status, name in STEP_NAMES.items()}
AUDIT_ACTIONS = {P.OPEN: "evaluation.period_open", P.CLOSED: "evaluation.period_close",
                 P.COMPUTED: "evaluation.period_compute", P.APPEAL: "evaluation.period_appeal",
                 P.FINAL: "evaluation.period_publish"}
STEP_LABELS = {
    P.OPEN: _l("Open for owner scoring"),
    P.CLOSED: _l("Close owner scoring"),
    P.COMPUTED: _l("Compute the draft results"),
    P.APPEAL: _l("Publish the draft and open the appeal window"),
    P.FINAL: _l("Publish the final results"),
}


class SetupError(DomainError):
    """A rule broken by a requested scheme or period change; ``field`` names the form or JSON field."""


def _zone(tenant) -> ZoneInfo:
    return ZoneInfo(getattr(tenant, "time_zone", None) or DEFAULT_TIME_ZONE)


def local_day(moment: dt.datetime, tenant) -> dt.date:
    return moment.astimezone(_zone(tenant)).date()


def _text(value, field: str, max_len: int, *, required: bool, what) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise SetupError(field, _l("%(what)s: enter text.", what=what))
    if required and not text:
        raise SetupError(field, _l("%(what)s: this is required.", what=what))
    if len(text) > max_len:
        raise SetupError(field, _l("%(what)s: at most %(max)d characters.", what=what, max=max_len))
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise SetupError(field, _l("%(what)s: remove the control characters.", what=what))
    return text


# ----------------------------------------------------------------------------- schemes


def schemes_query() -> sa.Select:
    return sa.select(EvaluationScheme).order_by(EvaluationScheme.number.desc())


def rules_of(scheme: EvaluationScheme) -> SchemeRules:
    return SchemeRules.from_json(scheme.rules)


def scheme_in_force(today: dt.date | None = None) -> EvaluationScheme | None:
    """The scheme a reader is judged by now: the one frozen into the newest period that has opened, else the
    newest published version (none while only drafts exist)."""
    period = db.session.scalar(sa.select(EvaluationPeriod).where(EvaluationPeriod.scheme_id.is_not(None),
                                                                 EvaluationPeriod.status != P.DRAFT)
                               .order_by(EvaluationPeriod.start_date.desc(), EvaluationPeriod.id.desc()).limit(1))
    if period is not None:
        return db.session.scalar(sa.select(EvaluationScheme).where(EvaluationScheme.id == period.scheme_id))
    return latest_published()


def latest_published() -> EvaluationScheme | None:
    return db.session.scalar(sa.select(EvaluationScheme).where(
        EvaluationScheme.status.in_([SchemeStatus.PUBLISHED, SchemeStatus.FROZEN]))
        .order_by(EvaluationScheme.number.desc()).limit(1))


def periods_using(scheme: EvaluationScheme) -> list[EvaluationPeriod]:
    return list(db.session.scalars(sa.select(EvaluationPeriod).where(EvaluationPeriod.scheme_id == scheme.id)
                                   .order_by(EvaluationPeriod.start_date)))


def check_rules(rules: SchemeRules) -> SchemeRules:
    """The rules, or SetupError on the first field that breaks a rule (in the reader's language)."""
    problems = rules.problems()
    if problems:
        field, rule = problems[0]
        raise SetupError(field, rule_problem(field, rule))
    return rules


def _describe(scheme: EvaluationScheme) -> dict:
    return {"number": scheme.number, "name": scheme.name, "status": scheme.status.value, "rules": scheme.rules}


def create_scheme(*, tenant, actor, name: str, rules: SchemeRules | None = None, note: str = "",
                  now: dt.datetime | None = None) -> EvaluationScheme:
    """A new draft version (the next number), from the given rules or the defaults of domain rules §8."""
    name = _text(name, "name", SCHEME_NAME_MAX, required=True, what=_l("Name"))
    note = _text(note, "change_note", NOTE_MAX, required=False, what=_l("What changed"))
    rules = check_rules(rules or DEFAULT_RULES)
    number = (db.session.scalar(sa.select(sa.func.max(EvaluationScheme.number))) or 0) + 1
    scheme = EvaluationScheme(number=number, name=name, rules=rules.to_json(), status=SchemeStatus.DRAFT,
                              change_note=note, created_by_id=getattr(actor, "id", None),
                              created_at=now or utcnow())
    db.session.add(scheme)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="evaluation.scheme_created", object_type="evaluation_scheme",
           object_id=scheme.id, summary=f"v{number} {name}", after=_describe(scheme))
    return scheme


def edit_scheme(*, tenant, actor, scheme: EvaluationScheme, name: str, rules: SchemeRules, note: str = "",
                now: dt.datetime | None = None) -> EvaluationScheme:
    """Change a draft in place; a published or frozen version never changes: the change becomes a new draft
    version (returned) and the old one stays as it was."""
    if scheme.status != SchemeStatus.DRAFT:
        return create_scheme(tenant=tenant, actor=actor, name=name, rules=rules,
                             note=note or str(_l("Based on version %(n)s", n=scheme.number)), now=now)
    name = _text(name, "name", SCHEME_NAME_MAX, required=True, what=_l("Name"))
    note = _text(note, "change_note", NOTE_MAX, required=False, what=_l("What changed"))
    check_rules(rules)
    before = _describe(scheme)
    scheme.name, scheme.rules, scheme.change_note = name, rules.to_json(), note
    db.session.flush()
    record(tenant=tenant, actor=actor, action="evaluation.scheme_edited", object_type="evaluation_scheme",
           object_id=scheme.id, summary=f"v{scheme.number} {name}", before=before, after=_describe(scheme))
    return scheme


def publish_scheme(*, tenant, actor, scheme: EvaluationScheme, now: dt.datetime | None = None) -> EvaluationScheme:
    """A draft becomes the published version periods adopt when they open; an earlier published version that
    no period uses is retired."""
    if scheme.status != SchemeStatus.DRAFT:
        raise SetupError(None, _l("Version %(n)s is “%(state)s”; only a draft can be published.",
                                  n=scheme.number, state=scheme.status.label), status=409, code="not_draft")
    check_rules(rules_of(scheme))
    for earlier in db.session.scalars(sa.select(EvaluationScheme).where(
            EvaluationScheme.status == SchemeStatus.PUBLISHED, EvaluationScheme.id != scheme.id)):
        earlier.status = SchemeStatus.RETIRED
    scheme.status, scheme.published_at = SchemeStatus.PUBLISHED, now or utcnow()
    db.session.flush()
    record(tenant=tenant, actor=actor, action="evaluation.scheme_published", object_type="evaluation_scheme",
           object_id=scheme.id, summary=f"v{scheme.number} {scheme.name}", after=_describe(scheme))
    return scheme


# ----------------------------------------------------------------------------- periods


def periods_query(status: PeriodStatus | None = None, q: str | None = None) -> sa.Select:
    from portal.listing import searched

    stmt = sa.select(EvaluationPeriod).order_by(EvaluationPeriod.start_date.desc(), EvaluationPeriod.id.desc())
    if status is not None:
        stmt = stmt.where(EvaluationPeriod.status == status)
    return searched(stmt, q, EvaluationPeriod.name)


def transitions_of(period: EvaluationPeriod) -> list[PeriodTransition]:
    return list(db.session.scalars(sa.select(PeriodTransition).where(PeriodTransition.period_id == period.id)
                                   .order_by(PeriodTransition.at, PeriodTransition.id)))


def _check_dates(start, end) -> None:
    if not isinstance(start, dt.date):
        raise SetupError("start_date", _l("First day: enter a date."))
    if not isinstance(end, dt.date):
        raise SetupError("end_date", _l("Last day: enter a date."))
    if end < start:
        raise SetupError("end_date", _l("Last day: it cannot be before the first day."))
    if (end - start).days > 366:
        raise SetupError("end_date", _l("Last day: a period lasts at most a year."))
    if not 2000 <= start.year <= 2200:
        raise SetupError("start_date", _l("First day: enter a year from 2000 to 2200."))


def create_period(*, tenant, actor, name: str, start_date: dt.date, end_date: dt.date,
                  now: dt.datetime | None = None) -> EvaluationPeriod:
    """A period being prepared (draft): owners cannot score until it opens."""
    name = _text(name, "name", NAME_MAX, required=True, what=_l("Name"))
    _check_dates(start_date, end_date)
    if db.session.scalar(sa.select(EvaluationPeriod.id).where(EvaluationPeriod.name == name)):
        raise SetupError("name", _l("Name: another period is already called that."), status=409, code="duplicate")
    period = EvaluationPeriod(name=name, start_date=start_date, end_date=end_date, status=P.DRAFT,
                              created_by_id=getattr(actor, "id", None), created_at=now or utcnow())
    db.session.add(period)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="evaluation.period_created", object_type="evaluation_period",
           object_id=period.id, summary=f"{name} {start_date}–{end_date}")
    return period


def default_period(today: dt.date) -> tuple[str, dt.date, dt.date]:
    """The calendar quarter containing ``today`` (the default period): name, first and last day."""
    quarter = (today.month - 1) // 3 + 1
    start = dt.date(today.year, 3 * quarter - 2, 1)
    end = (dt.date(today.year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - dt.timedelta(days=1))
    return f"{today.year}年第{'一二三四'[quarter - 1]}季度", start, end


def next_step(period: EvaluationPeriod) -> PeriodStatus | None:
    return TRANSITIONS.get(period.status)


def _refused(period: EvaluationPeriod, target: PeriodStatus) -> SetupError:
    return SetupError(None, _l("This period is now “%(now)s”; it cannot become “%(to)s”.",
                               now=period.status.label, to=target.label), status=409, code="illegal_transition")


def _working_day_overrides() -> dict:
    from portal.tickets.calendar import overrides

    return overrides()


def _open(tenant, actor, period: EvaluationPeriod, now: dt.datetime, reason: str) -> None:
    """Freeze the scheme (the newest published version unless one was chosen) and the current published lists
    A and C; tell owners until when they can score (the end of the period's last day, tenant time)."""
    from portal.checklists import services as checklists
    from portal.checklists.models import ListKind

    closes = dt.datetime.combine(period.end_date + dt.timedelta(days=1), dt.time(), _zone(tenant)).astimezone(dt.timezone.utc)
    if closes <= now:
        raise SetupError(None, _l("The period ended on %(day)s: owners could no longer score in it.", day=period.end_date),
                         status=409, code="period_over")
    scheme = None
    if period.scheme_id:
        scheme = db.session.scalar(sa.select(EvaluationScheme).where(EvaluationScheme.id == period.scheme_id))
    if scheme is None or scheme.status in (SchemeStatus.DRAFT, SchemeStatus.RETIRED):
        scheme = db.session.scalar(sa.select(EvaluationScheme).where(EvaluationScheme.status == SchemeStatus.PUBLISHED)
                                   .order_by(EvaluationScheme.number.desc()).limit(1)) or latest_published()
    if scheme is None:
        raise SetupError(None, _l("Publish an evaluation scheme first: a period opens under a published scheme."),
                         status=409, code="no_scheme")
    lists = {}
    for kind in (ListKind.A, ListKind.C):
        version = checklists.current_version(kind)
        if version is None:
            raise SetupError(None, _l("Publish %(list)s first: owners and assessors score against it.",
                                      list=kind.label), status=409, code="no_list")
        lists[kind] = version
    why = f"评价期：{period.name}"  # stored as the versions' freeze reason, in the tenant's language
    for version in lists.values():
        checklists.freeze_version(version, why, actor, tenant=tenant)
    if scheme.status != SchemeStatus.FROZEN:
        scheme.status, scheme.frozen_at = SchemeStatus.FROZEN, now
        record(tenant=tenant, actor=actor, action="evaluation.scheme_frozen", object_type="evaluation_scheme",
               object_id=scheme.id, summary=f"v{scheme.number} {scheme.name}", reason=why)
    period.scheme_id = scheme.id
    period.list_a_version_id, period.list_c_version_id = lists[ListKind.A].id, lists[ListKind.C].id
    period.opened_at = now
    period.scoring_closes_at = closes


def require_inputs_open(period: EvaluationPeriod) -> None:
    """Inputs (derived penalties) change only until the draft results are published for appeals."""
    if period.status in (P.DRAFT, P.APPEAL, P.FINAL):
        raise SetupError(None, _l("This period is now “%(now)s”; its inputs are not derived now.",
                                  now=period.status.label), status=409, code="inputs_closed")


def _compute(tenant, actor, period: EvaluationPeriod, now: dt.datetime, reason: str, purpose_name: str):
    import importlib

    try:
        engine = importlib.import_module("portal.evaluation.engine")
    except ImportError as missing:
        if getattr(missing, "name", "") != "portal.evaluation.engine":
            raise
        raise SetupError(None, _l("The computation is not installed on this portal yet."), status=409,
                         code="no_engine") from missing
    from portal.evaluation.result_models import RunPurpose
    from portal.evaluation.setup_adjustments import derive_disclosure_penalties

    derive_disclosure_penalties(tenant=tenant, actor=actor, period=period, now=now)
    run = engine.compute_period(tenant=tenant, period=period, actor=actor, purpose=RunPurpose(purpose_name),
                                reason=reason, now=now)
    period.current_run_id = run.id
    return run


def transition(*, tenant, actor, period: EvaluationPeriod, to: PeriodStatus, reason: str,
               now: dt.datetime | None = None) -> PeriodTransition:
    """Move the period one step forward (the only moves: TRANSITIONS), logged with actor, time and reason.

    open freezes the scheme and lists; close ends scoring; compute derives the disclosure penalties and runs
    the draft computation; appeal sets the window's last day (working days from today, the tenant's own
    calendar); publish, once the window has ended, runs the final computation."""
    now = now or utcnow()
    if not isinstance(to, PeriodStatus):
        raise SetupError("to", _l("Step: choose one of the offered steps."))
    if TRANSITIONS.get(period.status) != to:
        raise _refused(period, to)
    reason = _text(reason, "reason", REASON_MAX, required=True, what=_l("Reason"))
    before = period.status
    if to == P.OPEN:
        _open(tenant, actor, period, now, reason)
    elif to == P.CLOSED:
        period.closed_at = now
        period.scoring_closes_at = min(period.scoring_closes_at or now, now)
    elif to == P.COMPUTED:
        _compute(tenant, actor, period, now, reason, "draft")
    elif to == P.APPEAL:
        from portal.workdays import add_working_days

        days = rules_of(scheme_of(period)).appeal_working_days
        period.appeal_until = add_working_days(local_day(now, tenant), days, _working_day_overrides())
    elif to == P.FINAL:
        if period.appeal_until and local_day(now, tenant) <= period.appeal_until:
            raise SetupError(None, _l("The appeal window runs until %(day)s; publish the final results after it.",
                                      day=period.appeal_until), status=409, code="appeal_window")
        _compute(tenant, actor, period, now, reason, "final")
        period.published_at = now
        from portal.evaluation import ladder

        # The final results place every project on the elimination ladder (cards, rectification plans).
        ladder.apply_period(tenant=tenant, period=period, run_id=period.current_run_id,
                            rules=rules_of(scheme_of(period)), actor=actor, now=now)
    period.status = to
    step = PeriodTransition(period_id=period.id, from_status=before, to_status=to,
                            actor_id=getattr(actor, "id", None), at=now, reason=reason)
    db.session.add(step)
    db.session.flush()
    record(tenant=tenant, actor=actor, action=AUDIT_ACTIONS[to], object_type="evaluation_period",
           object_id=period.id, summary=period.name, reason=reason,
           before={"status": before.value}, after={"status": to.value, "scheme_id": period.scheme_id,
                                                   "appeal_until": period.appeal_until,
                                                   "current_run_id": period.current_run_id})
    return step


def scheme_of(period: EvaluationPeriod) -> EvaluationScheme | None:
    if not period.scheme_id:
        return None
    return db.session.scalar(sa.select(EvaluationScheme).where(EvaluationScheme.id == period.scheme_id))


def owner_notices(now: dt.datetime, tenant) -> list[dict]:
    """What owners are told on their dashboard: periods open for scoring (until when) and periods whose scoring
    closed in the last 30 days (results follow)."""
    recent = now - dt.timedelta(days=30)
    rows = db.session.scalars(sa.select(EvaluationPeriod).where(sa.or_(
        EvaluationPeriod.status == P.OPEN,
        sa.and_(EvaluationPeriod.status.in_([P.CLOSED, P.COMPUTED, P.APPEAL]), EvaluationPeriod.closed_at >= recent)))
        .order_by(EvaluationPeriod.start_date.desc()).limit(3))
    return [{"period": p, "open": p.status == P.OPEN,
             "closes_on": local_day(p.scoring_closes_at - dt.timedelta(seconds=1), tenant) if p.scoring_closes_at else p.end_date,
             "closed_on": local_day(p.closed_at, tenant) if p.closed_at else None} for p in rows]
