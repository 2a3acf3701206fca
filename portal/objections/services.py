"""Objection rules: who files, answers, accepts, escalates and decides; the state machine; who sees what.

Every transition is checked against TRANSITIONS, stored as an ObjectionEvent and recorded in the audit log.
Services flush; the request (or CLI command) commits once.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Iterable
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.communities.models import Unit
from portal.communities.services import local_today, visible_community_ids
from portal.db import utcnow
from portal.disclosures import services as boards
from portal.disclosures.models import SECTION_NAMES_ZH, BoardVersion, NoticeBoard
from portal.domain import DomainError
from portal.extensions import db
from portal.objections.models import (DEFAULT_ANSWER_DAYS, Decision, Objection, ObjectionEvent, ObjectionSettings,
                                      ObjectionStatus)
from portal.owners.models import UnitBinding
from portal.workdays import add_working_days
from tenants.roles import Role

logger = logging.getLogger(__name__)
S = ObjectionStatus
REASON_MAX = 1000
ANSWER_MAX = 2000
PHOTO_FOLDER = "objections"
# The only moves: anything else is refused with TRANSITION_REFUSED. An owner may escalate an unanswered
# objection once the firm's answer is late (the firm's silence is not an answer to wait for forever).
TRANSITIONS = {(S.OPEN, S.ANSWERED), (S.ANSWERED, S.ACCEPTED), (S.ANSWERED, S.ESCALATED), (S.OPEN, S.ESCALATED),
               (S.ESCALATED, S.DECIDED)}
CLOSED = (S.ACCEPTED, S.DECIDED)
SECTION_WHOLE = _l("The section as a whole")
_SUPERVISORS = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.AREA_OFFICER, Role.COMMITTEE_MEMBER})


class ObjectionError(DomainError):
    """A rule broken by a requested objection change; ``field`` names the form or JSON field."""


def _refused(objection: Objection, target: ObjectionStatus) -> ObjectionError:
    return ObjectionError(None, _l("This objection is now “%(now)s”; it cannot become “%(to)s”.",
                                   now=objection.status.label, to=target.label), status=409, code="illegal_transition")


# ----------------------------------------------------------------------------- settings and dates


def answer_days() -> int:
    """Working days the firm has to answer in the current tenant."""
    days = db.session.scalar(sa.select(ObjectionSettings.answer_days))
    return days or DEFAULT_ANSWER_DAYS


def set_answer_days(*, tenant, actor, days: int) -> bool:
    """Change the tenant's answer limit (1–60 working days); applies to objections filed afterwards."""
    if not isinstance(days, int) or not 1 <= days <= 60:
        raise ObjectionError("answer_days", _l("Answer limit: a whole number of working days from 1 to 60."))
    settings = db.session.scalar(sa.select(ObjectionSettings))
    before = settings.answer_days if settings else DEFAULT_ANSWER_DAYS
    if before == days:
        return False
    if settings is None:
        settings = ObjectionSettings(answer_days=days)
        db.session.add(settings)
    settings.answer_days, settings.updated_at = days, utcnow()
    record(tenant=tenant, actor=actor, action="objection.answer_days_changed", object_type="tenant",
           object_id=tenant.id, summary=f"{before} → {days}", before={"answer_days": before}, after={"answer_days": days})
    db.session.flush()
    return True


def local_date(moment: dt.datetime, tenant) -> dt.date:
    return moment.astimezone(ZoneInfo(getattr(tenant, "time_zone", None) or "Asia/Shanghai")).date()


# ----------------------------------------------------------------------------- what can be objected to


def masked_unit(unit: Unit) -> str:
    """The unit as the firm and supervisors see it: building and the room's first character (1号楼 1**)."""
    room = unit.room or ""
    return f"{unit.building.name} {room[:1]}{'*' * max(len(room) - 1, 2)}".strip()


def owner_units_in(user_id: int, community_id: int) -> list[Unit]:
    return list(db.session.scalars(
        sa.select(Unit).join(UnitBinding, UnitBinding.unit_id == Unit.id)
        .where(UnitBinding.user_id == user_id, UnitBinding.revoked_at.is_(None), Unit.community_id == community_id)
        .order_by(Unit.id)))


def current_board(community_id: int, today: dt.date | None = None) -> NoticeBoard | None:
    """The board of the contract in force in the community (objections are about what is served now)."""
    today = today or local_today()
    return next((b for b in boards.boards_of_community(community_id) if b.contract.is_current(today)), None)


