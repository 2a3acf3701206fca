"""What the results pages call things (codes never shown to people)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

COMPONENT_LABELS = {
    "owner": _l("Owner satisfaction"),
    "community": _l("Community assessment (list C)"),
    "authority": _l("Bureau inspection (list A)"),
    "ticket": _l("Ticket handling"),
}

NOT_RANKED = {
    "new_contract": _l("served for less than the minimum time"),
    "small_sample": _l("too few owner scores"),
    "no_components": _l("no component scored"),
    "no_data": _l("no component scored"),
}

LADDER_RULES = {
    "veto": _l("A veto record: removal recommended at once."),
    "bottom": _l("Caught by the elimination rule; the card follows the number of periods in a row."),
    "exit": _l("Card lifted: enough periods in a row at pass or better, and the rectification verified."),
    "kept": _l("Card kept: not yet enough periods in a row at pass or better, or the rectification not verified."),
    "below_pass": _l("Below pass this period: the card stays."),
    "not_ranked": _l("Not ranked this period: the card stays as it was."),
    "": _l("No card."),
}


def component_label(key: str) -> str:
    return str(COMPONENT_LABELS.get(key, _l("Other")))


def not_ranked_label(code: str) -> str:
    return str(NOT_RANKED.get(code, _l("see the methodology")))


def ladder_rule_label(code: str) -> str:
    return str(LADDER_RULES.get(code, LADDER_RULES[""]))


def elimination_label(rules) -> str:
    if rules.elimination_mode == "bottom_n":
        text = _("the last %(n)s of the pool", n=rules.elimination_value)
    elif rules.elimination_mode == "grade":
        text = _("graded fail")
    else:
        text = _("the bottom %(n)s %% of the pool", n=rules.elimination_value)
    return text


def context() -> dict:
    return dict(component_label=component_label, not_ranked_label=not_ranked_label,
                ladder_rule_label=ladder_rule_label, elimination_label=elimination_label)
