"""The 12345 import: preview (one validating pass) and import (validate everything, then write), all or nothing.

Each work order becomes a ticket with source 12345 in the community its name or address names; one that
names none (or several) waits in the review list. Re-importing is idempotent by the work-order number: an
order already imported (ticketed, in review or dismissed) is counted and left alone. The file is sniffed,
decoded and read by the roster import's bounded readers. Services flush; the caller commits.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.communities.models import Community
from portal.db import utcnow
from portal.extensions import db
from portal.hotline import parsing
from portal.hotline.models import HotlineOrder, MatchProblem, OrderState
from portal.roster import parsing as sheet
from portal.roster.parsing import FileProblem, Problem
from portal.roster.services import ProblemTally
from portal.tickets import calendar
from portal.tickets import services as tickets
from portal.tickets.models import TicketCategory, TicketSource, TicketType

logger = logging.getLogger(__name__)


@dataclass
class Preview(ProblemTally):
    """What importing the file would do, and every reason it cannot (the first 1,000 listed)."""

    to_ticket: int = 0
    to_review: int = 0
    already_imported: int = 0
    caller_names_dropped: bool = False   # the file has a caller's-name column; it is not read

    @property
    def changes_nothing(self) -> bool:
        return self.ok and self.to_ticket == 0 and self.to_review == 0

    def as_dict(self) -> dict:
        return {"format": self.kind, "encoding": self.encoding, "rows": self.rows, "to_ticket": self.to_ticket,
                "to_review": self.to_review, "already_imported": self.already_imported, "valid": self.ok,
                "error_count": self.error_count, "errors_truncated": self.errors_truncated,
                "errors": [p.as_dict() for p in self.errors]}


class HotlineRejected(Exception):
    """The file has problems; nothing was written. ``preview`` lists them."""

    def __init__(self, preview: Preview):
        super().__init__(f"12345 import rejected: {preview.error_count} problem(s)")
        self.preview = preview


@dataclass
class ImportResult:
    ticketed: int
    to_review: int
    already_imported: int
    preview: Preview

    @property
    def changed_nothing(self) -> bool:
        return self.ticketed == 0 and self.to_review == 0


# -- the tenant's communities and categories ---------------------------------------------------------

class Matcher:
    """Finds the community a work order is about: its name cell first, else every community name found in
    the name and address (a name inside a longer matching name, 阳光花园 in 阳光花园二期, counts once)."""

    def __init__(self):
        rows = db.session.execute(sa.select(Community.id, Community.name))
        self.by_name: dict[str, list[int]] = {}
        for community_id, name in rows:
            key = parsing.normalise_name(name)
            if key:
                self.by_name.setdefault(key, []).append(community_id)

    def match(self, community: str, address: str) -> tuple[int | None, MatchProblem | None]:
        exact = self.by_name.get(parsing.normalise_name(community), []) if community else []
        if len(exact) == 1:
            return exact[0], None
        if len(exact) > 1:
            return None, MatchProblem.AMBIGUOUS
        text = parsing.normalise_name(community) + "|" + parsing.normalise_name(address)
        found = [name for name in self.by_name if name in text]
        found = [name for name in found if not any(name != other and name in other for other in found)]
        ids = {i for name in found for i in self.by_name[name]}
        if len(ids) == 1:
            return ids.pop(), None
        return None, (MatchProblem.AMBIGUOUS if ids else MatchProblem.NONE)


class Categories:
    """The tenant's active categories by Chinese name, and the one a type falls back on (its "other", else its first)."""

    def __init__(self):
        active = tickets.categories()
        self.by_name = {parsing.normalise_name(c.name_zh): c.id for c in active}
        self.default: dict[TicketType, int] = {}
        for c in active:
            if c.ticket_type not in self.default or c.code.endswith("_other"):
                self.default[c.ticket_type] = c.id

    def pick(self, name: str, kind: TicketType) -> int | None:
        found = self.by_name.get(parsing.normalise_name(name)) if name else None
        return found or self.default.get(kind)


def default_category(kind: TicketType) -> TicketCategory | None:
    found = Categories().default.get(kind)
    return db.session.get(TicketCategory, found) if found else None


# -- the pass shared by preview and import -------------------------------------------------------------

def _scan(path: Path, filename: str, preview: Preview, zone, on_row=None) -> Preview:
    try:
        info = sheet.sniff(path, filename)
    except FileProblem as problem:
        preview.add(Problem(problem.row, "", "", problem.message))
        return preview
    preview.kind, preview.encoding = info.kind, info.label
    preview.format_note = str(info.note) if info.note else ""
    matcher, categories = Matcher(), Categories()
    existing = set(db.session.scalars(sa.select(HotlineOrder.order_number)))
    seen: dict[str, int] = {}
    header = None
    try:
        for number, cells in sheet.raw_rows(path, info):
            if header is None:
                if number != 1:
                    preview.add(Problem(1, "", "", _l("Row 1 must be the header row (工单编号, 受理时间, 诉求内容, ...); "
                                                      "it is empty.")))
                    return preview
                header, problems = sheet.parse_header(cells, parsing.FIELDS, parsing.REQUIRED)
                for problem in problems:
                    preview.add(problem)
                if header is None:
                    return preview
                preview.caller_names_dropped = "caller_name" in header.names
                continue
            preview.rows += 1
            row, problems = parsing.read_row(number, cells, header, zone)
            for problem in problems:
                preview.add(problem)
            if row is None:
                continue
            first = seen.get(row.order_number)
            if first is not None:
                preview.add(Problem(number, header.names["order_number"], "order_number", _l(
                    "Duplicate: work order %(value)s is already in row %(row)s.", value=row.order_number, row=first)))
                continue
            seen[row.order_number] = number
            if row.order_number in existing:
                preview.already_imported += 1
                continue
            category_id = categories.pick(row.category, row.ticket_type)
            if category_id is None:
                preview.add(Problem(number, header.names.get("ticket_type", ""), "ticket_type", _l(
                    "No active ticket category of the type %(type)s: add one on the categories page first.",
                    type=row.ticket_type.label)))
                continue
            community_id, match_problem = matcher.match(row.community, row.address)
            if community_id is None:
                preview.to_review += 1
            else:
                preview.to_ticket += 1
            if on_row is not None and preview.ok:
                on_row(row, category_id, community_id, match_problem)
    except FileProblem as problem:
        preview.add(Problem(problem.row, "", "", problem.message))
        return preview
    if header is None:
        preview.add(Problem(1, "", "", _l("The file has no header row and no work orders.")))
    elif preview.rows == 0:
        preview.add(Problem(2, "", "", _l("The file has a header row but no work orders.")))
    return preview


