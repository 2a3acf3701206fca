"""Ticket KPIs (工单考核指标) per community (project), firm, area, category and month, computed in SQL.

Every figure is an aggregate of one GROUP BY over ``tickets`` (joined to the per-ticket summary of its
follow-up visits); nothing is counted row by row in Python, so a city tenant with 100,000 tickets a year
answers in well under a second (``bench/tickets.py``). The same statements run on SQLite and PostgreSQL.

Definitions (also in docs/tickets.md, "KPIs"):

* **Tickets of a period**: tickets *filed* between ``start`` and ``end`` (local dates, Asia/Shanghai, both
  inclusive), praise (表扬) excepted — there is nothing to answer or fix. Their state is read as it is now
  (``now``), so a month's rates still move while its late tickets are being settled.
* **Responded** (响应): accepted (or resolved) no later than the response deadline. Response rate =
  responded / tickets.
* **Resolved** (解决): now resolved, confirmed, followed up or closed (a reopened ticket back in progress is
  not). Resolution rate = resolved / tickets.
* **Satisfied** (满意): the ticket's verdict is the follow-up visits' (回访) when one recorded a satisfaction —
  satisfied only if every recorded answer is "satisfied" or "very satisfied" — otherwise the owner's rating
  (4 or 5 satisfied, 1–3 not). Tickets without either have no verdict. Satisfaction rate = satisfied / tickets
  with a verdict.
* **On time** (按时办结): first resolved no later than the resolution deadline (after any extension).
  On-time rate = on time / tickets that were resolved or whose resolution deadline has passed.
* **Reopened** (返工): reopened at least once ("not fixed"). Reopen rate = reopened / tickets ever resolved.
* **Time to resolve**: hours from filing to the first resolution; median and p90 by nearest rank (the
  smallest value with at least 50 % / 90 % of the resolved tickets at or below it), computed in SQL with
  window functions.
* **Follow-up coverage** (回访率): resolved tickets with at least one recorded follow-up visit (reached or
  not) / resolved tickets.
* **Score** (§8.1 S_ticket) = 40·response rate + 30·resolution rate + 30·satisfaction rate, 0–100; without
  any verdict the satisfaction part is left out and the other two re-weighted pro rata (40:30 → 100).

A rate with a zero denominator is None ("no data"), never 0.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from portal.communities.models import Area, Community
from portal.communities.services import area_and_children
from portal.db import utcnow
from portal.extensions import db
from portal.tickets.models import (
    FollowUp,
    Satisfaction,
    Ticket,
    TicketStatus,
    TicketType,
)

LOCAL = ZoneInfo("Asia/Shanghai")
RESOLVED_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CONFIRMED, TicketStatus.FOLLOWED_UP, TicketStatus.CLOSED)
SATISFIED = (Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED)
DISSATISFIED = (Satisfaction.UNSATISFIED, Satisfaction.VERY_UNSATISFIED)
GROUPINGS = ("tenant", "community", "firm", "area", "street", "category")


class hours_between(FunctionElement):
    """Hours from the second timestamp to the first, as a float (portable SQLite / PostgreSQL)."""

    type = sa.Float()
    inherit_cache = True
    name = "hours_between"


@compiles(hours_between)
def _hours_between_default(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return (f"(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"
            " / 3600.0)")


@compiles(hours_between, "sqlite")
def _hours_between_sqlite(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return (f"((julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}))"
            " * 24.0)")


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclasses.dataclass(frozen=True)
class KpiRow:
    """The counts of one group (a community, firm, area, category, month or the whole tenant) and its rates."""

    key: int | str | None
    tickets: int = 0
    responded: int = 0
    resolved: int = 0
    ever_resolved: int = 0
    judged: int = 0
    satisfied: int = 0
    due: int = 0
    on_time: int = 0
    reopened: int = 0
    followed_up: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None

    @property
    def response_rate(self) -> float | None:
        return _rate(self.responded, self.tickets)

    @property
    def resolution_rate(self) -> float | None:
        return _rate(self.resolved, self.tickets)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied, self.judged)

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.due)

    @property
    def reopen_rate(self) -> float | None:
        return _rate(self.reopened, self.ever_resolved)

    @property
    def follow_up_coverage(self) -> float | None:
        return _rate(self.followed_up, self.resolved)

    @property
    def score(self) -> float | None:
        return ticket_score(self.response_rate, self.resolution_rate, self.satisfaction_rate)

    def as_dict(self) -> dict:
        data = dataclasses.asdict(self)
        for name in ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate", "reopen_rate",
                     "follow_up_coverage", "score"):
            data[name] = getattr(self, name)
        return data


@dataclasses.dataclass(frozen=True)
class TicketComponent:
    """The evaluation's ticket component (§8.1 S_ticket) of one community for a period."""

    community_id: int
    tickets: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    score: float | None


def ticket_score(response: float | None, resolution: float | None, satisfaction: float | None) -> float | None:
    """40·response + 30·resolution + 30·satisfaction on 0–100; without satisfaction 40:30 re-weighted."""
    if response is None or resolution is None:
        return None
    if satisfaction is None:
        return round((40 * response + 30 * resolution) * 100 / 70, 2)
    return round(40 * response + 30 * resolution + 30 * satisfaction, 2)


