"""What the public reads: the community directory of the tenant's front door, boards laid out for
display, the side-by-side difference between two versions, and the open-data rows (CSV/XLSX/JSON).

Nothing here reads owners, units or bindings: a board's content is what the firm published, and the
registry figures are names of communities, streets and firms.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.communities.models import Area, Community
from portal.communities.services import local_today
from portal.disclosures import services
from portal.disclosures.content import SPECS, Field, fen_to_yuan
from portal.disclosures.deadlines import overdue_sections, rules
from portal.disclosures.models import BoardSection, BoardVersion, DueRule, NoticeBoard, OverdueFact
from portal.extensions import db
from portal.money import yuan
from portal.firms.models import Contract, Firm
from portal.firms.services import in_force_on
from portal.listing import searched


# ----------------------------------------------------------------------------- the front door


def directory_query(q: str | None = None, today: dt.date | None = None) -> sa.Select:
    """Every community of the tenant by name; search words match the community, its community office or
    street, or the firm serving it today."""
    today = today or local_today()
    office, street = aliased(Area), aliased(Area)
    stmt = (sa.select(Community)
            .outerjoin(office, office.id == Community.area_id)
            .outerjoin(street, street.id == office.parent_id)
            .outerjoin(Contract, sa.and_(Contract.community_id == Community.id, in_force_on(today)))
            .outerjoin(Firm, Firm.id == Contract.firm_id)
            .order_by(Community.name, Community.id))
    return searched(stmt, q, Community.name, office.name, street.name, Firm.name)


@dataclass
class DirectoryRow:
    community: Community
    firm: str = ""
    overdue: int = 0

    @property
    def area(self) -> str:
        area = self.community.area
        if area is None:
            return ""
        return f"{area.parent.name} · {area.name}" if area.parent else area.name


def directory_rows(communities: list[Community]) -> list[DirectoryRow]:
    """A directory page's communities with the firm serving each today and its open overdue sections."""
    from portal.firms.services import current_contracts

    ids = [c.id for c in communities]
    if not ids:
        return []
    contracts = current_contracts(ids)
    counts = dict(db.session.execute(
        sa.select(OverdueFact.community_id, sa.func.count()).where(
            OverdueFact.community_id.in_(ids), OverdueFact.resolved_at.is_(None))
        .group_by(OverdueFact.community_id)).all())
    return [DirectoryRow(c, contracts[c.id].firm.name if c.id in contracts else "", counts.get(c.id, 0))
            for c in communities]


# ----------------------------------------------------------------------------- a board, laid out


def display_value(spec: Field, value) -> str:
    if value is None or value == "":
        return ""
    if spec.kind == "fen":
        return yuan(int(value))
    if spec.kind == "choice":
        return str(dict(spec.choices).get(value, value))
    return str(value)


