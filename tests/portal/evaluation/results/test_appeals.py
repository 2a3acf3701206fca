"""Appeals: filed in the window by the firm or the owners' committee (one per item per side, with photos), never
by others; decided with reasons by a reviewer who did not score the item; an upheld appeal revokes the record and
recomputes the period through the engine, and both runs are kept and shown side by side."""
from __future__ import annotations

import io
import sys
import types

import pytest
import sqlalchemy as sa
from freezegun import freeze_time
from PIL import Image

from portal.evaluation.models import EvidenceFile, ScoreAdjustment
from portal.evaluation.result_models import Appeal, AppealStatus, EvaluationRun, RunPurpose
from portal.extensions import db
from tenants.roles import Role
from tests.conftest import csrf_token_for
from tests.portal.disclosures.helpers import in_tenant
from tests.portal.evaluation.results import factory

IN_WINDOW = "2026-10-15 02:00:00"
AFTER_WINDOW = "2026-10-25 02:00:00"


def _png():
    out = io.BytesIO()
    Image.new("RGB", (20, 10), (0, 99, 0)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def fake_engine(app, monkeypatch):
    """Until the engine lands: a compute_period that writes the next run with the revoked penalty removed."""
    calls = []

    def compute_period(*, tenant, period, actor, purpose, reason, now):
        last = db.session.scalar(sa.select(sa.func.max(EvaluationRun.seq)).where(EvaluationRun.period_id == period.id))
        run = factory.make_run(period, seq=last + 1, purpose=purpose, current=False)
        for adj_sum, community_id, firm_id in db.session.execute(sa.text(
                "SELECT 0, community_id, firm_id FROM evaluation_project_results WHERE run_id = :r"),
                {"r": period.current_run_id}).all():
            penalty = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(ScoreAdjustment.points_cp), 0)).where(
                ScoreAdjustment.community_id == community_id, ScoreAdjustment.revoked_at.is_(None)))
            factory.make_result(run, community_id, firm_id, penalty=penalty)
        calls.append((purpose, reason))
        return run

    module = types.ModuleType("portal.evaluation.engine")
    module.compute_period = compute_period
    monkeypatch.setitem(sys.modules, "portal.evaluation.engine", module)
    import portal.evaluation as package
    monkeypatch.setattr(package, "engine", module, raising=False)
    return calls


def _url(world, suffix=""):
    return f"/t/alpha/evaluation/results/{world.a.eval_result_period_id}/projects/{world.a.community_id}/appeal{suffix}"


def test_committee_files_an_appeal_with_a_photo_once(app, world, client_as):
    with freeze_time(IN_WINDOW):
        committee = client_as(Role.COMMITTEE_MEMBER, "a")
        form = committee.get(_url(world))
        assert form.status_code == 200 and "申诉" in form.text
        data = {"item": "owner:0", "statement": "评分期间停电，业主无法评分", "csrf_token": csrf_token_for(committee),
                "photos": (io.BytesIO(_png()), "a.png")}
        response = committee.post(_url(world), data=data, content_type="multipart/form-data")
        assert response.status_code == 303, response.text
        again = committee.post(_url(world), data={"item": "owner:0", "statement": "再次", "csrf_token": csrf_token_for(committee)})
        assert again.status_code == 409 and "已就该事项申诉过" in again.text
        empty = committee.post(_url(world), data={"item": "authority:0", "statement": "", "csrf_token": csrf_token_for(committee)})
        assert empty.status_code == 400
    with app.app_context(), in_tenant(world.a):
        appeal = db.session.scalar(sa.select(Appeal).where(Appeal.filed_as == "committee"))
        assert appeal.item.value == "owner"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile).where(
            EvidenceFile.subject_id == appeal.id, EvidenceFile.subject == "appeal")) == 1


