"""The monthly satisfaction list: the draft (candidate cases, proposal, masked texts), the firms' ranking,
edits, the personal-data check and publication (frozen versions). State changes take the tenant and the
actor, write an audit event, flush and never commit.

Rules (docs/tickets.md, "The monthly satisfaction list"):
- a month's candidates are the tickets whose latest resolution (``resolved_at``) falls in that month, Asia/Shanghai
  time, and that are not open again (resolved, confirmed, followed up or closed);
- a case's satisfaction is the follow-up's (very satisfied or satisfied: yes; unsatisfied: no) when a follow-up
  recorded one, else the owner's rating (4–5: yes, 1–3: no), else unknown (not rated);
- a firm's satisfaction rate is satisfied ÷ rated over all its candidates of the month; a firm is ranked only
  with at least ``min_firm_cases`` rated cases; ranks by rate, then rated cases (more first); equal both: same rank.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.auth.models import User
from portal.db import utcnow
from portal.domain import DomainError
from portal.extensions import db
from portal.firms.models import Firm
from portal.satisfaction import privacy
from portal.satisfaction.models import SatisfactionEntry, SatisfactionList, SatisfactionVersion
from portal.tickets.models import OPEN_STATUSES, FollowUp, Satisfaction, Ticket

ZONE = ZoneInfo("Asia/Shanghai")
DEFAULT_MIN_CASES = 20
DEFAULT_MIN_FIRM_CASES = 5
MAX_ENTRIES = 60          # candidates kept in the draft: the proposed cases and a reserve to swap in
TEXT_LIMIT = 500
SATISFIED = (Satisfaction.VERY_SATISFIED.value, Satisfaction.SATISFIED.value)


# --- months ----------------------------------------------------------------------------------------------

def parse_month(text: str, *, now: dt.datetime) -> dt.date:
    """``YYYY-MM`` of a month that has begun (local time), as its first day; else a DomainError on ``month``."""
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise DomainError("month", _l("Give the month as year-month, e.g. 2026-10."))
    month = dt.date(int(match.group(1)), int(match.group(2)), 1)
    if month > now.astimezone(ZONE).date():
        raise DomainError("month", _l("That month has not begun yet."))
    return month


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month's start and the next month's start, local midnight, in UTC."""
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    start = dt.datetime.combine(month, dt.time(), ZONE).astimezone(dt.timezone.utc)
    end = dt.datetime.combine(following, dt.time(), ZONE).astimezone(dt.timezone.utc)
    return start, end


def month_candidates(month: dt.date) -> sa.Select:
    start, end = month_bounds(month)
    return (sa.select(Ticket).where(Ticket.resolved_at >= start, Ticket.resolved_at < end,
                                    Ticket.status.not_in(OPEN_STATUSES))
            .order_by(Ticket.resolved_at, Ticket.id))


def follow_up_results(ticket_ids) -> dict[int, str]:
    """The latest follow-up satisfaction recorded for each ticket (tickets without one are left out)."""
    rows = db.session.execute(
        sa.select(FollowUp.ticket_id, FollowUp.satisfaction).where(FollowUp.ticket_id.in_(ticket_ids),
                                                                   FollowUp.satisfaction.is_not(None))
        .order_by(FollowUp.visited_at, FollowUp.id))
    return {ticket_id: satisfaction.value for ticket_id, satisfaction in rows}


def is_satisfied(rating: int | None, follow_up: str | None) -> bool | None:
    if follow_up:
        return follow_up in SATISFIED
    if rating:
        return rating >= 4
    return None


def _rate(satisfied: int, rated: int) -> float | None:
    return round(100.0 * satisfied / rated, 1) if rated else None


# --- the ranking ---------------------------------------------------------------------------------------------

