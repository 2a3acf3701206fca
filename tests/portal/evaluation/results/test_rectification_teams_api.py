"""Rectification (plan, steps, evidence, the bureau's re-inspection), the firm tenant's ranking of its own teams
and managers, and the JSON API of results and appeals."""
from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from portal.evaluation.result_models import RectificationPlan, RectificationStatus
from portal.extensions import db
from tenants.roles import Role
from tests.conftest import csrf_token_for
from tests.portal.disclosures.helpers import in_tenant
from tests.portal.evaluation.results import factory


def _png():
    out = io.BytesIO()
    Image.new("RGB", (20, 10), (0, 0, 150)).save(out, "PNG")
    return out.getvalue()


def test_rectification_flow_firm_then_bureau(app, world, client_as):
    base = f"/t/alpha/evaluation/rectification/{world.a.eval_plan_id}"
    firm = client_as(Role.FIRM_STAFF, "a")
    assert firm.get(base).status_code == 200
    late = firm.post(base + "/milestones", data={"ms-title": "更换门禁", "ms-due_on": "2027-01-31",
                                                 "ms-csrf_token": csrf_token_for(firm, base)})
    assert late.status_code == 400 and "不能晚于整改期限" in late.text
    early = firm.post(base + "/submit", data={"done-csrf_token": csrf_token_for(firm, base)})
    assert early.status_code == 400  # a step is not done yet
    done = firm.post(f"{base}/milestones/{world.a.eval_milestone_id}/done",
                     data={"done-note": "已完成", "done-csrf_token": csrf_token_for(firm, base)})
    assert done.status_code == 303, done.text
    nophoto = firm.post(base + "/submit", data={"done-csrf_token": csrf_token_for(firm, base)})
    assert nophoto.status_code == 400
    submitted = firm.post(base + "/submit", data={"done-csrf_token": csrf_token_for(firm, base),
                                                  "photos": (io.BytesIO(_png()), "p.png")},
                          content_type="multipart/form-data")
    assert submitted.status_code == 303, submitted.text
    assert firm.post(base + "/reinspect", data={"re-outcome": "verified", "re-note": "自查",
                                                "re-csrf_token": csrf_token_for(firm, base)}).status_code == 403
    bureau = client_as(Role.BUREAU_STAFF, "a")
    ok = bureau.post(base + "/reinspect", data={"re-outcome": "verified", "re-note": "现场复查，已整改到位",
                                                "re-csrf_token": csrf_token_for(bureau, base)})
    assert ok.status_code == 303, ok.text
    with app.app_context(), in_tenant(world.a):
        plan = db.session.get(RectificationPlan, world.a.eval_plan_id)
        assert plan.status == RectificationStatus.VERIFIED and plan.reinspected_at is not None


def test_rectification_hidden_from_others(app, world, client_as):
    base = f"/t/alpha/evaluation/rectification/{world.a.eval_plan_id}"
    assert client_as(Role.OWNER, "a").get(base).status_code == 403
    assert client_as(Role.FIRM_STAFF, "b").get(f"/t/beta/evaluation/rectification/{world.a.eval_plan_id}").status_code == 404


def test_firm_tenant_ranks_its_teams_and_managers(app, world, client_as):
    from portal.communities.models import Community
    from portal.firms.models import ProjectManager

    with app.app_context(), in_tenant(world.c):
        from portal.evaluation.models import EvaluationPeriod
        from portal.evaluation.result_models import EvaluationRun

        period = db.session.get(EvaluationPeriod, world.c.eval_result_period_id)
        run = db.session.scalar(sa.select(EvaluationRun).where(EvaluationRun.id == period.current_run_id))
        second = ProjectManager(firm_id=world.c.firm_id, name="第二项目经理")
        db.session.add(second)
        db.session.flush()
        for i, score in enumerate((9500, 9000)):
            c = Community(name=f"自营项目{i}", address="路", area_id=world.c.office_id)
            db.session.add(c)
            db.session.flush()
            factory.make_result(run, c.id, world.c.firm_id, owner=score, community=score, authority=score,
                                manager_id=second.id, rank=i + 1, units=100)
        db.session.commit()
    head = client_as(Role.BUREAU_ADMIN, "c")
    head.set_cookie("portal_lang", "zh")
    page = head.get(f"/t/{world.c.slug}/evaluation/results/{world.c.eval_result_period_id}/teams")
    assert page.status_code == 200, page.text
    text = page.text
    assert text.index("第二项目经理") < text.index("经理" + world.c.sentinel)
    assert "自营项目0" in text
    assert client_as(Role.OWNER, "c").get(f"/t/{world.c.slug}/evaluation/results/{world.c.eval_result_period_id}/teams").status_code == 403


def test_api_results_public_and_appeals_scoped(app, world, client, client_as):
    response = client.get(f"/api/v1/t/alpha/evaluation/periods/{world.a.eval_result_period_id}/results")
    assert response.status_code == 200
    rows = response.get_json()
    assert rows[0]["community_id"] == world.a.community_id and rows[0]["composite_cp"] == 7294
    assert rows[0]["level"] == "yellow" and "manager_id" not in rows[0]
    one = client.get(f"/api/v1/t/alpha/evaluation/periods/{world.a.eval_result_period_id}/results/{world.a.community_id}")
    assert one.status_code == 200 and one.get_json()["penalty_cp"] == 300
    assert client.get(f"/api/v1/t/beta/evaluation/periods/{world.a.eval_result_period_id}/results").status_code == 404
    firms = client.get(f"/api/v1/t/alpha/evaluation/periods/{world.a.eval_result_period_id}/firm-results")
    assert firms.status_code == 200 and firms.get_json()[0]["firm_id"] == world.a.firm_id
    assert client.get("/api/v1/t/alpha/evaluation/appeals").status_code == 401
    staff = client_as(Role.FIRM_STAFF, "a")
    assert [a["id"] for a in staff.get("/api/v1/t/alpha/evaluation/appeals").get_json()] == [world.a.eval_appeal_id]
    assert client_as(Role.OWNER, "a").get("/api/v1/t/alpha/evaluation/appeals").status_code == 403
