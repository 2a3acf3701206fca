"""Comment moderation (publish, or hide with a logged reason and the text kept) and assessments: list C by the
officer of the project's area, list A inspections by the bureau with evidence photos, points bounded by each
item's worth, corrections while the period takes inputs."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.evaluation import scoring_assessments as assessing
from portal.evaluation import scoring_services as services
from portal.evaluation.models import (Assessment, AssessmentKind, CommentStatus, EvidenceFile, OwnerScore,
                                      PeriodStatus)
from portal.evaluation.scoring_services import ScoringError
from portal.extensions import db
from portal.communities.models import Community
from tenants.roles import Role
from tests.conftest import csrf_token_for
from tests.portal.evaluation.scoring.helpers import (member_list, period_of, second_community, user)
from tests.portal.pages import field_error, in_english
from tests.portal.tickets.helpers import in_tenant, png

TODAY = dt.date(2026, 11, 20)


def _full_marks(version_id):
    return {line.code: assessing.format_cp(line.max_cp) for line in assessing.lines(version_id)}


# ----------------------------------------------------------------------------- moderation


def test_hiding_needs_a_reason_keeps_the_text_and_is_logged(app, world):
    with app.app_context(), in_tenant(world.a) as tenant:
        score = db.session.get(OwnerScore, world.a.eval_score_id)
        staff = user(world.a, Role.BUREAU_STAFF)
        with pytest.raises(ScoringError) as caught:
            services.moderate(tenant=tenant, actor=staff, score=score, publish=False, reason="  ")
        assert caught.value.field == "reason" and score.comment_status == CommentStatus.PENDING
        services.moderate(tenant=tenant, actor=staff, score=score, publish=False, reason="含有个人信息")
        assert score.comment_status == CommentStatus.HIDDEN and score.comment.startswith("电梯常坏")
        assert score.moderation_reason == "含有个人信息" and score.moderated_by_id == staff.id
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "evaluation.comment_hidden"))
        assert event.reason == "含有个人信息" and event.actor_id == staff.id
        assert services.published_comments(score.period_id, score.community_id) == []
        services.moderate(tenant=tenant, actor=staff, score=score, publish=True)
        assert [text for _when, text in services.published_comments(score.period_id, score.community_id)] == [score.comment]


def test_the_moderation_queue_shows_comments_without_who_wrote_them(app, world, client_as):
    client = in_english(client_as(Role.BUREAU_STAFF))
    queue = client.get(f"/t/alpha/evaluation/periods/{world.a.eval_period_id}/comments")
    assert queue.status_code == 200 and "电梯常坏" in queue.text
    assert f"owner-{world.a.sentinel}" not in queue.text and "101" not in queue.text
    url = f"/t/alpha/evaluation/periods/{world.a.eval_period_id}/comments/{world.a.eval_score_id}"
    page = client.get(url)
    assert page.status_code == 200 and f"owner-{world.a.sentinel}" not in page.text
    refused = client.post(url, data={"decision": "hide", "reason": "", "csrf_token": csrf_token_for(client, url)})
    assert refused.status_code == 400 and field_error(refused.text, "reason") == "This field is required."
    done = client.post(url, data={"decision": "hide", "reason": "辱骂", "csrf_token": csrf_token_for(client, url)})
    assert done.status_code == 303
    hidden = client.get(f"/t/alpha/evaluation/periods/{world.a.eval_period_id}/comments?state=hidden")
    assert "电梯常坏" in hidden.text
    assert "电梯常坏" not in client.get(f"/t/alpha/evaluation/periods/{world.a.eval_period_id}/comments").text


@pytest.mark.parametrize("role", [Role.FIRM_STAFF, Role.AREA_OFFICER, Role.COMMITTEE_MEMBER, Role.OWNER])
def test_only_the_bureau_moderates(world, client_as, role):
    client = client_as(role, "a")
    url = f"/t/alpha/evaluation/periods/{world.a.eval_period_id}/comments"
    assert client.get(url).status_code == 403
    assert client.get(f"{url}/{world.a.eval_score_id}").status_code == 403


def test_another_tenants_comment_is_404(world, client_as):
    client = client_as(Role.BUREAU_ADMIN, "a")
    assert client.get(f"/t/alpha/evaluation/periods/{world.b.eval_period_id}/comments").status_code == 404
    assert client.get(f"/t/alpha/evaluation/periods/{world.a.eval_period_id}/comments/{world.b.eval_score_id}").status_code == 404


# ----------------------------------------------------------------------------- assessments


def test_item_worth_shares_the_section_weight_exactly():
    worth = {"a": 700, "b": 700}
    assert assessing.total_cp({"a": 700, "b": 700}, worth) == 10000
    assert assessing.total_cp({"a": 350, "b": 0}, worth) == 2500


def test_lines_of_list_c_add_up_to_its_weights(app, world):
    with app.app_context(), in_tenant(world.a):
        lines = assessing.lines(period_of(world.a).list_c_version_id)
        assert sum(line.max_cp for line in lines) == 10000
        c2 = [line.max_cp for line in lines if line.section_code == "C2"]
        assert c2 == [334, 334, 333, 333, 333, 333] and sum(c2) == 2000


def test_the_officer_of_the_area_records_a_list_c_assessment_bounded_by_each_items_worth(app, world):
    with app.app_context(), in_tenant(world.a) as tenant:
        period = period_of(world.a)
        officer = user(world.a, Role.AREA_OFFICER)
        community = db.session.get(Community, world.a.community_id)
        points = _full_marks(period.list_c_version_id)
        points["C1.1"] = "7.01"
        with pytest.raises(ScoringError) as caught:
            assessing.record_assessment(tenant=tenant, actor=officer, memberships=member_list(world.a, Role.AREA_OFFICER),
                                        period=period, kind=AssessmentKind.COMMUNITY, community=community,
                                        points=points, assessed_on=TODAY, today=TODAY)
        assert caught.value.field == "pts_C1_1"
        points["C1.1"], points["C2.1"] = "3.5", "0"
        assessment, keys = assessing.record_assessment(
            tenant=tenant, actor=officer, memberships=member_list(world.a, Role.AREA_OFFICER), period=period,
            kind=AssessmentKind.COMMUNITY, community=community, points=points, assessed_on=TODAY, today=TODAY)
        assert keys == [] and assessment.firm_id == world.a.firm_id
        assert assessment.total_cp == 10000 - 350 - 334
        assert json.loads(assessment.item_scores)["C1.1"] == 350


@pytest.mark.parametrize("value", ["-1", "abc", "1.005", "NaN", "sNaN", "Infinity", "1e3", ""])
def test_bad_points_are_refused_naming_the_item(app, world, value):
    with app.app_context(), in_tenant(world.a) as tenant:
        period = period_of(world.a)
        points = {**_full_marks(period.list_c_version_id), "C3.2": value}
        with pytest.raises(ScoringError) as caught:
            assessing.record_assessment(tenant=tenant, actor=user(world.a, Role.BUREAU_STAFF),
                                        memberships=member_list(world.a, Role.BUREAU_STAFF), period=period,
                                        kind=AssessmentKind.COMMUNITY, community=db.session.get(Community, world.a.community_id),
                                        points=points, assessed_on=TODAY, today=TODAY)
        assert caught.value.field == "pts_C3_2"


def test_an_officer_cannot_assess_outside_her_area_nor_inspect(app, world):
    with app.app_context(), in_tenant(world.a) as tenant:
        period = period_of(world.a)
        from portal.communities.models import Area, AreaKind

        other_street = Area(kind=AreaKind.STREET, name="另一街道")
        db.session.add(other_street)
        db.session.flush()
        community, _unit, _firm = second_community(world.a)
        community.area_id = other_street.id
        db.session.flush()
        officer = member_list(world.a, Role.AREA_OFFICER)
        assert not assessing.may_assess(officer, AssessmentKind.COMMUNITY, community.id)
        assert assessing.may_assess(officer, AssessmentKind.COMMUNITY, world.a.community_id)
        assert not assessing.may_assess(officer, AssessmentKind.AUTHORITY, world.a.community_id)
        with pytest.raises(ScoringError) as caught:
            assessing.record_assessment(tenant=tenant, actor=user(world.a, Role.AREA_OFFICER), memberships=officer,
                                        period=period, kind=AssessmentKind.COMMUNITY, community=community,
                                        points=_full_marks(period.list_c_version_id), assessed_on=TODAY, today=TODAY)
        assert caught.value.status == 403


def test_no_assessment_once_the_period_is_computed_nor_before_it_starts(app, world):
    with app.app_context(), in_tenant(world.a) as tenant:
        period = period_of(world.a)
        args = dict(tenant=tenant, actor=user(world.a, Role.BUREAU_STAFF), memberships=member_list(world.a, Role.BUREAU_STAFF),
                    period=period, kind=AssessmentKind.AUTHORITY, community=db.session.get(Community, world.a.community_id),
                    points=_full_marks(period.list_a_version_id), today=TODAY)
        with pytest.raises(ScoringError) as caught:
            assessing.record_assessment(assessed_on=dt.date(2026, 9, 30), **args)
        assert caught.value.field == "assessed_on"
        period.status = PeriodStatus.COMPUTED
        with pytest.raises(ScoringError) as caught:
            assessing.record_assessment(assessed_on=TODAY, **args)
        assert caught.value.status == 409


def _inspection_form(client, url, version_points, **extra):
    data = {assessing.field_name(code): value for code, value in version_points.items()}
    data.update(assessed_on="2026-11-20", notes="消防通道已清理", csrf_token=csrf_token_for(client, url))
    data.update(extra)
    return data


def test_the_bureau_inspects_with_photos_and_the_officer_sees_no_inspection(app, world, client_as):
    with app.app_context(), in_tenant(world.a):
        points = _full_marks(period_of(world.a).list_a_version_id)
    client = in_english(client_as(Role.BUREAU_STAFF))
    url = f"/t/alpha/evaluation/periods/{world.a.eval_period_id}/communities/{world.a.community_id}/inspect"
    assert client.get(url).status_code == 200
    data = _inspection_form(client, url, {**points, "A3.3": "0"})
    data["photos"] = [(io.BytesIO(png()), "fire-lane.png")]
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.text
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "Evidence photo 1" in page.text
    with app.app_context(), in_tenant(world.a):
        assessment = db.session.scalar(sa.select(Assessment).where(Assessment.notes == "消防通道已清理"))
        assert assessment.kind == AssessmentKind.AUTHORITY and assessment.total_cp == 10000 - 333
        photo = db.session.scalar(sa.select(EvidenceFile).where(EvidenceFile.subject_id == assessment.id))
        ids = assessment.id, photo.id
    picture = client.get(f"/t/alpha/evaluation/assessments/{ids[0]}/photos/{ids[1]}")
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    officer = client_as(Role.AREA_OFFICER, "a")
    assert officer.get(f"/t/alpha/evaluation/assessments/{ids[0]}").status_code == 403
    assert officer.get(f"/t/alpha/evaluation/assessments/{ids[0]}/photos/{ids[1]}").status_code == 403
    assert officer.get(url).status_code == 403


def test_a_bad_point_on_the_page_is_a_400_naming_the_item_and_nothing_is_stored(app, world, client_as):
    with app.app_context(), in_tenant(world.a):
        points = _full_marks(period_of(world.a).list_c_version_id)
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Assessment))
    client = in_english(client_as(Role.AREA_OFFICER, "a"))
    url = f"/t/alpha/evaluation/periods/{world.a.eval_period_id}/communities/{world.a.community_id}/assess"
    response = client.post(url, data=_inspection_form(client, url, {**points, "C5.4": "9"}))
    assert response.status_code == 400
    assert field_error(response.text, "pts_C5_4") == "Item C5.4: from 0 to 2.50 points."
    with app.app_context(), in_tenant(world.a):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == before
    ok = client.post(url, data=_inspection_form(client, url, points))
    assert ok.status_code == 303
    listing = client.get(f"/t/alpha/evaluation/periods/{world.a.eval_period_id}/assessments")
    assert listing.status_code == 200 and "100.00 points" in listing.text


def test_the_assessor_corrects_an_inspection_and_it_is_logged(app, world, client_as):
    client = in_english(client_as(Role.BUREAU_STAFF))
    url = f"/t/alpha/evaluation/assessments/{world.a.eval_assessment_id}"
    page = client.get(url)
    assert page.status_code == 200
    with app.app_context(), in_tenant(world.a):
        points = _full_marks(period_of(world.a).list_a_version_id)
    response = client.post(url, data=_inspection_form(client, url, {**points, "A1.1": "1.5"}),
                           content_type="multipart/form-data")
    assert response.status_code == 303, response.text
    with app.app_context(), in_tenant(world.a):
        assessment = db.session.get(Assessment, world.a.eval_assessment_id)
        assert assessment.total_cp == 10000 - 250 + 150 - 0 and json.loads(assessment.item_scores)["A1.1"] == 150
        assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "evaluation.assessment_corrected"))


@pytest.mark.parametrize("role", [Role.FIRM_STAFF, Role.COMMITTEE_MEMBER, Role.OWNER])
def test_the_firm_committee_and_owners_see_no_assessment_pages(world, client_as, role):
    client = client_as(role, "a")
    assert client.get(f"/t/alpha/evaluation/periods/{world.a.eval_period_id}/assessments").status_code == 403
    assert client.get(f"/t/alpha/evaluation/assessments/{world.a.eval_assessment_id}").status_code == 403
    assert client.get(f"/t/alpha/evaluation/periods/{world.a.eval_period_id}/communities/{world.a.community_id}/assess").status_code == 403
