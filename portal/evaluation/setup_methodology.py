"""The methodology (评价办法) generated from a scheme: the components and their weights, the sample rule, the
shrinkage, the adjustments and their caps, the veto, grades, pools, elimination and the ladder, and a worked
example a reader can recompute by hand with the page's own numbers.

Arithmetic of the example (the published rule): scores in points with two decimals; weights in per cent with
two decimals; the weighted mean over the components present is rounded half up to two decimals; then
+ min(bonus, cap) − min(penalty, cap), clamped to 0..max.
"""
from __future__ import annotations

from dataclasses import dataclass

from portal.evaluation.rules import COMPONENTS, SchemeRules


def round_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (both non-negative integers)."""
    return (2 * numerator + denominator) // (2 * denominator)


def shrunk_cp(mean_cp: int, n: int, pool_mean_cp: int, k: int) -> int:
    """(n · mean + k · pool mean) / (n + k), rounded half up."""
    if n + k == 0:
        return pool_mean_cp
    return round_div(n * mean_cp + k * pool_mean_cp, n + k)


def composite_cp(rules: SchemeRules, scores_cp: dict[str, int | None], bonus_cp: int, penalty_cp: int) -> dict:
    """The composite of one project: weighted mean over the present components, + capped bonus − capped penalty,
    clamped. Returns every intermediate figure (centipoints, weights in ten-thousandths)."""
    present = {c: s for c, s in scores_cp.items() if s is not None and rules.weights.get(c, 0) > 0}
    total_weight = sum(rules.weights[c] for c in present)
    weighted = sum(rules.weights[c] * s for c, s in present.items())
    base = round_div(weighted, total_weight) if total_weight else 0
    bonus = min(bonus_cp, rules.bonus_cap_cp)
    penalty = min(penalty_cp, rules.penalty_cap_cp)
    final = max(0, min(rules.score_max_cp, base + bonus - penalty))
    return {"present": present, "total_weight": total_weight, "weighted": weighted, "base_cp": base,
            "bonus_cp": bonus, "penalty_cp": penalty, "composite_cp": final}


@dataclass(frozen=True)
class Example:
    units: int
    sample: int
    needed: int
    owner_mean_cp: int
    pool_mean_cp: int
    owner_cp: int
    scores_cp: dict
    bonus_cp: int
    penalty_cp: int
    result: dict
    grade: str
    weights: dict

    @property
    def terms(self) -> str:
        """The weighted sum written out: 35% × 84.04 + 25% × 78.00 + 20% × 82.50."""
        return " + ".join(f"{percent(self.weights[c])}% × {points(s)}" for c, s in self.result["present"].items())


def worked_example(rules: SchemeRules) -> Example:
    """A project of 240 units, 60 of which scored (mean 84.50, pool mean 80.00), community 78.00, inspection 82.50,
    no ticket component (absent: the other weights re-normalise); one bonus of 2, penalties of 3."""
    units, sample, mean, pool = 240, 60, 8450, 8000
    owner = shrunk_cp(mean, sample, pool, rules.shrinkage_strength)
    scores = {"owner": owner, "community": 7800, "authority": 8250, "ticket": None}
    result = composite_cp(rules, scores, 200, 300)
    return Example(units=units, sample=sample, needed=rules.sample_needed(units), owner_mean_cp=mean,
                   pool_mean_cp=pool, owner_cp=owner, scores_cp=scores, bonus_cp=200, penalty_cp=300, result=result,
                   grade=rules.grade_for(result["composite_cp"], veto=False), weights=dict(rules.weights))


def points(cp: int | None) -> str:
    """Centipoints as points with two decimals: 8735 → 87.35."""
    if cp is None:
        return "—"
    sign = "-" if cp < 0 else ""
    cp = abs(cp)
    return f"{sign}{cp // 100}.{cp % 100:02d}"


def percent(weight: int) -> str:
    """Ten-thousandths as per cent with up to two decimals: 3500 → 35, 3333 → 33.33."""
    whole, rest = divmod(weight, 100)
    return f"{whole}" if not rest else f"{whole}.{rest:02d}".rstrip("0")


def components() -> tuple[str, ...]:
    return COMPONENTS
