"""Demo ledgers: a year of entries (2025 Q4 to 2026 Q3) for every community of a demo tenant and four
quarterly statements, most signed off. Deterministic (a random generator seeded by the community's name)
and idempotent: a community that has entries already is left as it is."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import sqlalchemy as sa

from portal.audit.services import record
from portal.communities.models import Area, Community
from portal.db import utcnow
from portal.extensions import db
from portal.ledger import services, statements
from portal.ledger.models import AccountType, LedgerCategory, LedgerEntry, LedgerStatement

QUARTERS = ((2025, 4), (2026, 1), (2026, 2), (2026, 3))
CAPACITY_COMMITTEE = "业主委员会委员"

# income category code -> (counterparty, is a private person, fen low, fen high, entries a quarter)
INCOMES = (
    ("parking", "高唐县顺达停车管理有限公司", False, 300_000, 900_000, 3),
    ("advertising", "聊城分众楼宇广告有限公司", False, 200_000, 600_000, 1),
    ("venue_rent", "刘桂兰", True, 150_000, 300_000, 1),
    ("telecom", "中国移动通信集团山东有限公司高唐分公司", False, 120_000, 240_000, 1),
    ("facility_fees", "丰巢网络技术有限公司", False, 40_000, 90_000, 1),
    ("interest", "中国农业银行高唐支行", False, 500, 3_000, 1),
)


@dataclass
class Signer:
    """Who signs a community's statements in the demo: a demo account, or a named officer without one."""

    name: str
    capacity: str
    user: object | None = None


def _category_ids() -> dict[str, LedgerCategory]:
    return {c.code: c for c in db.session.scalars(sa.select(LedgerCategory))}


