"""Ledger rules: who records and who reads; categories and the repair-fund rule; entries, reversals, vouchers.

Statements (sums, sign-off, the bureau overview, the public summary) are in portal.ledger.statements.
Services flush and record an audit event; the request commits once.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal import storage
from portal.audit.services import record
from portal.communities.models import Community
from portal.communities.services import can_see_community, local_today
from portal.extensions import db
from portal.firms.models import Contract
from portal.firms.services import in_force_on
from portal.ledger.categories import (  # noqa: F401  (the ledger's services in one namespace for views)
    LedgerError,
    add_category,
    categories,
    category_by_code,
    ensure_categories,
    rename_category,
    retire_category,
    settings,
    update_settings,
    used_category_ids,
)
from portal.ledger.models import AccountType, Direction, LedgerEntry, LedgerStatement, LedgerVoucher
from portal.ledger.money import MAX_FEN, parse_yuan
from portal.money import yuan
from portal.permissions import Action, can
from tenants.roles import Role

logger = logging.getLogger(__name__)

VOUCHER_FOLDER = "ledger_vouchers"
VOUCHER_KINDS = ("jpeg", "png", "pdf")
MAX_VOUCHERS_PER_ENTRY = 10
EARLIEST_DATE = dt.date(2000, 1, 1)
_BUREAU = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})


# --- quarters ----------------------------------------------------------------------------------------

def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last day of a quarter."""
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - dt.timedelta(days=1)
    return start, end


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def next_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def valid_quarter(year: int, quarter: int) -> bool:
    return 2000 <= year <= 2200 and 1 <= quarter <= 4


# --- who may do what (the object-level half; the role half is portal.permissions) ---------------------

def current_contract(community_id: int, on: dt.date | None = None) -> Contract | None:
    return db.session.scalar(sa.select(Contract).where(Contract.community_id == community_id,
                                                       in_force_on(on or local_today()))
                             .order_by(Contract.start_date.desc()).limit(1))


def has_committee(community_id: int, on: dt.date | None = None) -> bool:
    """Whether the community has an owners' committee in office (a term not yet ended)."""
    from portal.communities.models import OwnersCommittee

    on = on or local_today()
    return db.session.scalar(sa.select(OwnersCommittee.id).where(
        OwnersCommittee.community_id == community_id,
        sa.or_(OwnersCommittee.term_end.is_(None), OwnersCommittee.term_end >= on)).limit(1)) is not None


def may_view(memberships: Iterable, community_id: int) -> bool:
    """Read a community's full ledger (vouchers included): the bureau all, an officer her area, firm staff
    their current communities, a committee member or project team their own."""
    memberships = list(memberships)
    return can(memberships, Action.VIEW_LEDGER) and can_see_community(memberships, community_id)


def may_record(memberships: Iterable, tenant, community: Community) -> bool:
    """Record entries: in a bureau's tenant the staff of the community's current firm, or the bureau itself
    where no firm serves the community (it supervises that revenue directly); in a firm's own tenant its
    head office and the project's team."""
    memberships = [m for m in memberships if m.is_active]
    if not can(memberships, Action.RECORD_LEDGER):
        return False
    roles = {m.role for m in memberships}
    is_firm_tenant = getattr(tenant.kind, "value", tenant.kind) == "firm"
    if roles & _BUREAU:
        if is_firm_tenant or current_contract(community.id) is None:
            return True
    contract = None
    for m in memberships:
        if m.role == Role.FIRM_STAFF and m.firm_id:
            contract = contract or current_contract(community.id)
            if contract is not None and contract.firm_id == m.firm_id:
                return True
        if m.role in (Role.PROJECT_MANAGER, Role.PROJECT_STAFF) and m.community_id == community.id:
            return True
    return False


def recorder_explanation(tenant, community: Community):
    """Why a member allowed to record in general may not record here: who keeps this ledger."""
    contract = current_contract(community.id)
    if contract is not None:
        return _l("The ledger of %(community)s is kept by its property firm, %(firm)s.", community=community.name,
                  firm=contract.firm.name)
    return _l("The ledger of %(community)s is kept by the bureau while no firm serves it.", community=community.name)


def signs_as_committee(tenant, community_id: int) -> bool:
    """Whether the community's committee signs its statements: it has one in office, in a bureau's tenant (a
    firm's own tenant has no committee members; its branch or region manager signs there)."""
    return getattr(tenant.kind, "value", tenant.kind) != "firm" and has_committee(community_id)