def test_outside_the_window_or_by_others_refused(app, world, client_as):
    with freeze_time(AFTER_WINDOW):
        committee = client_as(Role.COMMITTEE_MEMBER, "a")
        closed = committee.post(_url(world), data={"item": "owner:0", "statement": "晚了", "csrf_token": csrf_token_for(committee)})
        assert closed.status_code == 409
    with freeze_time(IN_WINDOW):
        assert client_as(Role.OWNER, "a").get(_url(world)).status_code == 403
        assert client_as(Role.BUREAU_STAFF, "a").get(_url(world)).status_code == 403
        other = client_as(Role.COMMITTEE_MEMBER, "b")
        assert other.get(f"/t/beta/evaluation/results/{world.a.eval_result_period_id}/projects/{world.a.community_id}/appeal").status_code == 404
    with app.app_context(), in_tenant(world.a):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Appeal)) == 1


def test_original_scorer_cannot_decide(app, world, client_as, fake_engine):
    staff = client_as(Role.BUREAU_STAFF, "a")  # recorded the appealed penalty
    url = f"/t/alpha/evaluation/appeals/{world.a.eval_appeal_id}"
    page = staff.get(url)
    assert page.status_code == 200 and "须由其他复核人" in page.text
    refused = staff.post(url, data={"decision": "upheld", "reason": "同意", "csrf_token": csrf_token_for(staff)})
    assert refused.status_code == 403
    assert fake_engine == []
    with app.app_context(), in_tenant(world.a):
        assert db.session.get(Appeal, world.a.eval_appeal_id).status == AppealStatus.FILED


def test_upheld_appeal_revokes_and_recomputes_both_runs_shown(app, world, client_as, client, fake_engine):
    admin = client_as(Role.BUREAU_ADMIN, "a")
    url = f"/t/alpha/evaluation/appeals/{world.a.eval_appeal_id}"
    missing = admin.post(url, data={"decision": "upheld", "reason": "", "csrf_token": csrf_token_for(admin)})
    assert missing.status_code == 400
    done = admin.post(url, data={"decision": "upheld", "reason": "扣分依据不足", "csrf_token": csrf_token_for(admin)})
    assert done.status_code == 303, done.text
    assert fake_engine and fake_engine[0][0] == RunPurpose.RECOMPUTE
    with app.app_context(), in_tenant(world.a):
        appeal = db.session.get(Appeal, world.a.eval_appeal_id)
        assert appeal.status == AppealStatus.UPHELD and appeal.decision_reason == "扣分依据不足"
        assert appeal.result_run_id is not None
        adjustment = db.session.get(ScoreAdjustment, appeal.item_ref)
        assert adjustment.revoked_at is not None
        runs = db.session.scalar(sa.select(sa.func.count()).select_from(EvaluationRun).where(
            EvaluationRun.period_id == world.a.eval_result_period_id))
        assert runs == 2
    client.set_cookie("portal_lang", "zh")
    text = client.get(f"/t/alpha/evaluation/results/{world.a.eval_result_period_id}/projects/{world.a.community_id}").text
    assert 'class="compare"' in text and "75.94" in text and "72.94" in text
    again = admin.post(url, data={"decision": "rejected", "reason": "再议", "csrf_token": csrf_token_for(admin)})
    assert again.status_code in (403, 409)


def test_rejected_appeal_changes_nothing(app, world, client_as, fake_engine):
    admin = client_as(Role.BUREAU_ADMIN, "a")
    url = f"/t/alpha/evaluation/appeals/{world.a.eval_appeal_id}"
    assert admin.post(url, data={"decision": "rejected", "reason": "记录属实", "csrf_token": csrf_token_for(admin)}).status_code == 303
    assert fake_engine == []
    with app.app_context(), in_tenant(world.a):
        appeal = db.session.get(Appeal, world.a.eval_appeal_id)
        assert db.session.get(ScoreAdjustment, appeal.item_ref).revoked_at is None


def test_evidence_photo_only_to_those_who_see_the_appeal(app, world, client_as):
    url = f"/t/alpha/evaluation/evidence/{world.a.eval_case_evidence_id}"
    assert client_as(Role.FIRM_STAFF, "a").get(url).status_code == 200
    assert client_as(Role.BUREAU_ADMIN, "a").get(url).status_code == 200
    assert client_as(Role.OWNER, "a").get(url).status_code == 403
    assert client_as(Role.FIRM_STAFF, "b").get(f"/t/beta/evaluation/evidence/{world.a.eval_case_evidence_id}").status_code == 404