def _day(rng: random.Random, year: int, quarter: int) -> dt.date:
    start, end = services.quarter_bounds(year, quarter)
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _entries_of_quarter(tenant, community: Community, categories, rng: random.Random, year: int, quarter: int,
                        actor, contract_id, rule) -> list[LedgerEntry]:
    account = services.default_account_type(community)
    made = []

    def add(code: str, counterparty: str, individual: bool, fen: int, note: str = "") -> LedgerEntry:
        category = categories[code]
        entry = LedgerEntry(tenant_id=tenant.id, community_id=community.id, entry_date=_day(rng, year, quarter),
                            direction=category.direction, category_id=category.id, amount_fen=fen,
                            counterparty=counterparty, counterparty_is_individual=individual, contract_id=contract_id,
                            account_type=account if code != "interest" else AccountType.DEDICATED, note=note,
                            recorded_by_id=getattr(actor, "id", None))
        made.append(entry)
        return entry

    income = 0
    for code, counterparty, individual, low, high, times in INCOMES:
        if code == "venue_rent" and rng.randrange(10) < 4:
            continue
        for _ in range(times):
            fen = rng.randrange(low, high) // 100 * 100
            add(code, counterparty, individual, fen)
            income += fen
    cost = income * rng.randrange(12, 20) // 100 // 100 * 100  # the firm's agreed share and taxes
    add("reasonable_cost", "物业服务企业（合同约定管理费及税费）", False, cost, "按物业服务合同约定比例计提")
    net = income - cost
    required = statements.required_repair(net, rule)
    add("repair_fund", "高唐县住房专项维修资金管理中心", False, max(required, net * 55 // 100 // 100 * 100),
        "按季度补充专项维修资金")
    if quarter in (2, 3):
        add("common_repairs", "高唐县永固防水工程有限公司", False, rng.randrange(80_000, 200_000) // 100 * 100,
            "单元楼顶防水维修（业主大会决定）")
    if quarter == 4:
        add("audit_fees", "山东鲁信会计师事务所", False, 300_000, "年度公共收益审计")
    return made


def load_demo_ledger(tenant, *, keepers: dict[int, object], signers: dict[int, Signer],
                     awaiting: set[int] = frozenset(), reversal_in: int | None = None) -> int:
    """Entries and statements for every community of ``tenant`` (inside its tenant scope).

    ``keepers``: community id -> the user who records (None: the system); ``signers``: community id -> who
    signs off; ``awaiting``: communities whose last quarter is left for their signer to sign in the demo;
    ``reversal_in``: a community with one reversed entry. Returns how many communities got a ledger."""
    from portal.firms.services import current_contracts

    services.ensure_categories(tenant)
    rule = services.settings()
    categories = _category_ids()
    communities = list(db.session.scalars(sa.select(Community).order_by(Community.id)))
    contracts = current_contracts([c.id for c in communities], on=dt.date(2026, 9, 30))
    done = 0
    for community in communities:
        if db.session.scalar(sa.select(LedgerEntry.id).where(LedgerEntry.community_id == community.id).limit(1)):
            continue
        rng = random.Random(f"ledger-{community.name}")
        actor = keepers.get(community.id)
        contract = contracts.get(community.id)
        for year, quarter in QUARTERS:
            db.session.add_all(_entries_of_quarter(tenant, community, categories, rng, year, quarter, actor,
                                                   contract.id if contract else None, rule))
        db.session.flush()
        if community.id == reversal_in:
            _demo_reversal(tenant, community, actor)
        signer = signers.get(community.id)
        for year, quarter in QUARTERS:
            if signer is None or ((year, quarter) == QUARTERS[-1] and community.id in awaiting):
                break
            _sign(tenant, community, year, quarter, signer)
        done += 1
    db.session.flush()
    return done


def _demo_reversal(tenant, community: Community, actor) -> None:
    """A parking entry of 2026 Q3 recorded twice by mistake, and its reversal with the reason."""
    start, end = services.quarter_bounds(2026, 3)
    original = db.session.scalar(sa.select(LedgerEntry).join(LedgerCategory, LedgerCategory.id == LedgerEntry.category_id)
                                 .where(LedgerEntry.community_id == community.id, LedgerCategory.code == "parking",
                                        LedgerEntry.entry_date.between(start, end)).order_by(LedgerEntry.id).limit(1))
    if original is None:
        return
    twin = LedgerEntry(tenant_id=tenant.id, community_id=community.id, entry_date=original.entry_date,
                       direction=original.direction, category_id=original.category_id, amount_fen=original.amount_fen,
                       counterparty=original.counterparty, contract_id=original.contract_id,
                       account_type=original.account_type, recorded_by_id=getattr(actor, "id", None))
    db.session.add(twin)
    db.session.flush()
    db.session.add(LedgerEntry(tenant_id=tenant.id, community_id=community.id, entry_date=end,
                               direction=twin.direction, category_id=twin.category_id, amount_fen=-twin.amount_fen,
                               counterparty=twin.counterparty, contract_id=twin.contract_id,
                               account_type=twin.account_type, reverses_id=twin.id, note="同一笔停车费重复录入，冲销",
                               recorded_by_id=getattr(actor, "id", None)))
    db.session.flush()


def _sign(tenant, community: Community, year: int, quarter: int, signer: Signer) -> None:
    if statements.stored(community.id, year, quarter) is not None:
        return
    figures = statements.compute(community.id, year, quarter)
    signed_at = dt.datetime.combine(services.quarter_bounds(*statements.next_quarter(year, quarter))[0],
                                    dt.time(2, 0), tzinfo=dt.timezone.utc) + dt.timedelta(days=9)
    row = LedgerStatement(tenant_id=tenant.id, community_id=community.id, year=year, quarter=quarter,
                          opening_fen=figures.opening_fen, income_fen=figures.income_fen, cost_fen=figures.cost_fen,
                          repair_fund_fen=figures.repair_fund_fen, spending_fen=figures.spending_fen,
                          required_repair_fen=figures.required_repair_fen, closing_fen=figures.closing_fen,
                          entry_count=figures.entry_count, signed_by_id=getattr(signer.user, "id", None),
                          signed_by_name=signer.name, signed_by_capacity=signer.capacity,
                          signed_at=min(signed_at, utcnow()))
    db.session.add(row)
    db.session.flush()
    record(tenant=tenant, actor=signer.user, action="ledger.statement_signed", object_type="ledger_statement",
           object_id=row.id, summary=f"{community.name} {year}Q{quarter}",
           after={"year": year, "quarter": quarter, "closing_fen": row.closing_fen, "by": signer.capacity})


def street_of(community: Community) -> Area | None:
    area = db.session.get(Area, community.area_id) if community.area_id else None
    while area is not None and area.parent_id:
        area = db.session.get(Area, area.parent_id)
    return area