def ranking(month: dt.date, min_firm_cases: int) -> tuple[list[dict], dict]:
    """Per firm: resolved, rated and satisfied cases, rate (%), rank (None below ``min_firm_cases`` rated);
    and the month's totals (tickets without a firm count in the totals only)."""
    start, end = month_bounds(month)
    rows = db.session.execute(
        sa.select(Ticket.id, Ticket.firm_id, Ticket.rating)
        .where(Ticket.resolved_at >= start, Ticket.resolved_at < end, Ticket.status.not_in(OPEN_STATUSES))).all()
    follow = follow_up_results([r.id for r in rows]) if rows else {}
    per_firm: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    totals = [0, 0, 0]
    for ticket_id, firm_id, rating in rows:
        verdict = is_satisfied(rating, follow.get(ticket_id))
        counts = [1, verdict is not None, bool(verdict)]
        totals = [a + b for a, b in zip(totals, counts)]
        if firm_id is not None:
            per_firm[firm_id] = [a + b for a, b in zip(per_firm[firm_id], counts)]
    names = dict(db.session.execute(sa.select(Firm.id, Firm.name).where(Firm.id.in_(list(per_firm)))).all())
    firms = [{"firm_id": fid, "firm": names.get(fid, ""), "resolved": c[0], "rated": c[1], "satisfied": c[2],
              "rate": _rate(c[2], c[1]), "rank": None} for fid, c in per_firm.items()]
    ranked = sorted((f for f in firms if f["rated"] >= min_firm_cases), key=lambda f: (-f["rate"], -f["rated"], f["firm"]))
    previous = None
    for position, firm in enumerate(ranked, 1):
        key = (firm["rate"], firm["rated"])
        firm["rank"] = previous[1] if previous and previous[0] == key else position
        previous = (key, firm["rank"])
    unranked = sorted((f for f in firms if f["rated"] < min_firm_cases), key=lambda f: f["firm"])
    summary = {"resolved": totals[0], "rated": totals[1], "satisfied": totals[2], "rate": _rate(totals[2], totals[1])}
    return ranked + unranked, summary


# --- the draft ------------------------------------------------------------------------------------------------

def reporter_names(tickets) -> dict[int, list[str]]:
    """Per ticket, the names its texts must not carry: the owner's account name and the caller's name."""
    owner_ids = {t.owner_id for t in tickets if t.owner_id}
    names = dict(db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(owner_ids))).all()) \
        if owner_ids else {}
    return {t.id: [n for n in (names.get(t.owner_id, ""), t.caller_name) if n] for t in tickets}


def _clip(text: str, limit: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def draft_texts(ticket: Ticket, names: list[str]) -> tuple[str, str]:
    """The public wording proposed for a case: the problem and the outcome, personal data masked."""
    problem = f"{ticket.category.name_zh}：{privacy.mask(_clip(ticket.description), names)}"
    note = privacy.mask(_clip(ticket.resolution_note), names)
    outcome = note or str(_l("Resolved."))
    return _clip(problem, TEXT_LIMIT), _clip(outcome, TEXT_LIMIT)


def _proposal_order(tickets: list[Ticket], follow: dict[int, str]) -> list[Ticket]:
    """Cases with an outcome (a rating or a follow-up) first, then the rest; each group round-robin over the
    firms (so every firm appears), oldest resolution first within a firm."""
    ordered: list[Ticket] = []
    for group in ([t for t in tickets if t.rating or t.id in follow], [t for t in tickets if not (t.rating or t.id in follow)]):
        queues: dict = defaultdict(list)
        for ticket in group:
            queues[ticket.firm_id or 0].append(ticket)
        lanes = [queues[k] for k in sorted(queues)]
        while any(lanes):
            for lane in lanes:
                if lane:
                    ordered.append(lane.pop(0))
    return ordered


def list_for_month(month: dt.date) -> SatisfactionList | None:
    return db.session.scalar(sa.select(SatisfactionList).where(SatisfactionList.month == month))


def generate_draft(*, tenant, actor, month: dt.date, min_cases: int = DEFAULT_MIN_CASES,
                   min_firm_cases: int = DEFAULT_MIN_FIRM_CASES, now: dt.datetime | None = None) -> SatisfactionList:
    """The month's draft: its candidates (at most MAX_ENTRIES), the first ``min_cases`` proposed, texts masked."""
    now = now or utcnow()
    if list_for_month(month) is not None:
        raise DomainError("month", _l("There is already a list for %(month)s.", month=f"{month:%Y-%m}"), status=409)
    tickets = list(db.session.scalars(month_candidates(month)))
    follow = follow_up_results([t.id for t in tickets]) if tickets else {}
    chosen = _proposal_order(tickets, follow)[:MAX_ENTRIES]
    names = reporter_names(chosen)
    lst = SatisfactionList(tenant_id=tenant.id, month=month, min_cases=min_cases, min_firm_cases=min_firm_cases,
                           created_at=now, created_by_id=actor.id if actor else None, updated_at=now)
    db.session.add(lst)
    db.session.flush()
    for position, ticket in enumerate(chosen):
        problem, outcome = draft_texts(ticket, names[ticket.id])
        db.session.add(SatisfactionEntry(tenant_id=tenant.id, list_id=lst.id, ticket_id=ticket.id,
                                         included=position < min_cases, position=position,
                                         problem_text=problem, outcome_text=outcome))
    db.session.flush()
    record(tenant=tenant, actor=actor, action="satisfaction_list.drafted", object_type="satisfaction_list",
           object_id=lst.id, summary=lst.month_key, after={"candidates": len(tickets), "entries": len(chosen)})
    db.session.flush()
    return lst


def candidate_count(lst: SatisfactionList) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(month_candidates(lst.month).subquery())) or 0


