"""Notice-board rules: who may edit a board, drafts, publishing into the hash chain, corrections, and
the verifier. Services flush and record an audit event; the request (or CLI command) commits once."""
from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session, lazyload

from portal.audit.services import record
from portal.communities.services import can_see_community, local_today
from portal.db import utcnow
from portal.disclosures.chain import BrokenLink, canonical_json, first_broken_link, version_hash
from portal.disclosures.content import DisclosureError, check_fee_notice, clean_content, empty_content
from portal.disclosures.models import SECTION_NAMES_ZH, BoardDraft, BoardSection, BoardVersion, NoticeBoard
from portal.extensions import db
from portal.firms.models import Contract
from tenants.roles import FIRM_KIND, Role

logger = logging.getLogger(__name__)

# Who edits and publishes, before the object check (may_edit_board): in a bureau's tenant the firm's own
# staff; in a firm's tenant the firm's administrator, head office, branch managers and project teams.
FIRM_TENANT_EDITORS = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.AREA_OFFICER, Role.PROJECT_MANAGER,
                                 Role.PROJECT_STAFF})
PAGE_CACHE_FLAG = "public_pages_changed"  # portal.dashboard.public empties the page cache after the commit


class ImmutableVersion(RuntimeError):
    """A published version was about to be changed or deleted (never allowed)."""


@event.listens_for(Session, "before_flush")
def refuse_changes_to_versions(session: Session, flush_context, instances) -> None:
    """The ORM wall: published versions are append-only (PostgreSQL adds a trigger behind it)."""
    for obj in session.deleted:
        if isinstance(obj, BoardVersion):
            raise ImmutableVersion(f"published version {obj.id} of board {obj.board_id} cannot be deleted")
    for obj in session.dirty:
        if isinstance(obj, BoardVersion) and session.is_modified(obj, include_collections=False):
            raise ImmutableVersion(f"published version {obj.id} of board {obj.board_id} cannot be changed")


# ----------------------------------------------------------------------------- who may edit


def is_firm_tenant(tenant) -> bool:
    return getattr(tenant.kind, "value", tenant.kind) == FIRM_KIND


def may_edit_board(memberships: Iterable, tenant, contract: Contract, today: dt.date | None = None) -> bool:
    """Whether these memberships may edit and publish the board of ``contract``.

    Only the contract in force is edited (an ended contract's board is history). In a bureau's tenant:
    firm staff bound to the contract's firm, nobody else (the bureau supervises, it does not write the
    firm's disclosures). In a firm's tenant: its editing roles, each within what it may see.
    """
    today = today or local_today()
    if not contract.is_current(today):
        return False
    active = [m for m in memberships if m.is_active]
    if not is_firm_tenant(tenant):
        return any(m.role == Role.FIRM_STAFF and m.firm_id == contract.firm_id for m in active)
    editors = [m for m in active if m.role in FIRM_TENANT_EDITORS]
    return bool(editors) and can_see_community(editors, contract.community_id)


def may_edit_any(memberships: Iterable, tenant) -> bool:
    """Whether these memberships edit boards at all (the staff pages' entry points)."""
    active = [m for m in memberships if m.is_active]
    if is_firm_tenant(tenant):
        return any(m.role in FIRM_TENANT_EDITORS for m in active)
    return any(m.role == Role.FIRM_STAFF and m.firm_id for m in active)


# ----------------------------------------------------------------------------- reading


def board_of_contract(contract_id: int) -> NoticeBoard | None:
    return db.session.scalar(sa.select(NoticeBoard).where(NoticeBoard.contract_id == contract_id))


def ensure_board(contract: Contract) -> NoticeBoard:
    """The board of ``contract``, created (flushed) on first use."""
    board = board_of_contract(contract.id)
    if board is None:
        board = NoticeBoard(contract_id=contract.id, community_id=contract.community_id, firm_id=contract.firm_id)
        db.session.add(board)
        db.session.flush()
    return board


