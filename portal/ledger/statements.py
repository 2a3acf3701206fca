"""Quarterly statements: figures summed by the database in integer fen, sign-off (which freezes them), the
bureau overview across the tenant and the public summary the notice board links to."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.communities.models import Area, Community
from portal.communities.services import area_and_children, local_today
from portal.db import utcnow
from portal.extensions import db
from portal.ledger.models import CategoryKind, Direction, LedgerCategory, LedgerEntry, LedgerStatement
from portal.money import yuan
from portal.ledger.services import (
    LedgerError,
    lock_community,
    next_quarter,
    previous_quarter,
    quarter_bounds,
    quarter_of,
    settings,
)

# +amount for income, -amount for expense (reversals carry their own negative sign).
SIGNED_AMOUNT = sa.case((LedgerEntry.direction == Direction.INCOME, LedgerEntry.amount_fen),
                        else_=-LedgerEntry.amount_fen)


@dataclass
class Figures:
    """A quarter's statement; ``signed`` is the stored statement when it has been signed off."""

    community_id: int
    year: int
    quarter: int
    opening_fen: int = 0
    income_fen: int = 0
    cost_fen: int = 0
    repair_fund_fen: int = 0
    spending_fen: int = 0
    required_repair_fen: int = 0
    entry_count: int = 0
    signed: LedgerStatement | None = None

    @property
    def net_fen(self) -> int:
        """Income less reasonable costs: what belongs to the owners (Civil Code art. 282)."""
        return self.income_fen - self.cost_fen

    @property
    def expense_fen(self) -> int:
        return self.cost_fen + self.repair_fund_fen + self.spending_fen

    @property
    def closing_fen(self) -> int:
        return self.opening_fen + self.income_fen - self.expense_fen

    @property
    def meets_rule(self) -> bool:
        return self.repair_fund_fen >= self.required_repair_fen

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def ended(self) -> bool:
        return quarter_bounds(self.year, self.quarter)[1] < local_today()


def required_repair(net_fen: int, rule) -> int:
    """The repair-fund allocation the tenant's rule asks of a quarter: ``percent`` of a positive net when the
    fund is marked low (rounded up to the fen), else nothing."""
    if not rule.repair_fund_low or net_fen <= 0:
        return 0
    return -(-net_fen * int(rule.min_repair_percent) // 100)


def stored(community_id: int, year: int, quarter: int) -> LedgerStatement | None:
    return db.session.scalar(sa.select(LedgerStatement).where(
        LedgerStatement.community_id == community_id, LedgerStatement.year == year, LedgerStatement.quarter == quarter))


def from_statement(row: LedgerStatement) -> Figures:
    return Figures(row.community_id, row.year, row.quarter, row.opening_fen, row.income_fen, row.cost_fen,
                   row.repair_fund_fen, row.spending_fen, row.required_repair_fen, row.entry_count, signed=row)


def compute(community_id: int, year: int, quarter: int, rule=None) -> Figures:
    """The quarter's figures from its entries (SQL sums); the stored ones once it is signed off."""
    row = stored(community_id, year, quarter)
    if row is not None:
        return from_statement(row)
    start, end = quarter_bounds(year, quarter)
    opening = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(SIGNED_AMOUNT), 0)).where(
        LedgerEntry.community_id == community_id, LedgerEntry.entry_date < start)) or 0
    sums = db.session.execute(
        sa.select(LedgerCategory.kind, sa.func.coalesce(sa.func.sum(LedgerEntry.amount_fen), 0), sa.func.count())
        .join(LedgerCategory, LedgerCategory.id == LedgerEntry.category_id)
        .where(LedgerEntry.community_id == community_id, LedgerEntry.entry_date.between(start, end))
        .group_by(LedgerCategory.kind)).all()
    by_kind = {kind: int(total) for kind, total, _count in sums}
    figures = Figures(community_id, year, quarter, opening_fen=int(opening),
                      income_fen=by_kind.get(CategoryKind.INCOME, 0), cost_fen=by_kind.get(CategoryKind.COST, 0),
                      repair_fund_fen=by_kind.get(CategoryKind.REPAIR_FUND, 0),
                      spending_fen=by_kind.get(CategoryKind.SPENDING, 0),
                      entry_count=sum(int(count) for _kind, _total, count in sums))
    figures.required_repair_fen = required_repair(figures.net_fen, rule or settings())
    return figures


def first_quarter(community_id: int) -> tuple[int, int] | None:
    first = db.session.scalar(sa.select(sa.func.min(LedgerEntry.entry_date)).where(LedgerEntry.community_id == community_id))
    return quarter_of(first) if first else None


