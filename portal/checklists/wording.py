"""The shipped default wording that is stored as text (evidence types, the default versions' note), read in
the reader's language.

The defaults are stored as they were written (English codes such as "spot check" or "default content"),
so existing tenants and the API keep their values; pages translate the known ones and leave what a
tenant typed itself untouched.
"""
from __future__ import annotations

from flask_babel import get_locale, lazy_gettext as _l

DEFAULT_NOTE = "default content"  # the note of every tenant's version 1, written by seed_defaults

NOTES = {DEFAULT_NOTE: _l("Default content shipped with the portal")}

EVIDENCE_TYPES = {
    "archive": _l("archive"),
    "certificates": _l("certificates"),
    "config": _l("system setting"),
    "contract": _l("contract"),
    "document": _l("document"),
    "drill record": _l("drill record"),
    "evaluation record": _l("evaluation record"),
    "handover record": _l("handover record"),
    "inspection": _l("inspection"),
    "ledger": _l("ledger"),
    "log": _l("log"),
    "minutes": _l("minutes"),
    "notice": _l("notice"),
    "patrol log": _l("patrol log"),
    "photo": _l("photo"),
    "plan": _l("plan"),
    "receipts": _l("receipts"),
    "record": _l("record"),
    "records": _l("records"),
    "report": _l("report"),
    "roster": _l("staff roster"),
    "spot check": _l("spot check"),
    "survey": _l("survey"),
    "ticket data": _l("ticket data"),
}

# What the 待核实 marker means, said once wherever the marker is shown to staff.
TO_VERIFY_MEANING = _l("To be verified: the wording comes from the 2004 grade standard or a group standard and "
                       "has not yet been checked against the original text; check it before relying on it.")


def evidence_text(text: str) -> str:
    """Evidence as the reader reads it: "log, spot check" → 记录、抽查; unknown parts are kept as typed."""
    parts = [part.strip() for part in (text or "").split(",") if part.strip()]
    shown = [str(EVIDENCE_TYPES[part]) if part in EVIDENCE_TYPES else part for part in parts]
    separator = "、" if str(get_locale() or "").startswith("zh") else ", "
    return separator.join(shown)


def note_text(note: str) -> str:
    """A version's note; the shipped default's note in the reader's language."""
    label = NOTES.get((note or "").strip())
    return str(label) if label is not None else note