def local_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants of local midnight of ``start`` and of the day after ``end`` (end inclusive)."""
    lower = dt.datetime.combine(start, dt.time(0), tzinfo=LOCAL).astimezone(dt.timezone.utc)
    upper = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL).astimezone(dt.timezone.utc)
    return lower, upper


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the month containing ``month``."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def shift_year(day: dt.date, years: int = -1) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _group_column(group_by: str):
    if group_by == "tenant":
        return sa.literal("all")
    if group_by == "community":
        return Ticket.community_id
    if group_by == "firm":
        return Ticket.firm_id
    if group_by == "area":
        return Community.area_id
    if group_by == "street":
        return sa.func.coalesce(Area.parent_id, Area.id)
    if group_by == "category":
        return Ticket.category_id
    raise ValueError(f"unknown grouping {group_by!r}")


def _filters(lower, upper, *, visibility=None, area_id=None, firm_id=None, community_id=None) -> list:
    conditions = [Ticket.filed_at >= lower, Ticket.filed_at < upper, Ticket.ticket_type != TicketType.PRAISE]
    if visibility is not None:
        conditions.append(visibility)
    if area_id is not None:
        conditions.append(Ticket.community_id.in_(
            sa.select(Community.id).where(Community.area_id.in_(area_and_children(area_id)))))
    if firm_id is not None:
        conditions.append(Ticket.firm_id == firm_id)
    if community_id is not None:
        conditions.append(Ticket.community_id == community_id)
    return conditions


def _joined(stmt: sa.Select, group_by: str) -> sa.Select:
    if group_by in ("area", "street"):
        stmt = stmt.join(Community, Community.id == Ticket.community_id)
    if group_by == "street":
        stmt = stmt.outerjoin(Area, Area.id == Community.area_id)
    return stmt


def _follow_up_summary(conditions: list):
    """Per ticket of the period: how many follow-up visits, and their verdict (1 all satisfied, 0 any not,
    NULL none). Bounded by the period's tickets, so a month never aggregates the visits of every year."""
    verdict = sa.case((FollowUp.satisfaction.in_(SATISFIED), 1), (FollowUp.satisfaction.in_(DISSATISFIED), 0),
                      else_=None)
    return (sa.select(FollowUp.ticket_id.label("ticket_id"), sa.func.count(FollowUp.id).label("visits"),
                      sa.func.min(verdict).label("verdict"))
            .join(Ticket, Ticket.id == FollowUp.ticket_id).where(*conditions)
            .group_by(FollowUp.ticket_id).subquery("follow_up_summary"))


def _one(condition) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def kpi_rows(start: dt.date, end: dt.date, *, group_by: str = "community", now: dt.datetime | None = None,
             visibility=None, area_id=None, firm_id=None, community_id=None) -> dict:
    """KPIs of the tickets filed from ``start`` to ``end`` (local dates, inclusive), one KpiRow per group.

    Runs in the current tenant's scope. ``visibility`` is a condition on Ticket (a member's view, from
    ``services.visibility``); ``area_id`` / ``firm_id`` / ``community_id`` narrow further (an area with its
    community offices). Returns {group key: KpiRow}; groups without tickets are absent.
    """
    now = now or utcnow()
    lower, upper = local_bounds(start, end)
    conditions = _filters(lower, upper, visibility=visibility, area_id=area_id, firm_id=firm_id,
                          community_id=community_id)
    key = _group_column(group_by).label("key")
    follow = _follow_up_summary(conditions)
    verdict = sa.case((follow.c.verdict.is_not(None), follow.c.verdict),
                      (Ticket.rating.is_not(None), sa.case((Ticket.rating >= 4, 1), else_=0)), else_=None)
    resolved = Ticket.status.in_(RESOLVED_STATUSES)
    responded_at = sa.func.coalesce(Ticket.accepted_at, Ticket.first_resolved_at)
    counts = _joined(sa.select(
        key,
        sa.func.count(Ticket.id).label("tickets"),
        _one(responded_at <= Ticket.response_due_at).label("responded"),
        _one(resolved).label("resolved"),
        _one(Ticket.first_resolved_at.is_not(None)).label("ever_resolved"),
        sa.func.count(verdict).label("judged"),
        sa.func.coalesce(sa.func.sum(verdict), 0).label("satisfied"),
        _one(sa.or_(Ticket.first_resolved_at.is_not(None), Ticket.resolve_due_at < now)).label("due"),
        _one(Ticket.first_resolved_at <= Ticket.resolve_due_at).label("on_time"),
        _one(sa.and_(Ticket.reopen_count > 0, Ticket.first_resolved_at.is_not(None))).label("reopened"),
        _one(sa.and_(resolved, follow.c.visits.is_not(None))).label("followed_up"),
    ).select_from(Ticket).outerjoin(follow, follow.c.ticket_id == Ticket.id), group_by)
    counts = counts.where(*conditions).group_by(key)
    rows = {r.key: dict(r._mapping) for r in db.session.execute(counts)}
    for group, (median, p90) in _percentiles(key, conditions, group_by).items():
        if group in rows:
            rows[group]["median_hours"] = median
            rows[group]["p90_hours"] = p90
    return {group: KpiRow(**values) for group, values in rows.items()}