def entries_of(lst: SatisfactionList) -> list[SatisfactionEntry]:
    """The list's entries, chosen ones first, each with ``ticket``, ``follow_up`` and ``names`` attached."""
    entries = list(db.session.scalars(sa.select(SatisfactionEntry).where(SatisfactionEntry.list_id == lst.id)
                                      .order_by(SatisfactionEntry.included.desc(), SatisfactionEntry.position,
                                                SatisfactionEntry.id)))
    tickets = {t.id: t for t in db.session.scalars(
        sa.select(Ticket).where(Ticket.id.in_([e.ticket_id for e in entries])))} if entries else {}
    follow = follow_up_results(list(tickets)) if tickets else {}
    names = reporter_names(tickets.values())
    firms = dict(db.session.execute(sa.select(Firm.id, Firm.name).where(
        Firm.id.in_({t.firm_id for t in tickets.values() if t.firm_id}))).all()) if tickets else {}
    for entry in entries:
        entry.ticket = tickets[entry.ticket_id]
        entry.follow_up = follow.get(entry.ticket_id)
        entry.names = names.get(entry.ticket_id, [])
        entry.firm_name = firms.get(entry.ticket.firm_id, "")
        entry.findings = privacy.findings(entry.problem_text, entry.names) + [
            code for code in privacy.findings(entry.outcome_text, entry.names)
            if code not in privacy.findings(entry.problem_text, entry.names)]
    return entries


def save_edits(*, tenant, actor, lst: SatisfactionList, changes: dict[int, dict],
               now: dt.datetime | None = None) -> list[SatisfactionEntry]:
    """Apply the editor's choices: ``changes`` maps entry id to included / problem_text / outcome_text."""
    now = now or utcnow()
    entries = entries_of(lst)
    changed = 0
    for entry in entries:
        change = changes.get(entry.id)
        if change is None:
            continue
        for field in ("problem_text", "outcome_text"):
            value = " ".join(str(change.get(field, getattr(entry, field))).split())
            if len(value) > TEXT_LIMIT:
                raise DomainError(f"{field}-{entry.id}", _l("Case %(ref)s: at most %(n)s characters.",
                                                             ref=entry.ticket.reference, n=TEXT_LIMIT))
            if value != getattr(entry, field):
                setattr(entry, field, value)
                changed += 1
        included = bool(change.get("included", entry.included))
        if included != entry.included:
            entry.included = included
            changed += 1
    lst.updated_at = now
    db.session.flush()
    record(tenant=tenant, actor=actor, action="satisfaction_list.edited", object_type="satisfaction_list",
           object_id=lst.id, summary=lst.month_key, after={"changes": changed})
    db.session.flush()
    return entries_of(lst)


def problems(lst: SatisfactionList, entries: list[SatisfactionEntry] | None = None) -> list[str]:
    """Why the list cannot be published now, each a sentence naming the case and the rule; empty: it can."""
    entries = entries if entries is not None else entries_of(lst)
    chosen = [e for e in entries if e.included]
    messages = []
    needed = min(lst.min_cases, len(entries))
    if not chosen:
        messages.append(str(_l("Choose at least one case.")))
    elif len(chosen) < needed:
        messages.append(str(_l("The list needs at least %(n)s cases; %(m)s are chosen.", n=needed, m=len(chosen))))
    for entry in chosen:
        if not entry.problem_text.strip() or not entry.outcome_text.strip():
            messages.append(str(_l("Case %(ref)s: the problem and the outcome must both be written.",
                                   ref=entry.ticket.reference)))
        for code in entry.findings:
            messages.append(str(_l("Case %(ref)s: the public text still contains %(rule)s. Remove it before publishing.",
                                   ref=entry.ticket.reference, rule=privacy.rule_label(code))))
    return messages


