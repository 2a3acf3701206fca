"""The setup's JSON API: schemes with their rules, periods and their steps, adjustments; bad input answered with
the field named and nothing changed."""
from __future__ import annotations

import sqlalchemy as sa
from freezegun import freeze_time

from portal.evaluation.models import EvaluationScheme
from portal.extensions import db

from tests.conftest import table_snapshot
from tests.portal.evaluation.setup.helpers import in_tenant


def _api(app, world, key="a"):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world[key].token_secret}"}
    base = f"/api/v1/t/{world[key].slug}/evaluation"

    def call(method, path, **kw):
        return client.open(base + path, method=method, headers=headers, **kw)

    return call


def test_a_scheme_is_created_with_some_rules_and_the_rest_from_the_published_version(app, world):
    call = _api(app, world)
    with app.app_context(), in_tenant(world.a):  # other parts of the test world number schemes of their own
        expected_number = db.session.scalar(sa.select(sa.func.max(EvaluationScheme.number))) + 1
    created = call("POST", "/schemes", json={"name": "二版", "rules": {"weights": {"owner": 4000, "community": 2000,
                                                                                  "authority": 2000, "ticket": 2000},
                                                                      "appeal_working_days": 5}})
    assert created.status_code == 201, created.json
    body = created.json
    assert (body["number"], body["status"], body["rules"]["appeal_working_days"], body["rules"]["penalty_cap_cp"]) == \
        (expected_number, "draft", 5, 3000)
    published = call("POST", f"/schemes/{body['id']}/publish")
    assert published.status_code == 200 and published.json["status"] == "published"
    assert call("POST", f"/schemes/{body['id']}/publish").status_code == 409
    # A published version is never changed: the edit is answered as a new draft.
    edited = call("PATCH", f"/schemes/{body['id']}", json={"rules": {"bonus_cap_cp": 300}})
    assert edited.status_code == 200 and edited.json["number"] == expected_number + 1 and edited.json["rules"]["bonus_cap_cp"] == 300
    assert call("GET", f"/schemes/{body['id']}").json["rules"]["bonus_cap_cp"] == 500
    listed = call("GET", "/schemes")
    assert listed.status_code == 200 and [s["number"] for s in listed.json][:2] == [expected_number + 1, expected_number]


def test_weights_that_do_not_add_up_are_a_422_naming_the_field(app, world):
    call = _api(app, world)
    before = table_snapshot(app)
    answer = call("POST", "/schemes", json={"name": "坏", "rules": {"weights": {"owner": 9000, "community": 2000,
                                                                                "authority": 2000, "ticket": 2000}}})
    assert answer.status_code == 422 and "weights" in str(answer.json)
    assert call("POST", "/periods", json={"name": "x", "start_date": "2026-05-01",
                                          "end_date": "2026-04-01"}).status_code == 422
    assert table_snapshot(app) == before


@freeze_time("2026-07-01 01:00:00")
def test_a_period_steps_through_its_lifecycle_with_its_log(app, world):
    call = _api(app, world)
    path = f"/periods/{world.a.eval_setup_period_id}/transitions"
    assert call("POST", path, json={"to": "closed", "reason": "跳步"}).status_code == 409
    opened = call("POST", path, json={"to": "open", "reason": "开始"})
    assert opened.status_code == 200, opened.json
    assert opened.json["status"] == "open" and opened.json["scheme_id"] == world.a.eval_scheme_id
    assert opened.json["next_status"] == "closed"
    closed = call("POST", path, json={"to": "closed", "reason": "结束"})
    assert [t["to_status"] for t in closed.json["transitions"]] == ["open", "closed"]
    assert call("GET", "/periods?status=closed").json[0]["id"] == world.a.eval_setup_period_id


def test_an_adjustment_is_recorded_and_revoked(app, world):
    call = _api(app, world)
    created = call("POST", "/adjustments", json={"community_id": world.a.community_id, "kind": "veto",
                                                 "condition": "revenue_misuse", "reason": "挪用公共收益",
                                                 "occurred_on": "2026-08-01", "points_cp": 500})
    assert created.status_code == 201, created.json
    assert created.json["points_cp"] == 0 and created.json["firm_id"] == world.a.firm_id
    assert call("POST", "/adjustments", json={"community_id": world.b.community_id, "kind": "bonus",
                                              "condition": "award", "reason": "x", "points_cp": 100,
                                              "occurred_on": "2026-08-01"}).status_code == 422
    revoked = call("POST", f"/adjustments/{created.json['id']}/revoke", json={"reason": "复核不属实"})
    assert revoked.status_code == 200 and revoked.json["revoked_at"]
    assert call("POST", f"/adjustments/{created.json['id']}/revoke", json={"reason": "again"}).status_code == 409
    listed = call("GET", "/adjustments?kind=penalty")
    mine = [a for a in listed.json if a["id"] == world.a.eval_adjustment_id]  # the results part records one too
    assert len(mine) == 1 and mine[0]["photos"] == 1 and created.json["id"] not in {a["id"] for a in listed.json}
    assert call("GET", f"/adjustments/{world.b.eval_adjustment_id}").status_code == 404