def quarters(community_id: int, limit: int = 12) -> list[Figures]:
    """The community's statements from its first entry to the current quarter, newest first (at most ``limit``)."""
    first = first_quarter(community_id)
    if first is None:
        return []
    current = quarter_of(local_today())
    keys = []
    key = current
    while key >= first and len(keys) < limit:
        keys.append(key)
        key = previous_quarter(*key)
    rule = settings()
    return [compute(community_id, y, q, rule) for y, q in keys]


def sign_off(*, tenant, actor, community: Community, year: int, quarter: int, capacity: str) -> LedgerStatement:
    """Freeze a quarter's figures as signed by ``actor`` (``capacity``: their role and office, kept as text;
    public pages show the capacity, never the person's name).

    The quarter must have ended, every earlier quarter with entries must be signed off first, and a quarter
    is signed off once; afterwards no entry may be dated in it or before it."""
    if stored(community.id, year, quarter) is not None:
        raise LedgerError(None, _l("This quarter is signed off already."), status=409)
    start, end = quarter_bounds(year, quarter)
    if end >= local_today():
        raise LedgerError(None, _l("A quarter can be signed off only after it has ended."), status=409)
    first = first_quarter(community.id)
    if first is not None and first < (year, quarter):
        key = previous_quarter(year, quarter)
        while key >= first:
            if stored(community.id, *key) is None and compute(community.id, *key).entry_count:
                raise LedgerError(None, _l("Sign off %(label)s first: quarters are signed off in order.",
                                           label=f"{key[0]}Q{key[1]}"), status=409)
            key = previous_quarter(*key)
    lock_community(community.id)  # two sign-offs, or an entry racing one, serialise (PostgreSQL)
    if stored(community.id, year, quarter) is not None:
        raise LedgerError(None, _l("This quarter is signed off already."), status=409)
    figures = compute(community.id, year, quarter)
    row = LedgerStatement(tenant_id=tenant.id, community_id=community.id, year=year, quarter=quarter,
                          opening_fen=figures.opening_fen, income_fen=figures.income_fen, cost_fen=figures.cost_fen,
                          repair_fund_fen=figures.repair_fund_fen, spending_fen=figures.spending_fen,
                          required_repair_fen=figures.required_repair_fen, closing_fen=figures.closing_fen,
                          entry_count=figures.entry_count, signed_by_id=getattr(actor, "id", None),
                          signed_by_name=(getattr(actor, "display_name", "") or "")[:80],
                          signed_by_capacity=capacity[:200], signed_at=utcnow())
    db.session.add(row)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="ledger.statement_signed", object_type="ledger_statement",
           object_id=row.id, summary=f"{community.name} {year}Q{quarter} {yuan(row.closing_fen)}",
           after={"year": year, "quarter": quarter, "income_fen": row.income_fen, "closing_fen": row.closing_fen,
                  "by": capacity[:200]})
    return row


def public_summary(tenant, community_id: int, limit: int = 4) -> list[dict]:
    """The latest signed-off statements of a community, newest first, for the notice board's
    public-revenue section: quarter, income_fen, expense_fen, repair_fund_fen, balance_fen."""
    rows = db.session.scalars(sa.select(LedgerStatement).where(
        LedgerStatement.tenant_id == tenant.id, LedgerStatement.community_id == community_id)
        .order_by(LedgerStatement.year.desc(), LedgerStatement.quarter.desc()).limit(limit))
    return [{"quarter": f"{r.year}Q{r.quarter}", "income_fen": r.income_fen,
             "expense_fen": r.cost_fen + r.repair_fund_fen + r.spending_fen, "repair_fund_fen": r.repair_fund_fen,
             "balance_fen": r.closing_fen, "signed_at": r.signed_at} for r in rows]


def latest_signed(community_ids: list[int]) -> dict[int, LedgerStatement]:
    """community id -> its latest signed-off statement (for a page of communities, one query)."""
    if not community_ids:
        return {}
    rank = sa.func.row_number().over(partition_by=LedgerStatement.community_id,
                                     order_by=(LedgerStatement.year.desc(), LedgerStatement.quarter.desc())).label("rank")
    sub = sa.select(LedgerStatement.id, rank).where(LedgerStatement.community_id.in_(community_ids)).subquery()
    rows = db.session.scalars(sa.select(LedgerStatement).join(sub, sub.c.id == LedgerStatement.id).where(sub.c.rank == 1))
    return {r.community_id: r for r in rows}


# --- the bureau overview ------------------------------------------------------------------------------

@dataclass
class OverviewTotals:
    communities: int
    with_revenue: int
    with_account: int
    income_to_date_fen: int
    quarter_income_fen: int
    quarter_expense_fen: int
    balance_fen: int
    signed: int


@dataclass
class CommunitySums:
    """A community's line in the overview for one quarter."""

    q_income: int = 0
    q_expense: int = 0
    income_to_date: int = 0
    balance: int = 0
    entries: int = 0
    signed: bool = False