def _case(entry: SatisfactionEntry) -> dict:
    ticket = entry.ticket
    return {"reference": ticket.reference, "community": ticket.community.name, "firm": entry.firm_name,
            "category_zh": ticket.category.name_zh, "category_en": ticket.category.name_en,
            "ticket_type": ticket.ticket_type.value,
            "resolved_on": ticket.resolved_at.astimezone(ZONE).date().isoformat() if ticket.resolved_at else "", "rating": ticket.rating,
            "follow_up": entry.follow_up, "satisfied": is_satisfied(ticket.rating, entry.follow_up),
            "problem": entry.problem_text, "outcome": entry.outcome_text}


def publish(*, tenant, actor, lst: SatisfactionList, reason: str = "", now: dt.datetime | None = None) -> SatisfactionVersion:
    """Freeze the working copy into a new version; a correction (any version after the first) needs a reason."""
    now = now or utcnow()
    reason = " ".join((reason or "").split())
    if lst.is_published and not reason:
        raise DomainError("reason", _l("Say why the published list is corrected: the reason is shown with it."))
    if len(reason) > 500:
        raise DomainError("reason", _l("At most 500 characters."))
    entries = entries_of(lst)
    refused = problems(lst, entries)
    if refused:
        raise DomainError(None, " ".join(refused), status=409, code="not_publishable")
    firms, totals = ranking(lst.month, lst.min_firm_cases)
    number = lst.published_version + 1
    content = {"month": lst.month_key, "version": number, "min_firm_cases": lst.min_firm_cases, "totals": totals,
               "ranking": [{k: f[k] for k in ("firm", "resolved", "rated", "satisfied", "rate", "rank")} for f in firms],
               "cases": [_case(e) for e in entries if e.included]}
    version = SatisfactionVersion(tenant_id=tenant.id, list_id=lst.id, number=number, reason=reason if number > 1 else "",
                                  published_at=now, published_by_id=actor.id if actor else None,
                                  content=json.dumps(content, ensure_ascii=False, sort_keys=True))
    db.session.add(version)
    lst.published_version = number
    lst.updated_at = now
    db.session.flush()
    record(tenant=tenant, actor=actor, action="satisfaction_list.published" if number == 1 else "satisfaction_list.corrected",
           object_type="satisfaction_list", object_id=lst.id, summary=f"{lst.month_key} v{number}", reason=reason,
           after={"cases": len(content["cases"]), "version": number})
    db.session.flush()
    return version


# --- reading published lists ----------------------------------------------------------------------------

def published_lists() -> sa.Select:
    """Lists with at least one published version, newest month first."""
    return (sa.select(SatisfactionList).where(SatisfactionList.published_version > 0)
            .order_by(SatisfactionList.month.desc()))


def versions_of(lst: SatisfactionList) -> list[SatisfactionVersion]:
    return list(db.session.scalars(sa.select(SatisfactionVersion).where(SatisfactionVersion.list_id == lst.id)
                                   .order_by(SatisfactionVersion.number.desc())))


def version_of(lst: SatisfactionList, number: int | None = None) -> SatisfactionVersion | None:
    number = number or lst.published_version
    return db.session.scalar(sa.select(SatisfactionVersion).where(SatisfactionVersion.list_id == lst.id,
                                                                  SatisfactionVersion.number == number))


def content_of(version: SatisfactionVersion) -> dict:
    return json.loads(version.content)


def published_for_month(month_key: str) -> SatisfactionList | None:
    match = re.fullmatch(r"(\d{4})-(\d{2})", month_key or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    lst = list_for_month(dt.date(int(match.group(1)), int(match.group(2)), 1))
    return lst if lst is not None and lst.is_published else None


def export_rows(content: dict):
    """Two sheets' rows for the Excel export: the ranking and the cases (the version's frozen content)."""
    from flask_babel import gettext as _

    ranking_rows = [[f["rank"] if f["rank"] is not None else _("Not ranked"), f["firm"], f["resolved"], f["rated"],
                     f["satisfied"], f["rate"] if f["rate"] is not None else ""] for f in content["ranking"]]
    case_rows = [[c["reference"], c["community"], c["firm"], c["category_zh"], c["resolved_on"], c["rating"] or "",
                  str(Satisfaction(c["follow_up"]).label) if c["follow_up"] else "", c["problem"], c["outcome"]]
                 for c in content["cases"]]
    return ranking_rows, case_rows

