"""Schemes and periods as services: versions, freezing on open, the lifecycle and its log, the appeal window in
working days, illegal steps refused with nothing changed, owners told when scoring opens and closes."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.checklists.models import ChecklistVersion
from portal.evaluation import setup_services as services
from portal.evaluation.models import EvaluationPeriod, EvaluationScheme, PeriodStatus, PeriodTransition, SchemeStatus
from portal.evaluation.rules import DEFAULT_RULES
from portal.evaluation.setup_services import SetupError
from portal.extensions import db
from tests.portal.evaluation.setup.helpers import EVE_OF_NATIONAL_DAY, UTC, admin_of, in_tenant

NOW = dt.datetime(2026, 7, 1, 1, 0, tzinfo=UTC)


def _scheme(number: int) -> EvaluationScheme:
    return db.session.scalar(sa.select(EvaluationScheme).where(EvaluationScheme.number == number))


def _period(world_tenant) -> EvaluationPeriod:
    return db.session.scalar(sa.select(EvaluationPeriod).where(EvaluationPeriod.id == world_tenant.eval_setup_period_id))


def _next_scheme_number() -> int:
    """Other parts of the test world number schemes of their own: a new version takes the next number."""
    return db.session.scalar(sa.select(sa.func.max(EvaluationScheme.number))) + 1


def test_a_draft_is_edited_in_place_and_a_published_version_never_changes(app, world):
    with app.app_context(), in_tenant(world.a):
        admin, tenant = admin_of(world.a), admin_of(world.a) and None
        from tenants.models import Tenant
        tenant = db.session.get(Tenant, world.a.tenant_id)
        v1 = _scheme(1)
        assert v1.status == SchemeStatus.PUBLISHED
        before = v1.rules
        changed = replace(DEFAULT_RULES, weights={"owner": 4000, "community": 2000, "authority": 2000, "ticket": 2000})
        next_number = _next_scheme_number()
        v2 = services.edit_scheme(tenant=tenant, actor=admin, scheme=v1, name="评价办法（修订）", rules=changed, now=NOW)
        assert (v2.number, v2.status, v1.rules) == (next_number, SchemeStatus.DRAFT, before)
        again = services.edit_scheme(tenant=tenant, actor=admin, scheme=v2, name="评价办法（二稿）", rules=changed,
                                     note="业主权重提高", now=NOW)
        assert again.id == v2.id and v2.name == "评价办法（二稿）"
        services.publish_scheme(tenant=tenant, actor=admin, scheme=v2, now=NOW)
        assert (v1.status, v2.status) == (SchemeStatus.RETIRED, SchemeStatus.PUBLISHED)
        with pytest.raises(SetupError) as refused:
            services.publish_scheme(tenant=tenant, actor=admin, scheme=v2, now=NOW)
        assert refused.value.status == 409


def test_rules_that_do_not_add_up_are_refused_naming_the_field(app, world):
    with app.app_context(), in_tenant(world.a):
        from tenants.models import Tenant
        tenant = db.session.get(Tenant, world.a.tenant_id)
        bad = replace(DEFAULT_RULES, weights={"owner": 5000, "community": 2500, "authority": 2000, "ticket": 2000})
        with pytest.raises(SetupError) as refused:
            services.create_scheme(tenant=tenant, actor=admin_of(world.a), name="x", rules=bad)
        assert refused.value.field == "weights"
        with pytest.raises(SetupError) as refused:
            services.create_scheme(tenant=tenant, actor=admin_of(world.a), name=" ", rules=DEFAULT_RULES)
        assert refused.value.field == "name"


def _tenant(world_tenant):
    from tenants.models import Tenant
    return db.session.get(Tenant, world_tenant.tenant_id)


def test_opening_freezes_the_scheme_and_lists_and_every_step_is_logged(app, world):
    with app.app_context(), in_tenant(world.a):
        tenant, admin, period = _tenant(world.a), admin_of(world.a), _period(world.a)
        services.transition(tenant=tenant, actor=admin, period=period, to=PeriodStatus.OPEN, reason="按季度开展",
                            now=NOW)
        scheme = _scheme(1)
        assert (period.status, period.scheme_id, scheme.status) == (PeriodStatus.OPEN, scheme.id, SchemeStatus.FROZEN)
        lists = db.session.scalars(sa.select(ChecklistVersion).where(
            ChecklistVersion.id.in_([period.list_a_version_id, period.list_c_version_id]))).all()
        assert len(lists) == 2 and all(v.frozen_at is not None for v in lists)
        # Scoring closes at the end of the period's last day, Shanghai time.
        assert period.scoring_closes_at == dt.datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
        # A frozen version is never edited: the change is a new version; the period keeps its own.
        next_number = _next_scheme_number()
        v2 = services.edit_scheme(tenant=tenant, actor=admin, scheme=scheme, name="新版", rules=DEFAULT_RULES, now=NOW)
        assert v2.number == next_number and period.scheme_id == scheme.id
        closed_at = NOW + dt.timedelta(days=92)
        services.transition(tenant=tenant, actor=admin, period=period, to=PeriodStatus.CLOSED, reason="评分结束",
                            now=closed_at)
        assert period.closed_at == closed_at
        log = db.session.scalars(sa.select(PeriodTransition).where(PeriodTransition.period_id == period.id)
                                 .order_by(PeriodTransition.id)).all()
        assert [(t.from_status, t.to_status, t.actor_id, t.reason) for t in log] == [
            (PeriodStatus.DRAFT, PeriodStatus.OPEN, admin.id, "按季度开展"),
            (PeriodStatus.OPEN, PeriodStatus.CLOSED, admin.id, "评分结束")]
        actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == str(period.id),
                                                                        AuditEvent.object_type == "evaluation_period")).all()
        assert {"evaluation.period_open", "evaluation.period_close"} <= set(actions)


@pytest.mark.parametrize("target", [PeriodStatus.CLOSED, PeriodStatus.COMPUTED, PeriodStatus.FINAL, PeriodStatus.DRAFT])
def test_a_step_out_of_order_is_refused_and_changes_nothing(app, world, target):
    with app.app_context(), in_tenant(world.a):
        period = _period(world.a)
        with pytest.raises(SetupError) as refused:
            services.transition(tenant=_tenant(world.a), actor=admin_of(world.a), period=period, to=target,
                                reason="跳步", now=NOW)
        assert refused.value.status == 409 and period.status == PeriodStatus.DRAFT
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(PeriodTransition))


def test_a_step_needs_a_reason(app, world):
    with app.app_context(), in_tenant(world.a):
        with pytest.raises(SetupError) as refused:
            services.transition(tenant=_tenant(world.a), actor=admin_of(world.a), period=_period(world.a),
                                to=PeriodStatus.OPEN, reason="  ", now=NOW)
        assert refused.value.field == "reason"


def test_a_period_cannot_open_without_a_published_scheme(app, world):
    with app.app_context(), in_tenant(world.a):
        for scheme in db.session.scalars(sa.select(EvaluationScheme)):  # the world's other parts have schemes too
            scheme.status = SchemeStatus.DRAFT
        with pytest.raises(SetupError) as refused:
            services.transition(tenant=_tenant(world.a), actor=admin_of(world.a), period=_period(world.a),
                                to=PeriodStatus.OPEN, reason="开", now=NOW)
        assert refused.value.code == "no_scheme"


def test_the_appeal_window_counts_working_days_over_the_national_day_week(app, world):
    with app.app_context(), in_tenant(world.a):
        period = _period(world.a)
        period.status = PeriodStatus.COMPUTED  # as the compute step leaves it (the computation is another part's)
        period.scheme_id = _scheme(1).id
        services.transition(tenant=_tenant(world.a), actor=admin_of(world.a), period=period, to=PeriodStatus.APPEAL,
                            reason="公示", now=EVE_OF_NATIONAL_DAY)
        # 7 working days after 30 September 2025: 9, 10, 11 (make-up Saturday), 13, 14, 15, 16 October.
        assert period.appeal_until == dt.date(2025, 10, 16)
        with pytest.raises(SetupError) as refused:
            services.transition(tenant=_tenant(world.a), actor=admin_of(world.a), period=period,
                                to=PeriodStatus.FINAL, reason="发布", now=dt.datetime(2025, 10, 16, 8, 0, tzinfo=UTC))
        assert refused.value.code == "appeal_window" and period.status == PeriodStatus.APPEAL


def test_owners_are_told_when_scoring_is_open_and_when_it_closed(app, world):
    with app.app_context(), in_tenant(world.a):
        tenant, admin, period = _tenant(world.a), admin_of(world.a), _period(world.a)
        for other in db.session.scalars(sa.select(EvaluationPeriod).where(EvaluationPeriod.id != period.id)):
            other.status = PeriodStatus.FINAL  # the scoring part's open period would be announced too
        assert services.owner_notices(NOW, tenant) == []
        services.transition(tenant=tenant, actor=admin, period=period, to=PeriodStatus.OPEN, reason="开", now=NOW)
        [notice] = services.owner_notices(NOW, tenant)
        assert notice["open"] and notice["closes_on"] == dt.date(2026, 9, 30)
        closed = dt.datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
        services.transition(tenant=tenant, actor=admin, period=period, to=PeriodStatus.CLOSED, reason="关", now=closed)
        [notice] = services.owner_notices(closed + dt.timedelta(days=1), tenant)
        assert not notice["open"] and notice["closed_on"] == dt.date(2026, 10, 1)
        assert services.owner_notices(closed + dt.timedelta(days=31), tenant) == []


def test_the_default_period_is_the_calendar_quarter():
    assert services.default_period(dt.date(2026, 11, 5)) == ("2026年第四季度", dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert services.default_period(dt.date(2026, 2, 28)) == ("2026年第一季度", dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def test_compute_and_publish_call_the_engine(app, world):
    pytest.importorskip("portal.evaluation.engine")
    from portal.evaluation.result_models import EvaluationRun

    with app.app_context(), in_tenant(world.a):
        tenant, admin, period = _tenant(world.a), admin_of(world.a), _period(world.a)
        services.transition(tenant=tenant, actor=admin, period=period, to=PeriodStatus.OPEN, reason="开", now=NOW)
        closed = dt.datetime(2026, 10, 9, 2, 0, tzinfo=UTC)
        services.transition(tenant=tenant, actor=admin, period=period, to=PeriodStatus.CLOSED, reason="关", now=closed)
        services.transition(tenant=tenant, actor=admin, period=period, to=PeriodStatus.COMPUTED, reason="算", now=closed)
        draft_run = period.current_run_id
        assert draft_run and db.session.get(EvaluationRun, draft_run).purpose.value == "draft"
        services.transition(tenant=tenant, actor=admin, period=period, to=PeriodStatus.APPEAL, reason="公示", now=closed)
        after = dt.datetime.combine(period.appeal_until + dt.timedelta(days=1), dt.time(2), UTC)
        services.transition(tenant=tenant, actor=admin, period=period, to=PeriodStatus.FINAL, reason="发布", now=after)
        assert period.current_run_id != draft_run and period.published_at == after
        assert db.session.get(EvaluationRun, period.current_run_id).purpose.value == "final"


def test_without_the_engine_computing_is_refused_not_a_crash(app, world):
    import importlib.util

    if importlib.util.find_spec("portal.evaluation.engine") is not None:
        pytest.skip("the computation is installed")
    with app.app_context(), in_tenant(world.a):
        period = _period(world.a)
        period.status = PeriodStatus.CLOSED
        with pytest.raises(SetupError) as refused:
            services.transition(tenant=_tenant(world.a), actor=admin_of(world.a), period=period,
                                to=PeriodStatus.COMPUTED, reason="算", now=NOW)
        assert refused.value.code == "no_engine"


def test_a_period_whose_last_day_has_passed_cannot_open(app, world):
    with app.app_context(), in_tenant(world.a):
        period = _period(world.a)
        with pytest.raises(SetupError) as refused:
            services.transition(tenant=_tenant(world.a), actor=admin_of(world.a), period=period, to=PeriodStatus.OPEN,
                                reason="开", now=dt.datetime(2026, 9, 30, 16, 0, tzinfo=UTC))
        assert refused.value.code == "period_over" and period.status == PeriodStatus.DRAFT