def boards_of_community(community_id: int) -> list[NoticeBoard]:
    """The community's boards, newest contract first (the current firm's, then earlier firms')."""
    return list(db.session.scalars(sa.select(NoticeBoard).join(Contract, Contract.id == NoticeBoard.contract_id)
                                   .where(NoticeBoard.community_id == community_id)
                                   .order_by(Contract.start_date.desc(), NoticeBoard.id.desc())))


def versions_of(board: NoticeBoard, section: BoardSection | None = None) -> list[BoardVersion]:
    stmt = sa.select(BoardVersion).where(BoardVersion.board_id == board.id).order_by(BoardVersion.seq)
    if section is not None:
        stmt = stmt.where(BoardVersion.section == section)
    return list(db.session.scalars(stmt))


def latest_versions(board_ids: Iterable[int]) -> dict[int, dict[BoardSection, BoardVersion]]:
    """board id -> section -> its newest published version (one query)."""
    ids = list(board_ids)
    if not ids:
        return {}
    newest = (sa.select(BoardVersion.board_id, BoardVersion.section, sa.func.max(BoardVersion.seq).label("seq"))
              .where(BoardVersion.board_id.in_(ids)).group_by(BoardVersion.board_id, BoardVersion.section).subquery())
    stmt = sa.select(BoardVersion).join(newest, sa.and_(BoardVersion.board_id == newest.c.board_id,
                                                        BoardVersion.seq == newest.c.seq))
    result: dict[int, dict[BoardSection, BoardVersion]] = {i: {} for i in ids}
    for version in db.session.scalars(stmt):
        result[version.board_id][version.section] = version
    return result


def content_of(version_or_draft) -> dict:
    return json.loads(version_or_draft.content)


def version_by_seq(board: NoticeBoard, seq: int) -> BoardVersion | None:
    return db.session.scalar(sa.select(BoardVersion).where(BoardVersion.board_id == board.id, BoardVersion.seq == seq))


def previous_of(version: BoardVersion) -> BoardVersion | None:
    """The version of the same section that ``version`` replaced."""
    return db.session.scalar(sa.select(BoardVersion).where(
        BoardVersion.board_id == version.board_id, BoardVersion.section == version.section,
        BoardVersion.seq < version.seq).order_by(BoardVersion.seq.desc()).limit(1))


# ----------------------------------------------------------------------------- drafts


def draft_of(board: NoticeBoard, section: BoardSection) -> BoardDraft | None:
    return db.session.scalar(sa.select(BoardDraft).where(BoardDraft.board_id == board.id, BoardDraft.section == section))


def starting_content(board: NoticeBoard, section: BoardSection) -> dict:
    """What the editor shows: the draft, else the published content, else what the registry already knows."""
    draft = draft_of(board, section)
    if draft is not None:
        return content_of(draft)
    published = latest_versions([board.id])[board.id].get(section)
    if published is not None:
        return content_of(published)
    return prefilled(board.contract, section)


def prefilled(contract: Contract, section: BoardSection) -> dict:
    """A first draft from the registry: the firm and manager, or list A for the contracted grade."""
    content = empty_content(section)
    if section == BoardSection.IDENTITY:
        firm, manager = contract.firm, contract.manager
        content["fields"].update({"firm_name": firm.name, "licence_no": firm.licence_no or None,
                                  "project_manager": manager.name if manager else None,
                                  "manager_phone": (manager.phone if manager else None) or None,
                                  "hotline": firm.contact_phone or None})
        content["fields"] = {k: v for k, v in content["fields"].items() if v}
    elif section == BoardSection.SERVICE_STANDARD:
        content = service_standard_from_list_a(contract.grade.value)
    elif section == BoardSection.PUBLIC_REVENUE:
        content["rows"] = public_revenue_from_ledger(contract)
    return content


def public_revenue_from_ledger(contract: Contract) -> list[dict]:
    """The quarters the community's public-revenue ledger has signed off, oldest first, as the section's rows:
    the board shows the same figures as the ledger, and the firm does not type them twice."""
    from portal.ledger.statements import public_summary
    from tenants.context import current_tenant

    return [{"quarter": row["quarter"], "income_fen": row["income_fen"], "spending_fen": row["expense_fen"],
             "balance_fen": row["balance_fen"]}
            for row in reversed(public_summary(current_tenant, contract.community_id))]


