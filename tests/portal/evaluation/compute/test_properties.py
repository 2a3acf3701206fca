"""Property tests of the engine (hypothesis): results do not depend on the order rows were inserted in, and a
project under the minimum sample is never caught by the bottom rule on its owner component alone."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.evaluation.rules import DEFAULT_RULES
from tests.portal.evaluation.compute.builder import Project, build
from tests.portal.evaluation.compute.helpers import compute, project_rows, reinsert_shuffled

pytestmark = pytest.mark.pg
SETTINGS = settings(max_examples=8, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

points = st.integers(0, 100).map(lambda p: p * 100)
projects = st.builds(
    Project,
    units=st.integers(1, 45),
    scores=st.lists(points, max_size=40),
    community=st.lists(points, max_size=2),
    authority=st.lists(points, max_size=2),
    bonus=st.lists(st.integers(0, 400), max_size=2),
    penalty=st.lists(st.integers(0, 1500), max_size=2),
    veto=st.sampled_from([False] * 7 + [True]),
    firm=st.integers(0, 2),
    grade=st.sampled_from(["grade1", "grade2"]),
).map(lambda p: Project(**{**p.__dict__, "scores": p.scores[:p.units]}))
worlds = st.lists(projects, min_size=2, max_size=12)
# One pool of at least ten ranked projects: the bottom 10 % catches at least one by rank.
one_pool = st.lists(projects.map(lambda p: Project(**{**p.__dict__, "grade": "grade2"})), min_size=10, max_size=14)


@SETTINGS
@given(world=worlds, seed=st.integers(0, 10_000))
def test_results_do_not_depend_on_row_order(app_ctx, no_tickets, world, seed):
    built = build(world)
    first = compute(built)
    reinsert_shuffled(built, seed)
    second = compute(built)
    assert (first.inputs_fingerprint, first.results_fingerprint) == \
        (second.inputs_fingerprint, second.results_fingerprint)


def rdiv(a: int, b: int) -> int:
    return (2 * a + b) // (2 * b)


def composite_without_owner(row: dict, rules=DEFAULT_RULES) -> int | None:
    """The reference: the composite with the owner component left out and the others re-normalised."""
    present = [c for c in ("community", "authority", "ticket") if row[f"{c}_cp"] is not None]
    total = sum(rules.weights[c] for c in present)
    if not total:
        return None
    weights = {c: rules.weights[c] * 10000 // total for c in present}
    weights[present[0]] += 10000 - sum(weights.values())
    weighted = rdiv(sum(weights[c] * row[f"{c}_cp"] for c in present), 10000)
    return max(0, min(rules.score_max_cp, weighted + row["bonus_cp"] - row["penalty_cp"]))


@SETTINGS
@given(world=one_pool)
def test_a_small_sample_is_never_caught_on_the_owner_component_alone(app_ctx, no_tickets, world):
    built = build(world)
    rows = project_rows(built, compute(built).id)
    bands = [band.grade for band in DEFAULT_RULES.grade_bands]
    for row in rows:
        if not row["bottom"] or row["sample_ok"] or row["veto"]:
            continue
        other = composite_without_owner(row)
        assert other is not None, "caught with nothing but the owner component"
        pool = [r for r in rows if r["pool"] == row["pool"] and r["ranked"]]
        caught = len(pool) * DEFAULT_RULES.elimination_value // 100
        cutoff = max((r["composite_cp"] for r in pool
                      if r["rank"] > len(pool) - caught and not r["veto"]), default=None)
        by_rank = cutoff is not None and row["rank"] > len(pool) - caught and other <= cutoff
        by_grade = bands.index(DEFAULT_RULES.grade_for(other, False)) >= bands.index(DEFAULT_RULES.elimination_grade)
        assert by_rank or by_grade, row
