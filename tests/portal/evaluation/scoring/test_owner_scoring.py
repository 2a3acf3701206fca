"""Owner scoring: one score per unit per period (the database decides), editable until scoring closes, only for
one's own bound units, several units each scored, a lost race turned into an update; over HTTP and in the services."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from portal.evaluation import scoring_services as services
from portal.evaluation.models import CommentStatus, OwnerScore, PeriodStatus
from portal.evaluation.scoring_services import ScoringError
from portal.audit.models import AuditEvent
from portal.extensions import db
from tenants.roles import Role
from tests.conftest import csrf_token_for
from tests.portal.evaluation.scoring.helpers import (DURING, STARS, UTC, in_tenant, make_period, owner, period_of,
                                                     second_community)
from tests.portal.pages import field_error, in_english

import datetime as dt


def test_score_cp_is_the_mean_of_the_stars_on_0_to_100_rounded_half_up():
    assert services.score_cp_for([1, 1]) == 0
    assert services.score_cp_for([5, 5, 5]) == 10000
    assert services.score_cp_for([3]) == 5000
    assert services.score_cp_for([5, 4, 4, 3, 5, 2]) == 7083  # (4+3+3+2+4+1)/(6·4) = 0.708333… → 70.83
    assert services.score_cp_for([5, 5, 4]) == 9167            # 11/12 = 0.916666… → 91.67
    assert services.score_cp_for([2, 1]) == 1250               # 1/8 = 12.5 exactly


def test_an_owner_scores_then_changes_the_score_and_there_is_still_one_row(app, world):
    with app.app_context(), in_tenant(world.a) as tenant:
        period = make_period(world.a)
        score, created = services.submit_score(tenant=tenant, actor=owner(world.a), period=period,
                                               unit_id=world.a.unit_id, ratings=STARS, comment="", now=DURING)
        assert created and score.score_cp == 7083 and score.firm_id == world.a.firm_id
        assert score.comment_status == CommentStatus.NONE and json.loads(score.ratings) == STARS
        again, created = services.submit_score(tenant=tenant, actor=owner(world.a), period=period,
                                               unit_id=world.a.unit_id, ratings={**STARS, "A6": 5},
                                               comment="保洁很好", now=DURING + dt.timedelta(days=1))
        assert not created and again.id == score.id and again.score_cp == 8333
        assert again.comment_status == CommentStatus.PENDING and again.submitted_at == DURING
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(OwnerScore).where(OwnerScore.period_id == period.id))
        assert rows == 1
        actions = list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("evaluation.owner%"))
                                          .order_by(AuditEvent.id)))
        assert actions == ["evaluation.owner_scored", "evaluation.owner_rescored"]


def test_changing_a_published_comment_sends_it_back_to_moderation_and_keeping_it_keeps_its_state(app, world):
    with app.app_context(), in_tenant(world.a) as tenant:
        period = make_period(world.a)
        score, _ = services.submit_score(tenant=tenant, actor=owner(world.a), period=period, unit_id=world.a.unit_id,
                                         ratings=STARS, comment="门岗很负责", now=DURING)
        services.moderate(tenant=tenant, actor=db.session.get(type(owner(world.a)), world.a.users[Role.BUREAU_STAFF]),
                          score=score, publish=True)
        services.submit_score(tenant=tenant, actor=owner(world.a), period=period, unit_id=world.a.unit_id,
                              ratings={**STARS, "A1": 1}, comment="门岗很负责", now=DURING)
        assert score.comment_status == CommentStatus.PUBLISHED
        services.submit_score(tenant=tenant, actor=owner(world.a), period=period, unit_id=world.a.unit_id,
                              ratings=STARS, comment="门岗换人后变差了", now=DURING)
        assert score.comment_status == CommentStatus.PENDING and score.moderated_by_id is None


@pytest.mark.parametrize("ratings, field", [
    ({**STARS, "A3": 6}, "stars_A3"),
    ({**STARS, "A3": 0}, "stars_A3"),
    ({k: v for k, v in STARS.items() if k != "A5"}, "stars_A5"),
    ({**STARS, "Z9": 3}, "ratings"),
    ({**STARS, "A2": True}, "stars_A2"),
    ({**STARS, "A2": "四"}, "stars_A2"),
])
def test_bad_ratings_are_refused_naming_the_field_and_nothing_is_stored(app, world, ratings, field):
    with app.app_context(), in_tenant(world.a) as tenant:
        period = make_period(world.a)
        with pytest.raises(ScoringError) as caught:
            services.submit_score(tenant=tenant, actor=owner(world.a), period=period, unit_id=world.a.unit_id,
                                  ratings=ratings, now=DURING)
        assert caught.value.field == field
        assert services.score_of(period.id, world.a.unit_id) is None


def test_an_owner_of_community_x_cannot_score_community_y(app, world):
    with app.app_context(), in_tenant(world.a) as tenant:
        period = make_period(world.a)
        _community, unit, _firm = second_community(world.a)
        with pytest.raises(ScoringError) as caught:
            services.submit_score(tenant=tenant, actor=owner(world.a), period=period, unit_id=unit.id, ratings=STARS,
                                  now=DURING)
        assert caught.value.status == 403
        with pytest.raises(ScoringError):  # the unit of the same community that is not theirs either
            services.submit_score(tenant=tenant, actor=owner(world.a), period=period, unit_id=world.a.unit2_id,
                                  ratings=STARS, now=DURING)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OwnerScore)
                                 .where(OwnerScore.period_id == period.id)) == 0


def test_scoring_is_refused_once_closed_and_when_the_announced_moment_has_passed(app, world):
    with app.app_context(), in_tenant(world.a) as tenant:
        closed = make_period(world.a, name="已关闭", status=PeriodStatus.CLOSED)
        deadline = make_period(world.a, name="有截止", closes_at=DURING, start=dt.date(2026, 4, 1),
                               end=dt.date(2026, 6, 30))
        for period in (closed, deadline):
            with pytest.raises(ScoringError) as caught:
                services.submit_score(tenant=tenant, actor=owner(world.a), period=period, unit_id=world.a.unit_id,
                                      ratings=STARS, now=DURING)
            assert caught.value.status == 409
        score, _ = services.submit_score(tenant=tenant, actor=owner(world.a), period=deadline,
                                         unit_id=world.a.unit_id, ratings=STARS, now=DURING - dt.timedelta(seconds=1))
        assert score.id


def test_an_owner_with_several_units_scores_each_and_each_goes_to_its_own_firm(app, world):
    with app.app_context(), in_tenant(world.a) as tenant:
        period = make_period(world.a)
        _community, unit, firm = second_community(world.a, bind_owner=True)
        first, _ = services.submit_score(tenant=tenant, actor=owner(world.a), period=period, unit_id=world.a.unit_id,
                                         ratings=STARS, now=DURING)
        second, _ = services.submit_score(tenant=tenant, actor=owner(world.a), period=period, unit_id=unit.id,
                                          ratings=STARS, now=DURING)
        assert first.id != second.id and (first.firm_id, second.firm_id) == (world.a.firm_id, firm.id)


def test_a_lost_race_to_the_unique_key_becomes_an_update_not_an_error(app, world, monkeypatch):
    """The other submission committed between our look-up and our insert: the unique key refuses the insert, the
    savepoint is undone, and the row that won is updated."""
    with app.app_context(), in_tenant(world.a) as tenant:
        period = make_period(world.a)
        winner, _ = services.submit_score(tenant=tenant, actor=owner(world.a), period=period, unit_id=world.a.unit_id,
                                          ratings=STARS, now=DURING)
        real = services.score_of
        calls = []

        def blind_first(period_id, unit_id):
            calls.append(unit_id)
            return None if len(calls) == 1 else real(period_id, unit_id)

        monkeypatch.setattr(services, "score_of", blind_first)
        loser, created = services.submit_score(tenant=tenant, actor=owner(world.a), period=period,
                                               unit_id=world.a.unit_id, ratings={**STARS, "A6": 5}, now=DURING)
        assert not created and loser.id == winner.id and loser.score_cp == 8333 and len(calls) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OwnerScore)
                                 .where(OwnerScore.period_id == period.id)) == 1


# ----------------------------------------------------------------------------- pages


def _post_score(client, world, stars=STARS, comment="", unit_id=None, period_id=None):
    period_id = period_id or world.a.eval_period_id
    url = f"/t/alpha/evaluation/periods/{period_id}/units/{unit_id or world.a.unit_id}/score"
    data = {f"stars_{code}": str(value) for code, value in stars.items()}
    data.update(comment=comment, csrf_token=csrf_token_for(client, url))
    return client.post(url, data=data)


def test_the_owner_scores_on_the_page_and_sees_it_scored_with_when_scoring_closes(app, world, client_as):
    client = in_english(client_as(Role.OWNER))
    overview = client.get("/t/alpha/evaluation/my-scores")
    assert overview.status_code == 200 and "Scoring open" in overview.text
    assert "When the bureau closes the period" in overview.text and "Scored" in overview.text  # the world's score
    form = client.get(f"/t/alpha/evaluation/periods/{world.a.eval_period_id}/units/{world.a.unit_id}/score")
    assert form.status_code == 200
    assert 'type="radio"' in form.text and "<script" not in form.text.split("<main", 1)[-1].split("</main>")[0]
    response = _post_score(client, world, comment="希望多巡查")
    assert response.status_code == 303, response.text
    with app.app_context(), in_tenant(world.a):
        score = services.score_of(world.a.eval_period_id, world.a.unit_id)
        assert score.score_cp == 7083 and score.comment == "希望多巡查" and score.comment_status == CommentStatus.PENDING
    again = client.get(f"/t/alpha/evaluation/periods/{world.a.eval_period_id}/units/{world.a.unit_id}/score")
    assert 'value="2" checked' in again.text  # A6 prefilled with its 2 stars


def test_a_missing_category_is_a_400_naming_it_and_nothing_changes(app, world, client_as):
    client = in_english(client_as(Role.OWNER))
    with app.app_context(), in_tenant(world.a):
        before = services.score_of(world.a.eval_period_id, world.a.unit_id).score_cp
    response = _post_score(client, world, stars={k: v for k, v in STARS.items() if k != "A4"})
    assert response.status_code == 400
    assert field_error(response.text, "stars_A4") == "Give this category 1 to 5 stars."
    with app.app_context(), in_tenant(world.a):
        assert services.score_of(world.a.eval_period_id, world.a.unit_id).score_cp == before


def test_another_owners_unit_and_another_tenants_period_are_404(app, world, client_as):
    client = client_as(Role.OWNER)
    assert client.get(f"/t/alpha/evaluation/periods/{world.a.eval_period_id}/units/{world.a.unit2_id}/score").status_code == 404
    assert _post_score(client, world, unit_id=world.a.unit2_id).status_code == 404
    assert client.get(f"/t/alpha/evaluation/periods/{world.b.eval_period_id}/units/{world.a.unit_id}/score").status_code == 404
    assert client.get(f"/t/alpha/evaluation/periods/{world.a.eval_period_id}/units/{world.b.unit_id}/score").status_code == 404
    assert client.get("/t/beta/evaluation/my-scores").status_code == 404


def test_a_closed_period_shows_the_score_read_only_and_a_post_is_a_clear_409(app, world, client_as):
    with app.app_context(), in_tenant(world.a):
        period_of(world.a).status = PeriodStatus.CLOSED
        period_of(world.a).closed_at = dt.datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
        db.session.commit()
    client = in_english(client_as(Role.OWNER))
    page = client.get(f"/t/alpha/evaluation/periods/{world.a.eval_period_id}/units/{world.a.unit_id}/score")
    assert page.status_code == 200 and "Scoring for this period is closed." in page.text
    assert _post_score(client, world).status_code == 409
    overview = client.get("/t/alpha/evaluation/my-scores")
    assert "Closed 2027-01-01 00:00" in overview.text


def test_staff_and_the_firm_have_no_scoring_page(app, world, client_as):
    for role in (Role.FIRM_STAFF, Role.BUREAU_ADMIN, Role.COMMITTEE_MEMBER):
        client = client_as(role, "a")
        assert client.get("/t/alpha/evaluation/my-scores").status_code == 403
        assert client.get(f"/t/alpha/evaluation/periods/{world.a.eval_period_id}/units/{world.a.unit_id}/score").status_code == 403