def service_standard_from_list_a(grade: str) -> dict:
    """List A as published (portal.checklists), narrowed to the wording for ``grade``."""
    from portal.checklists import services as checklists
    from portal.checklists.models import ListKind

    version = checklists.current_version(ListKind.A)
    rows = []
    if version is not None:
        for section in checklists.sections_of(version):
            for item in checklists.items_of(section):
                row = {"code": item.code, "item": item.text_zh[:500]}
                standard = item.grade_variant(grade)
                if standard:
                    row["standard"] = standard
                rows.append(row)
    fields = {"grade": grade}
    if version is not None:
        fields["list_version"] = version.number
    return {"fields": fields, "rows": rows[:200]}


def save_draft(*, tenant, actor, board: NoticeBoard, section: BoardSection, data, money_in: str = "fen") -> BoardDraft:
    """Validate and keep the working copy of one section (nothing is public until it is published)."""
    content = clean_content(section, data, money_in=money_in)
    draft = draft_of(board, section)
    if draft is None:
        draft = BoardDraft(board_id=board.id, section=section, content="")
        db.session.add(draft)
    draft.content = canonical_json(content)
    draft.updated_at = utcnow()
    draft.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="board.draft_saved", object_type="notice_board", object_id=board.id,
           summary=SECTION_NAMES_ZH[section])
    db.session.flush()
    return draft


def discard_draft(*, tenant, actor, board: NoticeBoard, section: BoardSection) -> None:
    draft = draft_of(board, section)
    if draft is not None:
        db.session.delete(draft)
        db.session.flush()
        record(tenant=tenant, actor=actor, action="board.draft_discarded", object_type="notice_board",
               object_id=board.id, summary=SECTION_NAMES_ZH[section])
        db.session.flush()


# ----------------------------------------------------------------------------- publishing


def _locked(board: NoticeBoard) -> NoticeBoard:
    """The board row locked for this transaction: two publications of one board append one after the other."""
    return db.session.scalar(sa.select(NoticeBoard).where(NoticeBoard.id == board.id)
                             .options(lazyload(NoticeBoard.contract)).with_for_update(of=NoticeBoard)
                             .execution_options(populate_existing=True))


def publish(*, tenant, actor, board: NoticeBoard, section: BoardSection, data=None, reason: str = "",
            correction: bool = False, money_in: str = "fen", now: dt.datetime | None = None) -> BoardVersion:
    """Append a version of ``section`` to the board's chain (from ``data``, else from the draft).

    A correction replaces a published version that was wrong and needs its reason; a version that changes
    nothing is refused; fee changes keep the one-month notice (content.check_fee_notice).
    """
    from portal.disclosures.deadlines import rule_for, resolve_facts

    reason = (reason or "").strip()
    if len(reason) > 500:
        raise DisclosureError("reason", _l("Reason: at most 500 characters."))
    if data is None:
        draft = draft_of(board, section)
        if draft is None:
            raise DisclosureError("section", _l("There is no draft of this section to publish."), status=409)
        data, money_in = content_of(draft), "fen"
    content = clean_content(section, data, money_in=money_in)
    today = local_today() if now is None else _local_date(now)
    now = now or utcnow()
    previous = latest_versions([board.id])[board.id].get(section)
    if correction:
        if previous is None:
            raise DisclosureError("correction", _l("Only a published section can be corrected."))
        if not reason:
            raise DisclosureError("reason", _l("Reason: say what was wrong in the version you correct."))
    if previous is not None and content_of(previous) == content:
        raise DisclosureError("section", _l("Nothing changed since the published version."), status=409)
    if section == BoardSection.FEES:
        check_fee_notice(content, content_of(previous) if previous else None, today, rule_for(section).days)
    board = _locked(board)
    version = BoardVersion(
        tenant_id=tenant.id, board_id=board.id, seq=board.head_seq + 1, section=section,
        content=canonical_json(content), is_correction=bool(correction), reason=reason,
        published_at=now.replace(microsecond=0), published_by_id=getattr(actor, "id", None),
        publisher=(getattr(actor, "display_name", "") or "")[:120], prev_hash=board.head_hash)
    version.hash = version_hash(_row(version))
    db.session.add(version)
    board.head_seq, board.head_hash = version.seq, version.hash
    draft = draft_of(board, section)
    if draft is not None:
        db.session.delete(draft)
    db.session.flush()
    resolve_facts(board, section, now)
    record(tenant=tenant, actor=actor, action="board.corrected" if correction else "board.published",
           object_type="notice_board", object_id=board.id, summary=f"{SECTION_NAMES_ZH[section]} 第{version.seq}版",
           after={"seq": version.seq, "hash": version.hash}, reason=reason)
    db.session.flush()
    db.session.info[PAGE_CACHE_FLAG] = True
    logger.info("board %s: %s published as version %s by %s", board.id, section.value, version.seq,
                getattr(actor, "id", "system"))
    return version