def preview_file(tenant, path: Path, filename: str = "") -> Preview:
    """The validating pass: what importing ``path`` would do, and every problem."""
    return _scan(path, filename, Preview(), calendar.zone_of(tenant))


def import_file(*, tenant, actor, path: Path, filename: str = "", now: dt.datetime | None = None) -> ImportResult:
    """Import every new work order of ``path`` — or nothing. The whole file is validated first; only a clean
    file is written (inside a SAVEPOINT, so a failure half-way leaves nothing). One audit event
    (hotline.imported) when anything was added. The caller commits."""
    zone = calendar.zone_of(tenant)
    checked = _scan(path, filename, Preview(), zone)
    if not checked.ok:
        raise HotlineRejected(checked)
    now = now or utcnow()
    made = {"ticketed": 0, "review": 0}

    def write(row: parsing.OrderRow, category_id: int, community_id: int | None, match_problem) -> None:
        order = HotlineOrder(order_number=row.order_number, received_at=row.received_at, community_text=row.community,
                             address=row.address, content=row.content, ticket_type=row.ticket_type,
                             category_id=category_id, urgency=row.urgency, caller_phone=row.caller_phone,
                             state=OrderState.REVIEW, match_problem=match_problem, imported_at=now,
                             imported_by_id=getattr(actor, "id", None))
        db.session.add(order)
        if community_id is None:
            made["review"] += 1
            return
        make_ticket(tenant=tenant, actor=actor, order=order, community=db.session.get(Community, community_id))
        made["ticketed"] += 1

    savepoint = db.session.begin_nested()
    try:
        preview = _scan(path, filename, Preview(), zone, on_row=write)
        db.session.flush()
    except BaseException:
        savepoint.rollback()
        raise
    if not preview.ok:  # the registry changed between the passes
        savepoint.rollback()
        raise HotlineRejected(preview)
    savepoint.commit()
    result = ImportResult(ticketed=made["ticketed"], to_review=made["review"],
                          already_imported=preview.already_imported, preview=preview)
    if not result.changed_nothing:
        record(tenant=tenant, actor=actor, action="hotline.imported", object_type="tenant", object_id=tenant.id,
               summary=f"+{result.ticketed} ?{result.to_review} ={result.already_imported}",
               after={"ticketed": result.ticketed, "review": result.to_review, "already": result.already_imported,
                      **_file_facts(preview, filename)})
        db.session.flush()
    logger.info("12345 import ticketed=%s review=%s already=%s by %s", result.ticketed, result.to_review,
                result.already_imported, getattr(actor, "id", "system"))
    return result


def record_upload(*, tenant, actor, preview: Preview, filename: str) -> None:
    """Audit a 12345 export kept on the server for import (who uploaded what, and what it would do)."""
    record(tenant=tenant, actor=actor, action="hotline.uploaded", object_type="tenant", object_id=tenant.id,
           summary=f"{filename[:120]} ({preview.rows} rows, {preview.encoding})",
           after={"to_ticket": preview.to_ticket, "to_review": preview.to_review, "already": preview.already_imported,
                  **_file_facts(preview, filename)})
    db.session.flush()


def _file_facts(preview: Preview, filename: str) -> dict:
    """What the audit events of a 12345 file record about the file itself."""
    return {"rows": preview.rows, "format": preview.kind, "encoding": preview.encoding, "file": filename[:120]}


def make_ticket(*, tenant, actor, order: HotlineOrder, community: Community):
    """File the order's ticket in ``community`` (source 12345, filed at the hotline's acceptance, so its 5
    working days run from there); the caller's phone moves to the ticket."""
    category = db.session.get(TicketCategory, order.category_id)
    if category is None or not category.is_active:
        category = default_category(order.ticket_type) or category
    description = f"【12345 {order.order_number}】{order.content}"[:tickets.DESCRIPTION_MAX]
    ticket, _keys = tickets.file_ticket(tenant=tenant, actor=actor, community=community, category=category,
                                        description=description, location=order.address, urgency=order.urgency,
                                        source=TicketSource.CITY_HOTLINE, caller_phone=order.caller_phone,
                                        now=order.received_at)
    order.ticket_id, order.community_id, order.state = ticket.id, community.id, OrderState.TICKETED
    order.caller_phone = ""
    db.session.flush()
    return ticket
