"""What each kind of notification says, and where it leads.

A kind is registered once with its sentence (an English msgid with ``%(name)s`` parameters, translated
when shown, so each reader gets their own language) and the object types know their page. Other features
add their kinds with ``register`` and their objects with ``register_link``.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Kind:
    code: str
    sentence: object        # lazy msgid with %(name)s parameters
    urgent: bool = False    # also a short text to a verified mobile number


KINDS: dict[str, Kind] = {}
# object_type -> (endpoint, URL argument name)
LINKS: dict[str, tuple[str, str]] = {}


def register(code: str, sentence, *, urgent: bool = False) -> Kind:
    kind = Kind(code, sentence, urgent)
    KINDS[code] = kind
    return kind


def register_link(object_type: str, endpoint: str, argument: str) -> None:
    LINKS[object_type] = (endpoint, argument)


def sentence(kind: str, params: dict) -> str:
    """The notification as a sentence in the current language; an unknown kind or a missing parameter still
    reads as a sentence, never as a code."""
    known = KINDS.get(kind)
    if known is None:
        return str(_l("Something changed that concerns you."))
    template = str(known.sentence)
    try:
        return template % {k: v for k, v in params.items()}
    except (KeyError, TypeError, ValueError):
        return str(_l("Something changed that concerns you."))


register("welcome", _l("Welcome: what concerns you here (your tickets, what you handle or "
                      "supervise) is notified on this page."))

# --- tickets -----------------------------------------------------------------------------------------
register_link("ticket", "tickets.detail", "ticket_id")
register("ticket.filed", _l("New ticket %(ref)s in %(community)s: please accept it."))
register("ticket.filed_urgent", _l("Urgent ticket %(ref)s in %(community)s: please accept it at once."), urgent=True)
register("ticket.accepted", _l("Your ticket %(ref)s was accepted; the firm is working on it."))
register("ticket.resolved", _l("Your ticket %(ref)s is resolved: please confirm and rate the work."))
register("ticket.auto_confirm_soon", _l("Your ticket %(ref)s will count as confirmed on %(day)s unless you rate "
                                        "it or reopen it before then."))
register("ticket.reopened", _l("Ticket %(ref)s was reopened by the owner: it is not fixed yet."))
register("ticket.urged", _l("Ticket %(ref)s was urged: please deal with it now."))
register("ticket.urged_owner", _l("Your ticket %(ref)s was urged: the firm has been reminded to deal with it."))
register("ticket.overdue", _l("Ticket %(ref)s is overdue and went to the community office."))
register("ticket.escalated_office", _l("Ticket %(ref)s in %(community)s is overdue: it is now yours to supervise."))
register("ticket.escalated_bureau", _l("Ticket %(ref)s in %(community)s is still overdue: it is now under the "
                                       "bureau's supervision (督办)."), urgent=True)
register("ticket.escalated_bureau_firm", _l("Ticket %(ref)s is still overdue and is now under the bureau's "
                                            "supervision (督办)."))
