"""When each section falls due, which sections of a board are overdue, and the dated overdue facts the
evaluation reads (detected by ``flask boards check-deadlines``, resolved when the section is published)."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.communities.models import Community
from portal.communities.services import local_today, visible_community_ids
from portal.db import utcnow
from portal.disclosures.content import DisclosureError
from portal.disclosures.models import (
    SECTION_NAMES_ZH,
    BoardSection,
    BoardVersion,
    DueFrequency,
    DueRule,
    NoticeBoard,
    OverdueFact,
)
from portal.extensions import db
from portal.firms.models import Contract
from portal.listing import searched


@dataclass(frozen=True)
class Rule:
    section: BoardSection
    frequency: DueFrequency
    days: int


DEFAULT_RULES: dict[BoardSection, Rule] = {s: Rule(s, DueFrequency.CURRENT, 30) for s in BoardSection}
DEFAULT_RULES[BoardSection.PUBLIC_REVENUE] = Rule(BoardSection.PUBLIC_REVENUE, DueFrequency.QUARTERLY, 15)
DEFAULT_RULES[BoardSection.FINANCE] = Rule(BoardSection.FINANCE, DueFrequency.YEARLY, 90)
DEFAULT_RULES[BoardSection.FEES] = Rule(BoardSection.FEES, DueFrequency.BEFORE_EFFECT, 30)


def rules() -> dict[BoardSection, Rule]:
    """The current tenant's rules: its own rows over the defaults."""
    result = dict(DEFAULT_RULES)
    for row in db.session.scalars(sa.select(DueRule)):
        result[row.section] = Rule(row.section, row.frequency, row.days)
    return result


def rule_for(section: BoardSection) -> Rule:
    return rules()[section]