def _percentiles(key, conditions, group_by: str) -> dict:
    """Median and p90 of the hours to first resolution per group, nearest rank, in SQL (window functions)."""
    hours = hours_between(Ticket.first_resolved_at, Ticket.filed_at)
    ranked = _joined(sa.select(
        key, hours.label("hours"),
        sa.func.row_number().over(partition_by=key, order_by=hours).label("rank"),
        sa.func.count().over(partition_by=key).label("n"),
    ).select_from(Ticket), group_by).where(*conditions, Ticket.first_resolved_at.is_not(None)).subquery("ranked")
    # Nearest rank: ceil(p·n) as integer arithmetic, the same on both databases.
    median_rank = (ranked.c.n + 1) // 2
    p90_rank = (ranked.c.n * 9 + 9) // 10
    stmt = (sa.select(ranked.c.key,
                      sa.func.max(sa.case((ranked.c.rank == median_rank, ranked.c.hours))),
                      sa.func.max(sa.case((ranked.c.rank == p90_rank, ranked.c.hours))))
            .where(sa.or_(ranked.c.rank == median_rank, ranked.c.rank == p90_rank))
            .group_by(ranked.c.key))
    return {group: (_hours(median), _hours(p90)) for group, median, p90 in db.session.execute(stmt)}


def _hours(value) -> float | None:
    return None if value is None else round(float(value), 2)


def month_trend(months: list[dt.date], *, now: dt.datetime | None = None, **scope) -> list[tuple[dt.date, KpiRow]]:
    """The tenant-wide KpiRow of each month (first days given, oldest first), one query per month."""
    result = []
    for month in months:
        first, last = month_bounds(month)
        rows = kpi_rows(first, last, group_by="tenant", now=now, **scope)
        result.append((first, rows.get("all", KpiRow(key="all"))))
    return result


def last_months(month: dt.date, count: int = 6) -> list[dt.date]:
    """The first days of ``count`` months ending with ``month``'s, oldest first."""
    firsts = [month.replace(day=1)]
    while len(firsts) < count:
        firsts.append((firsts[-1] - dt.timedelta(days=1)).replace(day=1))
    return list(reversed(firsts))


@dataclasses.dataclass(frozen=True)
class YearOnYear:
    category_id: int
    current: int
    previous: int

    @property
    def change(self) -> float | None:
        """Relative change on the same period a year earlier (−0.082 for seed 001's −8.2 %); None without a base."""
        return (self.current - self.previous) / self.previous if self.previous else None


def year_on_year(start: dt.date, end: dt.date, **scope) -> dict[int, YearOnYear]:
    """Tickets per category in the period and in the same period a year earlier, in one query."""
    lower, upper = local_bounds(start, end)
    prev_lower, prev_upper = local_bounds(shift_year(start), shift_year(end))
    in_current = sa.and_(Ticket.filed_at >= lower, Ticket.filed_at < upper)
    in_previous = sa.and_(Ticket.filed_at >= prev_lower, Ticket.filed_at < prev_upper)
    conditions = _filters(prev_lower, upper, **scope)
    stmt = (sa.select(Ticket.category_id, _one(in_current), _one(in_previous))
            .where(*conditions, sa.or_(in_current, in_previous)).group_by(Ticket.category_id))
    return {cid: YearOnYear(cid, current, previous) for cid, current, previous in db.session.execute(stmt)}


def ticket_component(tenant_id: int, start_date: dt.date, end_date: dt.date, *,
                     now: dt.datetime | None = None) -> dict[int, TicketComponent]:
    """The evaluation's ticket component (§8.1 S_ticket) of every community with tickets filed in the period.

    ``start_date`` and ``end_date`` are local dates (Asia/Shanghai), both inclusive (a quarter is
    1 October – 31 December). Returns {community_id: TicketComponent} with the tickets counted and the
    response, resolution and satisfaction rates (0–1, None without data) and score = 40·response +
    30·resolution + 30·satisfaction (0–100; re-weighted 40:30 when no ticket has a satisfaction verdict).
    See the module docstring for what counts as responded, resolved and satisfied. Communities without
    tickets in the period are absent (the component is missing for them, not zero).
    Works inside or outside a request: enters the tenant's scope itself.
    """
    from tenants.context import current_tenant_id, tenant_scope
    from tenants.models import Tenant

    def compute():
        rows = kpi_rows(start_date, end_date, group_by="community", now=now)
        return {cid: TicketComponent(community_id=cid, tickets=row.tickets, response_rate=row.response_rate,
                                     resolution_rate=row.resolution_rate, satisfaction_rate=row.satisfaction_rate,
                                     score=row.score)
                for cid, row in rows.items()}

    if current_tenant_id() == tenant_id:
        return compute()
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        return {}
    with tenant_scope(tenant):
        return compute()
