"""What the scheme's codes mean to a reader: veto conditions, pool rules, elimination modes, components, and
the rule problems of portal.evaluation.rules turned into sentences naming the field."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

COMPONENT_LABELS = {
    "owner": _l("Owner satisfaction"),
    "community": _l("Community assessment (list C)"),
    "authority": _l("Bureau inspection (list A)"),
    "ticket": _l("Repair and complaint handling"),
}

VETO_LABELS = {
    "revenue_misuse": _l("Misusing the public revenue of shared parts"),
    "repair_fund_misuse": _l("Misusing the special maintenance fund"),
    "safety_incident": _l("A serious safety incident caused by the firm"),
    "utility_cutoff": _l("Cutting off water, power or gas to press for fees"),
    "refused_handover": _l("Refusing to hand over after the contract ended"),
    "forged_satisfaction": _l("Forging owner satisfaction results"),
}

POOL_LABELS = {
    "grade": _l("Projects of the same contracted service grade"),
    "grade_area": _l("Same contracted grade and the same street"),
    "all": _l("All projects together"),
}

ELIMINATION_LABELS = {
    "bottom_percent": _l("The bottom share of each pool (per cent)"),
    "bottom_n": _l("The bottom N projects of each pool"),
    "grade": _l("Every project graded at or below the elimination grade"),
}

GRADE_LABELS = {
    "excellent": _l("Excellent"), "good": _l("Good"), "pass": _l("Pass"), "basic": _l("Basic pass"), "fail": _l("Fail"),
}

_PROBLEMS = {
    "weights": _l("Weights: four weights, each from 0 to 100 per cent, adding up to 100 per cent."),
    "pool_rule": _l("Ranking pool: choose one of the offered rules."),
    "elimination_mode": _l("Elimination rule: choose one of the offered rules."),
    "grade_bands": _l("Grade bands: each lower band starts lower than the one above it."),
    "ladder": _l("Ladder: periods to a yellow card ≤ to a red card ≤ to removal recommended."),
    "veto_conditions": _l("Veto conditions: choose from the offered conditions."),
}


def rule_problem(field: str, rule: str):
    """The sentence for a problem reported by SchemeRules.problems()."""
    return _PROBLEMS.get(field, _l("%(field)s: this value cannot be used.", field=field))


def veto_label(code: str):
    return VETO_LABELS.get(code, code)