def overview_query(community_ids, *, q: str | None = None, area_id: int | None = None,
                   recorded: bool | None = None) -> sa.Select:
    """The communities of the overview (a SELECT of Community, by name): what the member sees, narrowed by
    name or address, area (a street with its offices) and whether any revenue is recorded."""
    from portal.listing import searched

    stmt = sa.select(Community)
    if community_ids is not None:
        stmt = stmt.where(Community.id.in_(community_ids))
    stmt = searched(stmt, q, Community.name, Community.address)
    if area_id:
        stmt = stmt.where(Community.area_id.in_(area_and_children(area_id)))
    if recorded is not None:
        has_entries = sa.exists().where(LedgerEntry.community_id == Community.id)
        stmt = stmt.where(has_entries if recorded else sa.not_(has_entries))
    return stmt.order_by(Community.name, Community.id)


def _sums_select(start: dt.date, end: dt.date):
    in_quarter = LedgerEntry.entry_date.between(start, end)
    income = LedgerEntry.direction == Direction.INCOME
    return (sa.func.coalesce(sa.func.sum(sa.case((sa.and_(in_quarter, income), LedgerEntry.amount_fen), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((sa.and_(in_quarter, sa.not_(income)), LedgerEntry.amount_fen),
                                                 else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((income, LedgerEntry.amount_fen), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(SIGNED_AMOUNT), 0))


def sums_for(community_ids: list[int], year: int, quarter: int) -> dict[int, CommunitySums]:
    """The overview's figures for these communities (a page of them): one grouped query over their entries
    up to the quarter's end (the (tenant, community, date) index), one for their sign-offs."""
    if not community_ids:
        return {}
    start, end = quarter_bounds(year, quarter)
    rows = db.session.execute(
        sa.select(LedgerEntry.community_id, *_sums_select(start, end), sa.func.count())
        .where(LedgerEntry.community_id.in_(community_ids), LedgerEntry.entry_date <= end)
        .group_by(LedgerEntry.community_id)).all()
    out = {cid: CommunitySums(int(a), int(b), int(c), int(d), int(n)) for cid, a, b, c, d, n in rows}
    for cid in db.session.scalars(sa.select(LedgerStatement.community_id).where(
            LedgerStatement.community_id.in_(community_ids), LedgerStatement.year == year,
            LedgerStatement.quarter == quarter)):
        out.setdefault(cid, CommunitySums()).signed = True
    return out


def overview_totals(communities: sa.Select, year: int, quarter: int) -> OverviewTotals:
    """The figures seed 001 reports for the whole filtered list, summed by the database."""
    start, end = quarter_bounds(year, quarter)
    ids = communities.with_only_columns(Community.id).order_by(None)
    count, with_account = db.session.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((Community.revenue_account_number != "", 1), else_=0)), 0))
        .where(Community.id.in_(ids))).one()
    q_income, q_expense, to_date, balance, with_revenue = db.session.execute(
        sa.select(*_sums_select(start, end), sa.func.count(sa.distinct(LedgerEntry.community_id)))
        .where(LedgerEntry.community_id.in_(ids), LedgerEntry.entry_date <= end)).one()
    signed = db.session.scalar(sa.select(sa.func.count()).select_from(LedgerStatement).where(
        LedgerStatement.community_id.in_(ids), LedgerStatement.year == year, LedgerStatement.quarter == quarter)) or 0
    return OverviewTotals(int(count), int(with_revenue), int(with_account), int(to_date), int(q_income),
                          int(q_expense), int(balance), int(signed))


def area_names(area_ids) -> dict[int, str]:
    ids = {i for i in area_ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Area.id, Area.name).where(Area.id.in_(ids))).all())


def default_quarter() -> tuple[int, int]:
    """The overview opens on the last ended quarter (the one statements are due for)."""
    return previous_quarter(*quarter_of(local_today()))


def parse_quarter(text: str | None) -> tuple[int, int] | None:
    """"2026Q3" (or "2026-Q3", "2026q3") -> (2026, 3); None if it is not one."""
    import re

    match = re.fullmatch(r"\s*([0-9]{4})\s*-?\s*[Qq]([1-4])\s*", text or "")
    if not match:
        return None
    year, quarter = int(match.group(1)), int(match.group(2))
    return (year, quarter) if 2000 <= year <= 2200 else None


def quarter_choices(count: int = 12) -> list[tuple[str, str]]:
    key = quarter_of(local_today())
    out = []
    for _ in range(count):
        out.append((f"{key[0]}Q{key[1]}", f"{key[0]}Q{key[1]}"))
        key = previous_quarter(*key)
    return out


__all__ = ["Figures", "compute", "quarters", "sign_off", "public_summary", "overview_query", "overview_totals",
           "sums_for", "next_quarter"]