def item_choices(version: BoardVersion) -> list[tuple[int | None, str]]:
    """What an owner can point at in a published section: the section as a whole (None), or one of its rows by
    index, with the row's first values as shown on the board (money in yuan, choices in words)."""
    from portal.disclosures.public import lay_out

    _fields, _columns, rows = lay_out(version.section, boards.content_of(version))
    choices: list[tuple[int | None, str]] = [(None, str(SECTION_WHOLE))]
    for index, row in enumerate(rows):
        words = [text for text in row[:3] if text]
        choices.append((index, f"{index + 1}. {' · '.join(words)}"[:200]))
    return choices


def item_labels(objections: Iterable[Objection]) -> dict[int, str]:
    """What each objection points at, in the reader's language (read again from the immutable versions, all
    of a page's in one query), by objection id."""
    objections = list(objections)
    wanted = {o.version_id for o in objections if o.row_index is not None}
    versions = {v.id: v for v in db.session.scalars(sa.select(BoardVersion).where(BoardVersion.id.in_(wanted)))} \
        if wanted else {}
    labels = {}
    for o in objections:
        version = versions.get(o.version_id)
        if o.row_index is None:
            labels[o.id] = str(SECTION_WHOLE)
        else:
            labels[o.id] = dict(item_choices(version)).get(o.row_index, o.item) if version else o.item
    return labels


def item_label(objection: Objection) -> str:
    return item_labels([objection])[objection.id]


# ----------------------------------------------------------------------------- transitions


def _move(tenant, actor, objection: Objection, target: ObjectionStatus, role: str, note: str, action: str,
          at: dt.datetime | None = None) -> None:
    before = objection.status if objection.id else None
    if before is not None and (before, target) not in TRANSITIONS:
        raise _refused(objection, target)
    at = at or utcnow()
    objection.status = target
    if target in CLOSED:
        objection.closed_at = at
    db.session.add(objection)
    db.session.flush()
    db.session.add(ObjectionEvent(objection_id=objection.id, actor_id=getattr(actor, "id", None), actor_role=role,
                                  at=at, from_status=before, to_status=target, note=note))
    record(tenant=tenant, actor=actor, action=action, object_type="objection", object_id=objection.id,
           summary=f"#{objection.id} {objection.community.name if objection.community else ''} "
                   f"{SECTION_NAMES_ZH[objection.section]} v{objection.version_seq}",
           before={"status": before.value if before else None}, after={"status": target.value}, reason=note[:500])
    db.session.info[boards.PAGE_CACHE_FLAG] = True  # the public board shows the counts
    db.session.flush()
    logger.info("objection=%s %s→%s by=%s", objection.id, before, target.value, getattr(actor, "id", None))