def may_sign_off(memberships: Iterable, tenant, community: Community) -> bool:
    """Sign off statements: a committee member of the community; where it has no committee, the officer of
    its street or community office (a firm tenant: the branch or region manager)."""
    from portal.communities.services import area_and_children

    memberships = [m for m in memberships if m.is_active]
    if not can(memberships, Action.SIGN_OFF_LEDGER):
        return False
    committee = signs_as_committee(tenant, community.id)
    for m in memberships:
        if committee and m.role == Role.COMMITTEE_MEMBER and m.community_id == community.id:
            return True
        if not committee and m.role == Role.AREA_OFFICER and m.area_id and community.area_id in set(
                db.session.scalars(area_and_children(m.area_id))):
            return True
    return False


# --- entries -------------------------------------------------------------------------------------------

def lock_community(community_id: int) -> None:
    """Hold the community's row until the commit (PostgreSQL): a sign-off and an entry dated in the quarter
    being signed cannot interleave (statements.sign_off takes the same lock)."""
    db.session.execute(sa.select(Community.id).where(Community.id == community_id).with_for_update())


def last_closed_day(community_id: int) -> dt.date | None:
    """The last day of the latest signed-off quarter: no entry may be dated on or before it."""
    row = db.session.execute(sa.select(LedgerStatement.year, LedgerStatement.quarter).where(
        LedgerStatement.community_id == community_id).order_by(LedgerStatement.year.desc(),
                                                                LedgerStatement.quarter.desc()).limit(1)).first()
    return quarter_bounds(row.year, row.quarter)[1] if row else None


def check_open_date(community_id: int, day, field: str = "entry_date") -> dt.date:
    if not isinstance(day, dt.date):
        raise LedgerError(field, _l("Enter the date as YYYY-MM-DD."))
    if day < EARLIEST_DATE:
        raise LedgerError(field, _l("The date must be in 2000 or later."))
    if day > local_today():
        raise LedgerError(field, _l("The date cannot be in the future."))
    closed = last_closed_day(community_id)
    if closed is not None and day <= closed:
        year, quarter = quarter_of(closed)
        raise LedgerError(field, _l("Quarter %(year)s Q%(quarter)s is signed off and closed; date the entry after "
                                    "%(day)s or reverse an entry instead.", year=year, quarter=quarter,
                                    day=closed.isoformat()), status=409)
    return day


def default_account_type(community: Community) -> AccountType:
    return AccountType.DEDICATED if community.revenue_account_number else AccountType.JOINT


def describe_entry(entry: LedgerEntry) -> dict:
    return {"date": entry.entry_date.isoformat(), "direction": entry.direction.value,
            "category": entry.category.code if entry.category else entry.category_id, "amount_fen": entry.amount_fen,
            "counterparty": entry.counterparty, "reverses": entry.reverses_id}


def record_entry(*, tenant, actor, community: Community, values: dict, voucher=None) -> LedgerEntry:
    """A new entry. ``values``: entry_date (date), category (code), amount (yuan text or int fen via
    amount_fen), counterparty, counterparty_is_individual, account_type, note; ``voucher``: an upload stream."""
    lock_community(community.id)
    day = check_open_date(community.id, values.get("entry_date"))
    category = category_by_code(tenant, values.get("category"))
    direction = values.get("direction")
    if direction not in (None, "") and direction != category.direction.value:
        raise LedgerError("direction", _l("The category is %(kind)s; choose a category of the entry's direction.",
                                          kind=category.direction.label))
    fen = checked_fen(values["amount_fen"]) if "amount_fen" in values else parse_yuan(values.get("amount"))
    try:
        account_type = AccountType(values.get("account_type") or default_account_type(community).value)
    except ValueError:
        raise LedgerError("account_type", _l("Choose one of the listed account types.")) from None
    counterparty = (values.get("counterparty") or "").strip()
    if not counterparty:
        raise LedgerError("counterparty", _l("Name who paid or was paid."))
    contract = current_contract(community.id, day) or current_contract(community.id)
    entry = LedgerEntry(tenant_id=tenant.id, community_id=community.id, entry_date=day, direction=category.direction,
                        category_id=category.id, amount_fen=fen, counterparty=counterparty[:120],
                        counterparty_is_individual=bool(values.get("counterparty_is_individual")),
                        contract_id=contract.id if contract else None, account_type=account_type,
                        note=(values.get("note") or "").strip()[:500], recorded_by_id=getattr(actor, "id", None))
    db.session.add(entry)
    db.session.flush()
    entry.category = category
    if voucher is not None:
        add_voucher(tenant=tenant, actor=actor, entry=entry, stream=voucher, audit=False)
    record(tenant=tenant, actor=actor, action="ledger.entry_recorded", object_type="ledger_entry", object_id=entry.id,
           summary=f"{community.name} {day.isoformat()} {category.name_zh} {yuan(fen)}", after=describe_entry(entry))
    logger.info("ledger entry %s recorded by %s", entry.id, getattr(actor, "id", None))
    return entry


