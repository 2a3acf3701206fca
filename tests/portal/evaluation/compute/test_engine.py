"""The evaluation engine on small worlds: composites computed by hand (every number), renormalisation, the
service rule, small samples, fingerprints. The same tests run on SQLite and on PostgreSQL
(PORTAL_TEST_DATABASE_URL): the hand-computed rows and the pinned digest below are what both must give."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.evaluation import engine
from portal.evaluation.models import OwnerScore, ScoreAdjustment
from portal.evaluation.result_models import RunPurpose
from portal.extensions import db
from tenants import tenant_scope
from tests.portal.evaluation.compute.builder import Project, build
from tests.portal.evaluation.compute.helpers import compute, firm_rows, positional_digest, project_rows

pytestmark = pytest.mark.pg

SCENARIO_A = [
    Project(units=40, scores=[8000] * 30 + [6000] * 5, community=[8500, 9000], authority=[7000]),
    Project(units=10, scores=[5000, 10000], community=[6000], bonus=[300, 400], penalty=[100]),
    Project(units=5, veto=True, authority=[9900], firm=1),
]


def test_composites_computed_by_hand_without_the_ticket_component(app_ctx, no_tickets):
    built = build(SCENARIO_A)
    run = compute(built)
    assert run.ticket_component is False and run.projects == 3 and run.scores == 37 and run.seq == 1
    p0, p1, p2 = project_rows(built, run.id)
    # Pool grade2 holds all three: 37 scores summing 270000 + 15000 → pool mean 285000/37 = 7702.7 → 7703.
    # P0: 30×80 + 5×60 → raw 270000/35 = 7714.29 → 7714; shrunk (270000 + 20×7703)/(35 + 20) = 7710.18 → 7710.
    # Variance (35×2.1e9 − 270000²)/(35×34) = 504201.7 → 504202; half width 1.96×√(35×504202)/55 = 149.7 → 150.
    # Weights without the ticket component: 3500, 2500, 2000 over 8000 → 4375, 3125, 2500.
    # Community (8500 + 9000)/2 = 8750; weighted (4375×7710 + 3125×8750 + 2500×7000)/10000 = 7857.5 → 7858.
    assert p0 == {"pool": "grade2", "units": 40, "sample_n": 35, "sample_needed": 30, "sample_ok": True,
                  "owner_raw_cp": 7714, "owner_cp": 7710, "owner_ci_low_cp": 7560, "owner_ci_high_cp": 7860,
                  "community_cp": 8750, "authority_cp": 7000, "ticket_cp": None, "w_owner": 4375, "w_community": 3125,
                  "w_authority": 2500, "w_ticket": 0, "weighted_cp": 7858, "bonus_cp": 0, "penalty_cp": 0,
                  "veto": False, "composite_cp": 7858, "grade": "pass", "ranked": True, "not_ranked_reason": "",
                  "rank": 1, "pool_size": 3, "bottom": False, "firm": 0}
    # P1: 2 scores (needs 30: 样本不足); raw 7500; shrunk (15000 + 20×7703)/22 = 7685.45 → 7685.
    # Variance (2×1.25e8 − 15000²)/2 = 12500000; half width 1.96×√(2×12500000)/22 = 445.45 → 445.
    # Owner and community only: 3500×10000/6000 = 5833, 2500×10000/6000 = 4166, the remainder 1 to the owner.
    # Weighted (5834×7685 + 4166×6000)/10000 = 6982.9 → 6983; bonus 700 capped at 500; penalty 100 → 7383.
    assert p1 == {"pool": "grade2", "units": 10, "sample_n": 2, "sample_needed": 30, "sample_ok": False,
                  "owner_raw_cp": 7500, "owner_cp": 7685, "owner_ci_low_cp": 7240, "owner_ci_high_cp": 8130,
                  "community_cp": 6000, "authority_cp": None, "ticket_cp": None, "w_owner": 5834, "w_community": 4166,
                  "w_authority": 0, "w_ticket": 0, "weighted_cp": 6983, "bonus_cp": 500, "penalty_cp": 100,
                  "veto": False, "composite_cp": 7383, "grade": "pass", "ranked": True, "not_ranked_reason": "",
                  "rank": 2, "pool_size": 3, "bottom": False, "firm": 0}
    # P2: the inspection alone (weight 10000) → 9900, but a veto: grade fail, ranked last, caught.
    assert p2 == {"pool": "grade2", "units": 5, "sample_n": 0, "sample_needed": 30, "sample_ok": False,
                  "owner_raw_cp": None, "owner_cp": None, "owner_ci_low_cp": None, "owner_ci_high_cp": None,
                  "community_cp": None, "authority_cp": 9900, "ticket_cp": None, "w_owner": 0, "w_community": 0,
                  "w_authority": 10000, "w_ticket": 0, "weighted_cp": 9900, "bonus_cp": 0, "penalty_cp": 0,
                  "veto": True, "composite_cp": 9900, "grade": "fail", "ranked": True, "not_ranked_reason": "",
                  "rank": 3, "pool_size": 3, "bottom": True, "firm": 1}
    # Firm 0: (40×7858 + 10×7383)/50 = 7763; firm 1 has a vetoed project: fail, ranked after.
    assert firm_rows(built, run.id) == [
        {"projects": 2, "units": 50, "composite_cp": 7763, "grade": "pass", "vetoed_projects": 0, "rank": 1,
         "pool_size": 2},
        {"projects": 1, "units": 5, "composite_cp": 9900, "grade": "fail", "vetoed_projects": 1, "rank": 2,
         "pool_size": 2}]
    # Both backends give exactly these rows: their digest is pinned.
    assert positional_digest(built, run.id) == PINNED_A


PINNED_A = "26199b2fa19b96761327d08281d7d51c37105d69faee7e4160a6cfe53cbc49a7"


def test_ticket_component_and_a_new_contract(app_ctx, tickets):
    built = build([Project(units=30, scores=[9000] * 30, community=[8000], authority=[9000]),
                   Project(units=30, scores=[6000] * 30, community=[7000], start=dt.date(2026, 3, 1))])
    tickets({built.community_ids[0]: 7000})
    run = compute(built)
    assert run.ticket_component is True
    p0, p1 = project_rows(built, run.id)
    # Pool mean (270000 + 180000)/60 = 7500. P0 shrunk (270000 + 150000)/50 = 8400, no spread → interval 0.
    # All four present: (3500×8400 + 2500×8000 + 2000×9000 + 2000×7000)/10000 = 8140.
    assert (p0["owner_cp"], p0["owner_ci_low_cp"], p0["owner_ci_high_cp"]) == (8400, 8400, 8400)
    assert (p0["w_owner"], p0["w_community"], p0["w_authority"], p0["w_ticket"]) == (3500, 2500, 2000, 2000)
    assert (p0["ticket_cp"], p0["weighted_cp"], p0["composite_cp"], p0["grade"]) == (7000, 8140, 8140, "good")
    assert (p0["ranked"], p0["rank"], p0["pool_size"], p0["bottom"]) == (True, 1, 1, False)
    # P1 started 1 March 2026: less than 12 months by 30 September → shown, not ranked, never caught.
    # Shrunk (180000 + 150000)/50 = 6600; no ticket for it → 5834/4166: (5834×6600 + 4166×7000)/10000 → 6767.
    assert (p1["owner_cp"], p1["w_owner"], p1["w_community"], p1["ticket_cp"]) == (6600, 5834, 4166, None)
    assert (p1["composite_cp"], p1["grade"], p1["ranked"], p1["not_ranked_reason"], p1["rank"], p1["bottom"]) == \
        (6767, "fail", False, "new_contract", None, False)
    # Firm: (30×8140 + 30×6767)/60 = 7453.5 → 7454.
    assert firm_rows(built, run.id) == [{"projects": 2, "units": 60, "composite_cp": 7454, "grade": "pass",
                                         "vetoed_projects": 0, "rank": 1, "pool_size": 1}]


def small_sample_pool(last: Project) -> list[Project]:
    return [Project(units=30, scores=[8000] * 30, community=[8000], authority=[8000]) for _ in range(9)] + [last]


def test_a_small_sample_is_not_caught_on_the_owner_component_alone(app_ctx, no_tickets):
    # Ten ranked projects: the bottom 10 % is one. The last has two scores of 0 (needs 40 of its 200 units).
    built = build(small_sample_pool(Project(units=200, scores=[0, 0], community=[8000], authority=[8000])))
    rows = project_rows(built, compute(built).id)
    last = rows[-1]
    # Pool mean 2160000/272 = 7941.2 → 7941; shrunk 20×7941/22 = 7219.1 → 7219; weighted
    # (4375×7219 + 3125×8000 + 2500×8000)/10000 = 7658.3 → 7658: ranked last, but without the owner component
    # it would score 8000, above the cutoff (its own 7658): not caught.
    assert (last["owner_cp"], last["composite_cp"], last["rank"], last["sample_ok"]) == (7219, 7658, 10, False)
    assert not any(r["bottom"] for r in rows)


def test_a_valid_sample_at_the_bottom_is_caught(app_ctx, no_tickets):
    built = build(small_sample_pool(Project(units=200, scores=[0] * 40, community=[8000], authority=[8000])))
    last = project_rows(built, compute(built).id)[-1]
    assert (last["sample_ok"], last["rank"], last["bottom"]) == (True, 10, True)


def test_a_small_sample_is_caught_when_the_other_components_catch_it(app_ctx, no_tickets):
    built = build(small_sample_pool(Project(units=200, scores=[0, 0], community=[5000], authority=[5000])))
    last = project_rows(built, compute(built).id)[-1]
    # Without the owner component it scores 5000: below 70, grade fail either way → caught.
    assert (last["sample_ok"], last["grade"], last["bottom"]) == (False, "fail", True)


def test_same_inputs_same_fingerprints_and_any_change_shows(app_ctx, no_tickets, tickets):
    built = build(SCENARIO_A)
    first, second = compute(built), compute(built, RunPurpose.RECOMPUTE)
    assert (second.seq, built.period.current_run_id) == (2, second.id)
    assert (first.inputs_fingerprint, first.results_fingerprint) == \
        (second.inputs_fingerprint, second.results_fingerprint)
    assert len(first.inputs_fingerprint) == 64 and first.inputs_fingerprint != first.results_fingerprint
    with tenant_scope(built.tenant):
        score = db.session.scalars(sa.select(OwnerScore).order_by(OwnerScore.id)).first()
        score.score_cp += 1
        db.session.flush()
    third = compute(built)
    assert third.inputs_fingerprint != first.inputs_fingerprint
    with tenant_scope(built.tenant):
        score.score_cp -= 1
        bonus = db.session.scalars(sa.select(ScoreAdjustment).where(ScoreAdjustment.points_cp == 300)).one()
        bonus.revoked_at = dt.datetime(2026, 10, 9, tzinfo=dt.timezone.utc)
        db.session.flush()
    fourth = compute(built)
    # The bonus of 400 alone stays under the cap of 500: the composite drops by 100.
    assert fourth.inputs_fingerprint not in (first.inputs_fingerprint, third.inputs_fingerprint)
    assert project_rows(built, fourth.id)[1]["bonus_cp"] == 400
    assert fourth.results_fingerprint != first.results_fingerprint
    tickets({built.community_ids[0]: 5000})
    fifth = compute(built)
    assert fifth.ticket_component and fifth.inputs_fingerprint != fourth.inputs_fingerprint
    assert project_rows(built, fifth.id)[0]["w_ticket"] == 2000


def test_a_period_without_scheme_is_refused(app_ctx, no_tickets):
    built = build([Project(scores=[5000])])
    built.period.scheme_id = None
    with pytest.raises(engine.EvaluationError):
        compute(built)


@pytest.mark.parametrize("end, months, expected", [
    (dt.date(2026, 9, 30), 12, dt.date(2025, 10, 1)),
    (dt.date(2026, 12, 31), 12, dt.date(2026, 1, 1)),
    (dt.date(2026, 5, 30), 3, dt.date(2026, 2, 28)),  # the day after is 31 May; three months back is 28 Feb
    (dt.date(2024, 5, 30), 3, dt.date(2024, 2, 29)),
])
def test_served_since(end, months, expected):
    assert engine.served_since(end, months) == expected
