"""The elimination ladder: the rule table over simulated periods (property test), and its application to a
period's results in the database (cards, counts, rectification plans opened, idempotent)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.evaluation import ladder
from portal.evaluation.result_models import LadderEntry, LadderLevel, RectificationPlan
from portal.evaluation.rules import SchemeRules
from portal.extensions import db
from tests.portal.disclosures.helpers import in_tenant
from tests.portal.evaluation.results import factory

RULES = SchemeRules()
ORDER = ladder.ORDER

period_outcome = st.fixed_dictionaries({
    "caught": st.booleans(), "veto": st.booleans(), "ranked": st.booleans(),
    "grade": st.sampled_from(["excellent", "good", "pass", "fail"]), "open_rectification": st.booleans()})


def expected(history):
    """The rule table, written out independently: walk the periods with plain counters."""
    level, bad, good = "none", 0, 0
    for p in history:
        if p["veto"]:
            level, bad, good = "removal", bad + 1, 0
        elif p["caught"] and p["ranked"]:
            bad += 1
            good = 0
            by_count = ("removal" if bad >= 3 else "red" if bad >= 2 else "yellow" if bad >= 1 else "none")
            level = max(level, by_count, key=["none", "yellow", "red", "removal"].index)
        elif not p["ranked"]:
            bad = 0
        elif p["grade"] == "fail":
            bad, good = 0, 0
        else:
            bad, good = 0, good + 1
            if level != "none" and good >= 2 and not p["open_rectification"]:
                level = "none"
    return level, bad, good


@settings(max_examples=400, deadline=None)
@given(st.lists(period_outcome, min_size=4, max_size=4))
def test_four_periods_follow_the_rule_table(history):
    pos = ladder.Position()
    for p in history:
        pos = ladder.step(pos, rules=RULES, **p)
    assert (pos.level.value, pos.consecutive_bad, pos.consecutive_good) == expected(history)


@settings(max_examples=200, deadline=None)
@given(st.lists(period_outcome, min_size=1, max_size=4))
def test_never_carded_without_being_caught_or_vetoed(history):
    pos = ladder.Position()
    for p in history:
        pos = ladder.step(pos, rules=RULES, **p)
    if not any(p["veto"] or (p["caught"] and p["ranked"]) for p in history):
        assert pos.level == LadderLevel.NONE


def test_escalation_and_exit_examples():
    caught = dict(caught=True, veto=False, ranked=True, grade="fail", open_rectification=False)
    good = dict(caught=False, veto=False, ranked=True, grade="good", open_rectification=False)
    pos = ladder.Position()
    levels = []
    for p in (caught, caught, caught):
        pos = ladder.step(pos, rules=RULES, **p)
        levels.append(pos.level)
    assert levels == [LadderLevel.YELLOW, LadderLevel.RED, LadderLevel.REMOVAL]
    pos = ladder.step(ladder.Position(LadderLevel.YELLOW, 1, 0), rules=RULES, **good)
    assert pos.level == LadderLevel.YELLOW and pos.rule == "kept"
    blocked = ladder.step(pos, rules=RULES, **{**good, "open_rectification": True})
    assert blocked.level == LadderLevel.YELLOW
    lifted = ladder.step(pos, rules=RULES, **good)
    assert lifted.level == LadderLevel.NONE and lifted.rule == "exit"
    veto = ladder.step(ladder.Position(), rules=RULES, **{**good, "veto": True})
    assert veto.level == LadderLevel.REMOVAL and veto.rule == "veto"


def test_apply_period_places_projects_and_opens_plans(app, world):
    from tenants.models import Tenant

    with app.app_context(), in_tenant(world.a):
        tenant = db.session.get(Tenant, world.a.tenant_id)
        scheme = factory.make_scheme(number=91)
        from portal.communities.models import Community
        from portal.firms.models import Firm
        from tests.factories import credit_code

        firm = Firm(name="阶梯物业", credit_code=credit_code(5151))
        db.session.add(firm)
        db.session.flush()
        communities = []
        for i in range(3):
            c = Community(name=f"阶梯小区{i}", address="路", area_id=world.a.office_id)
            db.session.add(c)
            db.session.flush()
            communities.append(c.id)
        now = dt.datetime(2026, 4, 20, 2, 0, tzinfo=dt.timezone.utc)
        q1 = factory.make_period(scheme, "阶梯一季度", start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
        run1 = factory.make_run(q1)
        factory.make_result(run1, communities[0], firm.id, owner=3000, bottom=True)
        factory.make_result(run1, communities[1], firm.id, veto=True)
        factory.make_result(run1, communities[2], firm.id)
        ladder.apply_period(tenant=tenant, period=q1, run_id=run1.id, rules=RULES, actor=None, now=now)
        ladder.apply_period(tenant=tenant, period=q1, run_id=run1.id, rules=RULES, actor=None, now=now)  # idempotent
        entries = {e.community_id: e for e in db.session.scalars(sa.select(LadderEntry).where(LadderEntry.period_id == q1.id))}
        assert len(entries) == 3
        assert entries[communities[0]].level == LadderLevel.YELLOW
        assert entries[communities[1]].level == LadderLevel.REMOVAL
        assert entries[communities[2]].level == LadderLevel.NONE
        plans = list(db.session.scalars(sa.select(RectificationPlan).where(RectificationPlan.firm_id == firm.id)))
        assert len(plans) == 1 and plans[0].deadline == dt.date(2026, 5, 20)
        q2 = factory.make_period(scheme, "阶梯二季度", start=dt.date(2026, 4, 1), end=dt.date(2026, 6, 30))
        run2 = factory.make_run(q2)
        factory.make_result(run2, communities[0], firm.id, owner=3000, bottom=True)
        ladder.apply_period(tenant=tenant, period=q2, run_id=run2.id, rules=RULES, actor=None, now=now)
        second = ladder.position_of(q2.id, communities[0])
        assert second.level == LadderLevel.RED and second.consecutive_bad == 2
        assert second.previous_level == LadderLevel.YELLOW
        db.session.rollback()