@dataclass
class SectionView:
    section: BoardSection
    version: BoardVersion | None
    fields: list[tuple[str, str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    due: dt.date | None = None  # the due date it missed (overdue), else None

    @property
    def label(self):
        return self.section.label


def lay_out(section: BoardSection, content: dict | None) -> tuple[list, list, list]:
    """(fields as (label, text), column labels, rows of texts) of a section's content."""
    spec = SPECS[section]
    if content is None:
        return [], [str(f.label) for f in spec.rows], []
    values = content.get("fields", {})
    fields = [(str(f.label), display_value(f, values.get(f.name))) for f in spec.fields if f.name in values]
    rows = [[display_value(f, row.get(f.name)) for f in spec.rows] for row in content.get("rows", [])]
    return fields, [str(f.label) for f in spec.rows], rows


@dataclass
class BoardView:
    board: NoticeBoard | None
    contract: Contract
    current: bool
    sections: list[SectionView]

    @property
    def overdue(self) -> list[SectionView]:
        return [s for s in self.sections if s.due is not None]

    @property
    def published_count(self) -> int:
        return sum(1 for s in self.sections if s.version is not None)


def board_views(community: Community, today: dt.date | None = None) -> list[BoardView]:
    """The community's boards: the contract in force first (even before anything is published), then
    earlier firms' boards that published something."""
    today = today or local_today()
    boards = {b.contract_id: b for b in services.boards_of_community(community.id)}
    contracts = list(db.session.scalars(sa.select(Contract).where(Contract.community_id == community.id)
                                        .order_by(Contract.start_date.desc(), Contract.id.desc())))
    latest = services.latest_versions([b.id for b in boards.values()])
    tenant_rules = rules()
    views = []
    for contract in contracts:
        board = boards.get(contract.id)
        current = contract.is_current(today)
        if board is None and not current:
            continue
        newest = latest.get(board.id, {}) if board else {}
        missed = overdue_sections(contract, board, today, tenant_rules) if current else {}
        sections = []
        for section in BoardSection:
            version = newest.get(section)
            fields, columns, rows = lay_out(section, json.loads(version.content) if version else None)
            sections.append(SectionView(section, version, fields, columns, rows, missed.get(section)))
        views.append(BoardView(board, contract, current, sections))
    return views


def page_key(community: Community, today: dt.date, locale: str) -> str:
    """What a public board page depends on, hashed: the heads of its boards (a published version never
    changes, so the head says everything about the content), the contracts, today (deadlines), the due
    rules, the names shown and the language. Used as the ETag and as the render cache's key."""
    heads = db.session.execute(
        sa.select(Contract.id, Contract.start_date, Contract.end_date, Firm.name, NoticeBoard.head_hash)
        .join(Firm, Firm.id == Contract.firm_id)
        .outerjoin(NoticeBoard, NoticeBoard.contract_id == Contract.id)
        .where(Contract.community_id == community.id).order_by(Contract.id)).all()
    stamp = db.session.scalar(sa.select(sa.func.max(DueRule.updated_at)))
    facts = db.session.scalar(sa.select(sa.func.count()).select_from(OverdueFact).where(
        OverdueFact.community_id == community.id, OverdueFact.resolved_at.is_(None)))
    parts = [community.id, community.name, community.address, today.isoformat(), locale, str(stamp), facts,
             [[c, s.isoformat(), e.isoformat() if e else "", f, h or ""] for c, s, e, f, h in heads]]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()[:32]


# ----------------------------------------------------------------------------- the difference


@dataclass
class DiffLine:
    label: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def diff(section: BoardSection, before: dict | None, after: dict) -> list[DiffLine]:
    """Field by field, then row by row (a row as "column: value" pairs), what changed between two versions."""
    spec = SPECS[section]
    old_fields = (before or {}).get("fields", {})
    new_fields = after.get("fields", {})
    lines = [DiffLine(str(f.label), display_value(f, old_fields.get(f.name)), display_value(f, new_fields.get(f.name)))
             for f in spec.fields if f.name in old_fields or f.name in new_fields]
    old_rows, new_rows = (before or {}).get("rows", []), after.get("rows", [])

    def row_text(row):
        return "；".join(f"{f.label}：{display_value(f, row.get(f.name))}" for f in spec.rows if row.get(f.name) not in (None, ""))

    for index in range(max(len(old_rows), len(new_rows))):
        lines.append(DiffLine(f"#{index + 1}", row_text(old_rows[index]) if index < len(old_rows) else "",
                              row_text(new_rows[index]) if index < len(new_rows) else ""))
    return lines


# ----------------------------------------------------------------------------- open data


EXPORT_COLUMNS = ("community", "firm", "contract_id", "board_id", "section", "version", "published_at", "correction",
                  "reason", "hash", "field", "row", "value")


def export_rows(community_ids: Iterable[int] | None = None) -> Iterable[tuple]:
    """One line per published value of the newest version of each section: community, firm, section,
    version, publication time, hash, then the field (or row number and column) and its value (fen as yuan)."""
    stmt = (sa.select(NoticeBoard, Community.name, Firm.name).join(Community, Community.id == NoticeBoard.community_id)
            .join(Firm, Firm.id == NoticeBoard.firm_id).order_by(Community.name, NoticeBoard.id))
    if community_ids is not None:
        stmt = stmt.where(NoticeBoard.community_id.in_(list(community_ids)))
    for board, community, firm in db.session.execute(stmt):
        for section, version in sorted(services.latest_versions([board.id])[board.id].items(), key=lambda kv: kv[1].seq):
            spec = SPECS[section]
            content = json.loads(version.content)
            head = (community, firm, board.contract_id, board.id, section.value, version.seq,
                    version.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "yes" if version.is_correction else "",
                    version.reason, version.hash)
            for f in spec.fields:
                if f.name in content.get("fields", {}):
                    yield head + (f.name, "", _export_value(f, content["fields"][f.name]))
            for index, row in enumerate(content.get("rows", []), start=1):
                for f in spec.rows:
                    if f.name in row:
                        yield head + (f.name, index, _export_value(f, row[f.name]))


def _export_value(spec: Field, value) -> str:
    return fen_to_yuan(value) if spec.kind == "fen" else str(value)
