"""What a ticket's history says about each event, in the reader's language (codes stay in the database)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.tickets.models import TicketStatus

EVENT_SENTENCES = {
    "file": _l("Reported the problem"),
    "accept": _l("Accepted and assigned"),
    "start": _l("Work started"),
    "resolve": _l("Marked resolved"),
    "confirm": _l("Confirmed by the owner"),
    "auto_confirm": _l("Confirmed automatically (no answer from the owner)"),
    "reopen": _l("Reopened: not fixed"),
    "follow_up": _l("Follow-up visit recorded"),
    "close": _l("Closed"),
    "triage": _l("Triage recorded"),
    "consult": _l("Joint consultation recorded"),
    "urge": _l("The firm was urged"),
    "extend": _l("Deadline extended"),
    "reassign": _l("Reassigned"),
}
ESCALATIONS = {1: _l("Overdue: escalated to the community office"), 2: _l("Still overdue: supervised by the bureau (督办)")}


def event_text(event) -> str:
    if event.kind == "escalate":
        level = event.note[-1:] if event.note else ""
        return str(ESCALATIONS.get(int(level) if level.isdigit() else 0, _l("Escalated")))
    if event.kind == "triage":
        return f"{EVENT_SENTENCES['triage']}: {_complexity(event.note)}"
    return str(EVENT_SENTENCES.get(event.kind, event.kind))


def _complexity(code: str) -> str:
    from portal.tickets.models import Complexity

    known = next((c for c in Complexity if c.value == code), None)
    return str(known.label) if known else ""


def status_label(code: str) -> str:
    known = next((s for s in TicketStatus if s.value == code), None)
    return str(known.label) if known else ""
