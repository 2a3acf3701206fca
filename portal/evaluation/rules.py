"""The rules of an evaluation scheme (domain rules §8), as one immutable value stored as canonical JSON.

All numbers are integers so that every computation is exact and identical on SQLite and PostgreSQL:
weights in ten-thousandths (3500 = 0.35), points in centipoints (500 = 5 points), shares in per-mille.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace

COMPONENTS = ("owner", "community", "authority", "ticket")

# 一票否决 conditions (§8.1): code → what it means (labels live in portal.evaluation.wording).
VETO_CONDITIONS = ("revenue_misuse", "repair_fund_misuse", "safety_incident", "utility_cutoff",
                   "refused_handover", "forged_satisfaction")

POOL_RULES = ("grade", "grade_area", "all")            # same contracted grade (default), + same district, one pool
ELIMINATION_MODES = ("bottom_percent", "bottom_n", "grade")


@dataclass(frozen=True)
class GradeBand:
    grade: str      # portal.evaluation.models.Grade value
    min_cp: int     # lowest composite (centipoints) in the band


@dataclass(frozen=True)
class SchemeRules:
    # Component weights in ten-thousandths; they sum to 10000. Absent components re-normalise the rest.
    weights: dict[str, int] = field(default_factory=lambda: {"owner": 3500, "community": 2500, "authority": 2000,
                                                              "ticket": 2000})
    bonus_cap_cp: int = 500          # min(Bonus, 5)
    penalty_cap_cp: int = 3000       # min(Penalty, 30)
    score_max_cp: int = 10500        # clamp to 0..105
    veto_conditions: tuple[str, ...] = VETO_CONDITIONS
    # Highest band first; a composite falls into the first band whose minimum it reaches.
    grade_bands: tuple[GradeBand, ...] = (GradeBand("excellent", 9000), GradeBand("good", 8000),
                                          GradeBand("pass", 7000), GradeBand("fail", 0))
    pool_rule: str = "grade"
    min_sample_units: int = 30       # owner sample valid only with ≥ max(30 units, 20 % of units)
    min_sample_permille: int = 200
    shrinkage_strength: int = 20     # pseudo-scores pulling a project's owner mean toward its pool mean
    elimination_mode: str = "bottom_percent"
    elimination_value: int = 10      # 10 % of the pool, or N projects, per the mode
    elimination_grade: str = "fail"  # also caught: this grade or worse (and every veto)
    yellow_after: int = 1            # consecutive periods caught → yellow card
    red_after: int = 2               # → red card
    removal_after: int = 3           # → removal recommended (建议清退); any veto goes straight there
    exit_after: int = 2              # consecutive periods at pass or better, no open rectification → card lifted
    rectification_days: int = 30     # calendar days to rectify after a card
    appeal_working_days: int = 7     # 公示 and appeal window
    review_working_days: int = 10    # the reviewer decides within
    min_service_months: int = 12     # projects served for less are shown but not ranked
    board_overdue_penalty_cp: int = 200      # each missed notice-board section (e.g. quarterly public revenue) −2
    objection_late_penalty_cp: int = 100     # each objection not answered in time −1
    adjustment_validity_days: int = 365      # good and bad records expire after a year unless set otherwise

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "SchemeRules":
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "grade_bands" in values:
            values["grade_bands"] = tuple(GradeBand(**band) for band in values["grade_bands"])
        if "veto_conditions" in values:
            values["veto_conditions"] = tuple(values["veto_conditions"])
        return replace(cls(), **values)

    def grade_for(self, composite_cp: int, veto: bool) -> str:
        if veto:
            return "fail"
        for band in self.grade_bands:
            if composite_cp >= band.min_cp:
                return band.grade
        return self.grade_bands[-1].grade

    def sample_needed(self, units: int) -> int:
        """max(min units, share of the units), the share rounded up: 20 % of 151 units is 31."""
        return max(self.min_sample_units, -(-units * self.min_sample_permille // 1000))

    def problems(self) -> list[tuple[str, str]]:
        """(field, rule broken) for every inconsistency; empty when the rules can be used. English; the forms
        translate by field."""
        found = []
        if set(self.weights) != set(COMPONENTS) or any(w < 0 for w in self.weights.values()):
            found.append(("weights", "one non-negative weight per component"))
        elif sum(self.weights.values()) != 10000:
            found.append(("weights", "weights must add up to 100 %"))
        if self.pool_rule not in POOL_RULES:
            found.append(("pool_rule", "unknown pool rule"))
        if self.elimination_mode not in ELIMINATION_MODES:
            found.append(("elimination_mode", "unknown elimination rule"))
        minimums = [band.min_cp for band in self.grade_bands]
        if minimums != sorted(minimums, reverse=True) or not minimums or minimums[-1] != 0:
            found.append(("grade_bands", "bands from highest to lowest, the last starting at 0"))
        if not (self.yellow_after <= self.red_after <= self.removal_after):
            found.append(("ladder", "yellow ≤ red ≤ removal"))
        if any(code not in VETO_CONDITIONS for code in self.veto_conditions):
            found.append(("veto_conditions", "unknown veto condition"))
        return found


DEFAULT_RULES = SchemeRules()