def _text(field: str, value, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ObjectionError(field, _l("This field is required."))
    if len(text) > limit:
        raise ObjectionError(field, _l("Write at most %(n)s characters.", n=limit))
    return text


def file_objection(*, tenant, actor, version: BoardVersion, row_index: int | None, reason: str,
                   photo_key: str | None = None, today: dt.date | None = None,
                   now: dt.datetime | None = None) -> Objection:
    """An owner bound to a unit of the community objects to one item of a published section of its current board."""
    now = now or utcnow()
    today = today or local_date(now, tenant)
    board = db.session.scalar(sa.select(NoticeBoard).where(NoticeBoard.id == version.board_id))
    if board is None or not board.contract.is_current(today):
        raise ObjectionError(None, _l("Objections are taken on the board of the firm serving the community now."))
    units = owner_units_in(actor.id, board.community_id)
    if not units:
        raise ObjectionError(None, _l("Only an owner with a unit bound in this community can object to its board."),
                             status=403)
    latest = boards.latest_versions([board.id])[board.id].get(version.section)
    if latest is None or latest.id != version.id:
        raise ObjectionError("version", _l("This section has been published again since; object to the current version."),
                             status=409)
    choices = dict(item_choices(version))
    if row_index is not None and row_index not in choices:
        raise ObjectionError("item", _l("Item: choose one of the rows of this section."))
    reason = _text("reason", reason, REASON_MAX)
    objection = Objection(board_id=board.id, community_id=board.community_id, firm_id=board.firm_id,
                          version_id=version.id, version_seq=version.seq, section=version.section, row_index=row_index,
                          item="" if row_index is None else choices[row_index], reason=reason, photo_key=photo_key, owner_id=actor.id,
                          unit_id=units[0].id, masked_owner=masked_unit(units[0]), filed_at=now,
                          due_on=add_working_days(today, answer_days()))
    _move(tenant, actor, objection, S.OPEN, "owner", reason, "objection.filed", at=now)
    return objection


def answer(*, tenant, actor, objection: Objection, text: str, correction_seq: int | None = None,
           now: dt.datetime | None = None) -> Objection:
    """The firm answers (optionally pointing at the correction it published); lateness is fixed now."""
    if objection.status != S.OPEN:
        raise _refused(objection, S.ANSWERED)
    text = _text("answer", text, ANSWER_MAX)
    correction = None
    if correction_seq is not None:
        correction = boards.version_by_seq(objection.board, correction_seq)
        if correction is None or correction.section != objection.section or correction.seq <= objection.version_seq:
            raise ObjectionError("correction_seq", _l("Correction: give the number of a version of this section "
                                                      "published after the one objected to."))
    now = now or utcnow()
    objection.answer, objection.answered_at, objection.answered_by_id = text, now, actor.id
    objection.answered_late = local_date(now, tenant) > objection.due_on
    objection.correction_version_id = correction.id if correction else None
    _move(tenant, actor, objection, S.ANSWERED, "firm", text, "objection.answered", at=now)
    return objection


def accept(*, tenant, actor, objection: Objection, now: dt.datetime | None = None) -> Objection:
    if objection.owner_id != actor.id:
        raise ObjectionError(None, _l("Only the owner who filed the objection can accept the answer."), status=403)
    _move(tenant, actor, objection, S.ACCEPTED, "owner", "", "objection.accepted", at=now)
    return objection


def escalate(*, tenant, actor, objection: Objection, note: str = "", today: dt.date | None = None) -> Objection:
    """The owner takes it to the street office: after an answer, or once an unanswered objection is overdue."""
    if objection.owner_id != actor.id:
        raise ObjectionError(None, _l("Only the owner who filed the objection can escalate it."), status=403)
    note = _text("note", note, REASON_MAX, required=False)
    if objection.status == S.OPEN and not objection.is_overdue(today or local_today()):
        raise ObjectionError(None, _l("The firm still has until %(day)s to answer; escalate after its answer or "
                                      "once that day has passed.", day=objection.due_on), status=409,
                             code="illegal_transition")
    _move(tenant, actor, objection, S.ESCALATED, "owner", note, "objection.escalated")
    return objection


def decide(*, tenant, actor, objection: Objection, decision: Decision, reason: str) -> Objection:
    """The street office decides an escalated objection: upheld or not, with its reason."""
    if objection.status != S.ESCALATED:
        raise _refused(objection, S.DECIDED)
    reason = _text("decision_reason", reason, REASON_MAX)
    objection.decision, objection.decision_reason, objection.decided_at = decision, reason, utcnow()
    _move(tenant, actor, objection, S.DECIDED, "street_office", f"{decision.value}: {reason}", "objection.decided")
    return objection


def events_of(objection: Objection) -> list[ObjectionEvent]:
    return list(db.session.scalars(sa.select(ObjectionEvent).where(ObjectionEvent.objection_id == objection.id)
                                   .order_by(ObjectionEvent.at, ObjectionEvent.id)))


# ----------------------------------------------------------------------------- who sees and acts


def _active(memberships: Iterable) -> list:
    return [m for m in memberships if m.is_active]


def visible_condition(memberships: Iterable, tenant, user_id: int | None):
    """The objections these memberships see: an owner their own; the firm those on its boards; the committee,
    street office and bureau those of the communities they supervise (a firm tenant: its own people, by area)."""
    active = _active(memberships)
    parts = []
    if user_id is not None and any(m.role == Role.OWNER for m in active):
        parts.append(Objection.owner_id == user_id)
    firm_ids = [m.firm_id for m in active if m.role == Role.FIRM_STAFF and m.firm_id]
    if firm_ids and not boards.is_firm_tenant(tenant):
        parts.append(Objection.firm_id.in_(firm_ids))
    staff = [m for m in active if m.role != Role.OWNER and (boards.is_firm_tenant(tenant) or m.role in _SUPERVISORS)]
    if staff:
        ids = visible_community_ids(staff)
        parts.append(sa.true() if ids is None else Objection.community_id.in_(ids))
    return sa.or_(*parts) if parts else sa.false()


def may_see(memberships, tenant, user_id, objection: Objection) -> bool:
    return bool(db.session.scalar(sa.select(sa.func.count(Objection.id)).where(
        Objection.id == objection.id, visible_condition(memberships, tenant, user_id))))


def may_answer(memberships, tenant, objection: Objection) -> bool:
    """The firm's editors of that board (disclosures.may_edit_board)."""
    return boards.may_edit_board(memberships, tenant, objection.board.contract)


def may_decide(memberships, tenant, objection: Objection) -> bool:
    """In a bureau's tenant the street office (area officer) of the community's area; in a firm's tenant, whose
    branch managers are the firm's side, its head office."""
    active = _active(memberships)
    if boards.is_firm_tenant(tenant):
        return any(m.role in (Role.BUREAU_ADMIN, Role.BUREAU_STAFF) for m in active)
    officers = [m for m in active if m.role == Role.AREA_OFFICER]
    if not officers:
        return False
    ids = visible_community_ids(officers)
    return ids is None or objection.community_id in set(db.session.scalars(ids))


def is_owner_of(user, objection: Objection) -> bool:
    return user is not None and objection.owner_id == getattr(user, "id", None)


def listed(memberships, tenant, user_id, *, q: str | None = None, status: str | None = None,
           overdue_only: bool = False, today: dt.date | None = None) -> sa.Select:
    """A page-ready query of the visible objections, newest first, narrowed by the list's filters."""
    from portal.communities.models import Community
    from portal.listing import searched

    today = today or local_today()
    stmt = (sa.select(Objection).join(Community, Community.id == Objection.community_id)
            .where(visible_condition(memberships, tenant, user_id)))
    stmt = searched(stmt, q, Community.name, Objection.item)
    if status:
        stmt = stmt.where(Objection.status == ObjectionStatus(status))
    if overdue_only:
        stmt = stmt.where(Objection.status == S.OPEN, Objection.due_on < today)
    return stmt.order_by(Objection.filed_at.desc(), Objection.id.desc())


def counts_by_board(board_ids: Iterable[int], today: dt.date) -> dict[int, dict[str, int]]:
    """board id -> {open, answered, overdue}: the only thing the public page says about objections."""
    ids = list(board_ids)
    result = {i: {"open": 0, "answered": 0, "overdue": 0} for i in ids}
    if not ids:
        return result

    def count(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    rows = db.session.execute(
        sa.select(Objection.board_id, count(Objection.status == S.OPEN), count(Objection.status == S.ANSWERED),
                  count(sa.and_(Objection.status == S.OPEN, Objection.due_on < today)))
        .where(Objection.board_id.in_(ids), Objection.status.in_((S.OPEN, S.ANSWERED)))
        .group_by(Objection.board_id)).all()
    for board_id, waiting, answered, late in rows:
        result[board_id] = {"open": int(waiting), "answered": int(answered), "overdue": int(late)}
    return result


def period_facts(start: dt.date, end: dt.date, time_zone: str = "Asia/Shanghai") -> list[dict]:
    """Per board (project) for the evaluation: objections filed in [start, end] (days in ``time_zone``), how many
    were answered late, and how many were still unanswered past their due date when the period ended."""
    zone = ZoneInfo(time_zone)
    zone_start = dt.datetime.combine(start, dt.time(), zone)
    zone_end = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone)
    rows = db.session.execute(
        sa.select(Objection.board_id, Objection.community_id, Objection.firm_id, sa.func.count(),
                  sa.func.sum(sa.case((Objection.answered_late.is_(True), 1), else_=0)),
                  sa.func.sum(sa.case((sa.and_(Objection.due_on < end, sa.or_(
                      Objection.answered_at.is_(None), Objection.answered_at >= zone_end)), 1), else_=0)))
        .where(Objection.filed_at >= zone_start, Objection.filed_at < zone_end)
        .group_by(Objection.board_id, Objection.community_id, Objection.firm_id)).all()
    return [{"board_id": b, "community_id": c, "firm_id": f, "filed": n, "answered_late": int(late or 0),
             "open_overdue": int(open_late or 0)} for b, c, f, n, late, open_late in rows]


class PublicBoardObjections:
    """What the public board says about objections: counts per board, and whether the visitor may object."""

    def __init__(self, counts: dict[int, dict[str, int]], may_object: bool):
        self.counts, self.may_object = counts, may_object

    @property
    def stamp(self) -> str:
        """A short digest of the counts, added to the page's ETag and render-cache key."""
        import hashlib

        text = repr(sorted((k, sorted(v.items())) for k, v in self.counts.items())) + str(self.may_object)
        return hashlib.sha256(text.encode()).hexdigest()[:8]


def public_board_context(community_id: int, today: dt.date, user) -> PublicBoardObjections:
    board_ids = [b.id for b in boards.boards_of_community(community_id)]
    may_object = bool(getattr(user, "is_authenticated", False) and owner_units_in(user.id, community_id))
    return PublicBoardObjections(counts_by_board(board_ids, today), may_object)
