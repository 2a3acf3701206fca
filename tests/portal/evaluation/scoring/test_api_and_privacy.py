"""The scoring API (owner's own scores, moderation, assessments) and what the firm never learns: who scored what.
No operation a firm's member may call carries an owner or a unit, and none of the scoring pages or operations
answers the firm with anything but a refusal."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.evaluation.models import OwnerScore
from portal.extensions import db
from tenants.roles import Role
from tests.conftest import csrf_token_for
from tests.portal.evaluation.scoring.helpers import STARS
from tests.portal.tickets.helpers import in_tenant

API = "/api/v1/t/alpha"
IDENTIFYING = {"owner", "owner_id", "unit", "unit_id", "unit_label", "user_id", "mobile", "display_name"}


def _session_json(client, method, url, body):
    token = csrf_token_for(client, "/t/alpha/evaluation/my-scores") if method != "GET" else None
    headers = {"X-CSRFToken": token} if token else {}
    return getattr(client, method.lower())(url, json=body, headers=headers)


def test_the_owner_scores_through_the_api_and_reads_only_their_own(app, world, client_as):
    client = client_as(Role.OWNER)
    url = f"{API}/evaluation/periods/{world.a.eval_period_id}/units/{world.a.unit_id}/score"
    response = _session_json(client, "PUT", url, {"ratings": STARS, "comment": "垃圾清运及时"})
    assert response.status_code == 200, response.text
    assert response.json["score_cp"] == 7083 and response.json["comment_status"] == "pending"
    mine = client.get(f"{API}/evaluation/my-scores")
    assert mine.status_code == 200
    # Other periods of the world (one being prepared, one in its appeal window) list the unit too, unscored.
    assert [(row["unit_id"], row["scored"]) for row in mine.json
            if row["period_id"] == world.a.eval_period_id] == [(world.a.unit_id, True)]
    assert {row["unit_id"] for row in mine.json} == {world.a.unit_id}
    refused = _session_json(client, "PUT", url, {"ratings": {**STARS, "A1": 6}})
    assert refused.status_code in (400, 422)
    other = _session_json(client, "PUT", url.replace(str(world.a.unit_id) + "/score", f"{world.a.unit2_id}/score"),
                          {"ratings": STARS})
    assert other.status_code == 404
    with app.app_context(), in_tenant(world.a):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OwnerScore)) == 1


@pytest.fixture
def admin_api(app, world):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world.a.token_secret}"}
    return lambda method, url, body=None: getattr(client, method)(url, json=body, headers=headers)


def test_moderation_and_assessments_through_the_api(app, world, admin_api):
    queue = admin_api("get", f"{API}/evaluation/periods/{world.a.eval_period_id}/comments")
    assert queue.status_code == 200 and [c["id"] for c in queue.json] == [world.a.eval_score_id]
    assert not IDENTIFYING & set(queue.json[0])
    hide = admin_api("post", f"{API}/evaluation/periods/{world.a.eval_period_id}/comments/{world.a.eval_score_id}/moderation",
                     {"decision": "hide"})
    assert hide.status_code == 422 and "reason" in hide.json["error"]["fields"]
    hide = admin_api("post", f"{API}/evaluation/periods/{world.a.eval_period_id}/comments/{world.a.eval_score_id}/moderation",
                     {"decision": "hide", "reason": "广告"})
    assert hide.status_code == 200 and hide.json["comment_status"] == "hidden" and hide.json["comment"]
    with app.app_context(), in_tenant(world.a):
        from portal.evaluation.scoring_assessments import lines
        from tests.portal.evaluation.scoring.helpers import period_of

        points = {line.code: line.max_cp for line in lines(period_of(world.a).list_c_version_id)}
    body = {"kind": "community", "community_id": world.a.community_id, "item_scores_cp": {**points, "C1.1": 0},
            "assessed_on": "2026-11-20"}
    created = admin_api("post", f"{API}/evaluation/periods/{world.a.eval_period_id}/assessments", body)
    assert created.status_code == 201, created.text
    assert created.json["total_cp"] == 9300
    too_many = admin_api("put", f"{API}/evaluation/assessments/{created.json['id']}",
                         {"item_scores_cp": {**points, "C1.1": 701}, "assessed_on": "2026-11-20"})
    assert too_many.status_code == 422 and "pts_C1_1" in too_many.json["error"]["fields"]
    listed = admin_api("get", f"{API}/evaluation/periods/{world.a.eval_period_id}/assessments?kind=community")
    assert [a["id"] for a in listed.json] == [created.json["id"]]
    foreign = admin_api("get", f"{API}/evaluation/assessments/{world.b.eval_assessment_id}")
    assert foreign.status_code == 404
    assert admin_api("get", f"{API}/evaluation/periods/{world.b.eval_period_id}/comments").status_code == 404


# ----------------------------------------------------------------------------- the firm never sees who scored what


def _scoring_paths(app) -> list[str]:
    with app.app_context():
        spec = app.test_client().get("/api/v1/openapi.json").json
    return [path for path in spec["paths"] if "/evaluation/" in path and any(
        word in path for word in ("score", "comments", "assessments"))]


def test_no_firm_reachable_scoring_schema_carries_an_owner_or_a_unit(app):
    spec = app.test_client().get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    for name in ("Comment", "Assessment"):
        assert not IDENTIFYING & set(schemas[name]["properties"]), name
    # MyScore names the caller's own unit, and only an owner (SCORE_OWN_FIRM) reaches it.
    assert "unit_id" in schemas["MyScore"]["properties"]


@pytest.mark.parametrize("role", [Role.FIRM_STAFF])
def test_the_firm_gets_refusals_from_every_scoring_page_and_operation(app, world, client_as, role):
    client = client_as(role, "a")
    w = world.a
    pages = ["/t/alpha/evaluation/my-scores",
             f"/t/alpha/evaluation/periods/{w.eval_period_id}/units/{w.unit_id}/score",
             f"/t/alpha/evaluation/periods/{w.eval_period_id}/comments",
             f"/t/alpha/evaluation/periods/{w.eval_period_id}/comments/{w.eval_score_id}",
             f"/t/alpha/evaluation/periods/{w.eval_period_id}/assessments",
             f"/t/alpha/evaluation/assessments/{w.eval_assessment_id}",
             f"{API}/evaluation/my-scores",
             f"{API}/evaluation/periods/{w.eval_period_id}/comments",
             f"{API}/evaluation/periods/{w.eval_period_id}/assessments",
             f"{API}/evaluation/assessments/{w.eval_assessment_id}"]
    for url in pages:
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert f"owner-{w.sentinel}" not in response.text and "电梯常坏" not in response.text, url
    assert len(_scoring_paths(app)) >= 6