def _local_date(moment: dt.datetime) -> dt.date:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Asia/Shanghai")).date()


def _row(version: BoardVersion) -> dict:
    return {name: getattr(version, name) for name in CHAIN_COLUMNS}


CHAIN_COLUMNS = ("tenant_id", "board_id", "seq", "section", "content", "is_correction", "reason", "published_at",
                 "publisher", "prev_hash", "hash")


# ----------------------------------------------------------------------------- verifying


def chain_rows(board_id: int) -> list[dict]:
    """The board's versions as the database holds them now (plain rows, not cached objects)."""
    columns = [getattr(BoardVersion, name) for name in CHAIN_COLUMNS]
    stmt = sa.select(*columns).where(BoardVersion.board_id == board_id).order_by(BoardVersion.seq)
    return [dict(row._mapping) for row in db.session.execute(stmt)]


def verify_board(board: NoticeBoard) -> BrokenLink | None:
    """Recompute ``board``'s chain from the database; the first broken link, or None when it holds."""
    head = db.session.execute(sa.select(NoticeBoard.head_seq, NoticeBoard.head_hash)
                              .where(NoticeBoard.id == board.id)).one()
    return first_broken_link(board.id, chain_rows(board.id), head=tuple(head))


def verify_boards(boards: Iterable[NoticeBoard]) -> list[tuple[NoticeBoard, BrokenLink | None]]:
    return [(board, verify_board(board)) for board in boards]


def all_boards() -> list[NoticeBoard]:
    return list(db.session.scalars(sa.select(NoticeBoard).order_by(NoticeBoard.id)))


def editable_contracts(memberships: Iterable, tenant, q: str | None = None, today: dt.date | None = None) -> sa.Select:
    """The contracts in force whose boards these memberships edit (see may_edit_board), by community name;
    for a bureau's supervisors, who edit none, those of the communities they may see (to read)."""
    from portal.communities.models import Community
    from portal.communities.services import visible_community_ids
    from portal.firms.services import in_force_on
    from portal.listing import searched

    today = today or local_today()
    active = [m for m in memberships if m.is_active]
    stmt = (sa.select(Contract).join(Community, Community.id == Contract.community_id).where(in_force_on(today))
            .order_by(Community.name, Contract.id))
    if is_firm_tenant(tenant):
        editors = [m for m in active if m.role in FIRM_TENANT_EDITORS]
        ids = visible_community_ids(editors) if editors else sa.select(Community.id).where(sa.false())
        if ids is not None:
            stmt = stmt.where(Contract.community_id.in_(ids))
    else:
        firms = [m.firm_id for m in active if m.role == Role.FIRM_STAFF and m.firm_id]
        if firms:
            stmt = stmt.where(Contract.firm_id.in_(firms))
        else:
            # A supervisor (the bureau, a street officer) reads the boards of what she may see.
            ids = visible_community_ids(active)
            if ids is not None:
                stmt = stmt.where(Contract.community_id.in_(ids))
    return searched(stmt, q, Community.name)