def set_rule(*, tenant, actor, section: BoardSection, frequency: DueFrequency, days: int) -> DueRule:
    """Change when ``section`` falls due in this tenant (the bureau administrator's setting)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 366:
        raise DisclosureError("days", _l("Days: enter a whole number from 0 to 366."))
    row = db.session.scalar(sa.select(DueRule).where(DueRule.section == section))
    before = rule_for(section)
    if row is None:
        row = DueRule(section=section, frequency=frequency, days=days)
        db.session.add(row)
    row.frequency, row.days, row.updated_at = frequency, days, utcnow()
    db.session.flush()
    record(tenant=tenant, actor=actor, action="board.due_rule_changed", object_type="board_due_rule",
           object_id=section.value, summary=SECTION_NAMES_ZH[section],
           before={"frequency": before.frequency.value, "days": before.days},
           after={"frequency": frequency.value, "days": days})
    db.session.flush()
    return row


# ----------------------------------------------------------------------------- what is due


def _quarter_end(day: dt.date) -> dt.date:
    """The last day of the quarter before the one ``day`` is in."""
    first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return first - dt.timedelta(days=1)


def _quarter_label(end: dt.date) -> str:
    return f"{end.year}Q{(end.month - 1) // 3 + 1}"


def _covers(section: BoardSection, versions: list[BoardVersion], period_end: dt.date) -> bool:
    """Whether a published version covers the period that ended on ``period_end``."""
    latest = versions[-1] if versions else None
    if latest is None:
        return False
    content = json.loads(latest.content)
    if section == BoardSection.PUBLIC_REVENUE:
        return any(row.get("quarter") == _quarter_label(period_end) for row in content.get("rows", []))
    if section == BoardSection.FINANCE:
        return content.get("fields", {}).get("budget_year", 0) > period_end.year
    from portal.disclosures.services import _local_date

    return any(_local_date(v.published_at) > period_end for v in versions)


def due_date_missed(rule: Rule, contract: Contract, versions: list[BoardVersion], today: dt.date) -> dt.date | None:
    """The due date ``today`` is past and the section has not met, or None (nothing overdue)."""
    if rule.frequency in (DueFrequency.CURRENT, DueFrequency.BEFORE_EFFECT):
        due = contract.start_date + dt.timedelta(days=rule.days)
        return due if today > due and not versions else None
    if rule.frequency == DueFrequency.QUARTERLY:
        end = _quarter_end(today)
        while end + dt.timedelta(days=rule.days) >= today:
            end = _quarter_end(end)  # that quarter's grace is still running: the quarter before it
    else:
        end = dt.date(today.year - 1, 12, 31)
        if end + dt.timedelta(days=rule.days) >= today:
            end = dt.date(today.year - 2, 12, 31)
    if contract.start_date > end:
        return None  # the firm was not serving during that period
    due = end + dt.timedelta(days=rule.days)
    return None if _covers(rule.section, versions, end) else due


def overdue_sections(contract: Contract, board: NoticeBoard | None, today: dt.date | None = None,
                     tenant_rules: dict | None = None) -> dict[BoardSection, dt.date]:
    """section -> the due date it missed, for the board of ``contract`` (no board: nothing published yet)."""
    today = today or local_today()
    if not contract.is_current(today):
        return {}
    tenant_rules = tenant_rules or rules()
    by_section: dict[BoardSection, list[BoardVersion]] = {s: [] for s in BoardSection}
    if board is not None:
        for version in db.session.scalars(sa.select(BoardVersion).where(BoardVersion.board_id == board.id)
                                          .order_by(BoardVersion.seq)):
            by_section[version.section].append(version)
    missed = {}
    for section in BoardSection:
        due = due_date_missed(tenant_rules[section], contract, by_section[section], today)
        if due is not None:
            missed[section] = due
    return missed


# ----------------------------------------------------------------------------- dated facts


def detect(*, tenant, today: dt.date | None = None, now: dt.datetime | None = None) -> tuple[int, int]:
    """Record a fact for every overdue section of every contract in force (creating boards that are missing),
    and resolve the facts that no longer hold. Returns (new facts, resolved facts)."""
    from portal.disclosures.services import ensure_board
    from portal.firms.services import in_force_on

    today, now = today or local_today(), now or utcnow()
    tenant_rules = rules()
    open_facts = {(f.board_id, f.section, f.due_date): f for f in db.session.scalars(
        sa.select(OverdueFact).where(OverdueFact.resolved_at.is_(None)))}
    known = set(db.session.execute(sa.select(OverdueFact.board_id, OverdueFact.section, OverdueFact.due_date)).all())
    added, still = 0, set()
    for contract in db.session.scalars(sa.select(Contract).where(in_force_on(today)).order_by(Contract.id)):
        board = ensure_board(contract)
        for section, due in overdue_sections(contract, board, today, tenant_rules).items():
            key = (board.id, section, due)
            still.add(key)
            if key not in known:
                db.session.add(OverdueFact(board_id=board.id, community_id=board.community_id, section=section,
                                           due_date=due, detected_at=now))
                added += 1
    resolved = 0
    for key, fact in open_facts.items():
        if key not in still:
            fact.resolved_at = now
            resolved += 1
    db.session.flush()
    if added or resolved:
        record(tenant=tenant, actor=None, action="board.deadlines_checked", object_type="tenant", object_id=tenant.id,
               summary=f"逾期栏目新增 {added} 项，已补发 {resolved} 项")
        db.session.flush()
    return added, resolved


def resolve_facts(board: NoticeBoard, section: BoardSection, now: dt.datetime) -> None:
    """After a publication: the board's open facts about ``section`` that it settles are resolved."""
    from portal.disclosures.services import _local_date

    missed = overdue_sections(board.contract, board, _local_date(now))
    for fact in db.session.scalars(sa.select(OverdueFact).where(
            OverdueFact.board_id == board.id, OverdueFact.section == section, OverdueFact.resolved_at.is_(None))):
        if missed.get(section) != fact.due_date:
            fact.resolved_at = now


def open_facts_query(memberships: Iterable, q: str | None = None, section: BoardSection | None = None) -> sa.Select:
    """Open overdue facts the member may see (an area officer: her area), by due date."""
    stmt = (sa.select(OverdueFact).join(Community, Community.id == OverdueFact.community_id)
            .where(OverdueFact.resolved_at.is_(None)).order_by(OverdueFact.due_date, Community.name, OverdueFact.id))
    ids = visible_community_ids(memberships)
    if ids is not None:
        stmt = stmt.where(OverdueFact.community_id.in_(ids))
    if section is not None:
        stmt = stmt.where(OverdueFact.section == section)
    return searched(stmt, q, Community.name)