def checked_fen(value, field: str = "amount_fen") -> int:
    """An amount already in fen (JSON): a whole number above zero and at most MAX_FEN."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise LedgerError(field, _l("Give the amount as a whole number of fen."))
    if value <= 0:
        raise LedgerError(field, _l("The amount must be more than zero."))
    if value > MAX_FEN:
        raise LedgerError(field, _l("At most 100,000,000 yuan per entry."))
    return value


def reversed_ids(entry_ids: list[int]) -> set[int]:
    """Which of these entries have been reversed."""
    if not entry_ids:
        return set()
    return set(db.session.scalars(sa.select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.in_(entry_ids))))


def reversal_of(entry: LedgerEntry) -> LedgerEntry | None:
    return db.session.scalar(sa.select(LedgerEntry).where(LedgerEntry.reverses_id == entry.id))


def reverse_entry(*, tenant, actor, entry: LedgerEntry, reason: str) -> LedgerEntry:
    """Cancel ``entry`` by a reversal dated today (an open quarter): same category, the negative amount."""
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError("reason", _l("Say why the entry is reversed."))
    if entry.is_reversal:
        raise LedgerError("reason", _l("A reversal cannot itself be reversed; record a new entry instead."), status=409)
    if reversal_of(entry) is not None:
        raise LedgerError("reason", _l("This entry is reversed already."), status=409)
    lock_community(entry.community_id)
    today = check_open_date(entry.community_id, local_today(), field="reason")
    reversal = LedgerEntry(tenant_id=tenant.id, community_id=entry.community_id, entry_date=today,
                           direction=entry.direction, category_id=entry.category_id, amount_fen=-entry.amount_fen,
                           counterparty=entry.counterparty, counterparty_is_individual=entry.counterparty_is_individual,
                           contract_id=entry.contract_id, account_type=entry.account_type, note=reason[:500],
                           reverses_id=entry.id, recorded_by_id=getattr(actor, "id", None))
    db.session.add(reversal)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="ledger.entry_reversed", object_type="ledger_entry", object_id=entry.id,
           summary=f"#{entry.id} {yuan(entry.amount_fen)}", reason=reason, after={"reversal": reversal.id})
    return reversal


def add_voucher(*, tenant, actor, entry: LedgerEntry, stream, audit: bool = True) -> LedgerVoucher:
    """Check and store a voucher file for ``entry`` (storage.accept: by content, size and pixels)."""
    count = db.session.scalar(sa.select(sa.func.count(LedgerVoucher.id)).where(LedgerVoucher.entry_id == entry.id)) or 0
    if count >= MAX_VOUCHERS_PER_ENTRY:
        raise LedgerError("voucher", _l("At most %(n)s vouchers per entry.", n=MAX_VOUCHERS_PER_ENTRY))
    try:
        accepted = storage.accept(stream, kinds=VOUCHER_KINDS, label=str(_l("Voucher")))
    except storage.UploadRejected as error:
        raise LedgerError("voucher", str(error)) from None
    key = storage.store(tenant.id, VOUCHER_FOLDER, accepted)
    voucher = LedgerVoucher(tenant_id=tenant.id, entry_id=entry.id, storage_key=key,
                            content_type=accepted.content_type, size_bytes=accepted.size, sha256=accepted.sha256,
                            uploaded_by_id=getattr(actor, "id", None))
    db.session.add(voucher)
    db.session.flush()
    if audit:
        record(tenant=tenant, actor=actor, action="ledger.voucher_added", object_type="ledger_entry",
               object_id=entry.id, summary=f"#{entry.id} {accepted.content_type} {accepted.size}")
    return voucher


def entries_of(community_id: int, *, year: int | None = None, quarter: int | None = None) -> sa.Select:
    """A community's entries, newest first (a quarter's only when given)."""
    stmt = sa.select(LedgerEntry).where(LedgerEntry.community_id == community_id)
    if year and quarter:
        start, end = quarter_bounds(year, quarter)
        stmt = stmt.where(LedgerEntry.entry_date.between(start, end))
    return stmt.order_by(LedgerEntry.entry_date.desc(), LedgerEntry.id.desc())


def mask_name(name: str) -> str:
    """An individual's name on public pages: the first character and two stars (张三丰 -> 张**)."""
    name = (name or "").strip()
    return f"{name[:1]}**" if name else ""


def public_counterparty(entry: LedgerEntry) -> str:
    return mask_name(entry.counterparty) if entry.counterparty_is_individual else entry.counterparty


def direction_of(value: str) -> Direction | None:
    try:
        return Direction(value)
    except ValueError:
        return None
