"""The setup's pages over HTTP: schemes with per-field errors in Chinese, periods and their steps, the public
methodology a reader can recompute by hand, records with evidence photos, derived penalties, owners told."""
from __future__ import annotations

import datetime as dt
import io
import re

import sqlalchemy as sa
from freezegun import freeze_time

from portal.disclosures.models import BoardSection, OverdueFact
from portal.evaluation.models import (AdjustmentSource, EvaluationPeriod, EvaluationScheme, EvidenceFile,
                                      PeriodStatus, ScoreAdjustment, SchemeStatus)
from portal.extensions import db
from tenants.roles import Role
from tests.conftest import csrf_token_for, login, table_snapshot
from tests.portal.evaluation.setup.helpers import in_tenant
from tests.portal.objections.helpers import png


def _client(app, world, role=Role.BUREAU_ADMIN, key="a", lang="zh"):
    client = app.test_client()
    assert login(client, world[key].logins[role]).status_code == 302
    client.set_cookie("portal_lang", lang)
    return client


def _post(client, url, data, **kw):
    return client.post(url, data={**data, "csrf_token": csrf_token_for(client)}, **kw)


SCHEME_FORM = {"name": "高唐县物业服务评价办法", "change_note": "", "weight_owner": "35", "weight_community": "25",
               "weight_authority": "20", "weight_ticket": "20", "bonus_cap": "5", "penalty_cap": "30",
               "grade_excellent": "90", "grade_good": "80", "grade_pass": "70", "veto_conditions": ["revenue_misuse"],
               "pool_rule": "grade", "min_sample_units": "30", "min_sample_percent": "20", "shrinkage_strength": "20",
               "elimination_mode": "bottom_percent", "elimination_value": "10", "yellow_after": "1", "red_after": "2",
               "removal_after": "3", "exit_after": "2", "rectification_days": "30", "appeal_working_days": "7",
               "review_working_days": "10", "min_service_months": "12", "board_overdue_penalty": "2",
               "objection_late_penalty": "1", "adjustment_validity_days": "365"}


def test_weights_that_do_not_add_up_are_shown_next_to_the_field_in_chinese_and_nothing_is_saved(app, world):
    client = _client(app, world)
    before = table_snapshot(app)
    page = _post(client, "/t/alpha/evaluation/schemes/new", {**SCHEME_FORM, "weight_owner": "50"})
    assert page.status_code == 400
    assert "权重" in page.text and 'id="weight_owner-error"' in page.text
    page = _post(client, "/t/alpha/evaluation/schemes/new", {**SCHEME_FORM, "red_after": "abc", "name": ""})
    assert page.status_code == 400 and 'id="red_after-error"' in page.text and 'id="name-error"' in page.text
    assert table_snapshot(app) == before


def test_a_frozen_version_edited_becomes_a_new_draft_then_is_published(app, world):
    client = _client(app, world)
    scheme_id = world.a.eval_scheme_id
    with app.app_context(), in_tenant(world.a):
        db.session.scalar(sa.select(EvaluationScheme).where(EvaluationScheme.id == scheme_id)).status = SchemeStatus.FROZEN
        db.session.commit()
    saved = _post(client, f"/t/alpha/evaluation/schemes/{scheme_id}/edit", {**SCHEME_FORM, "weight_owner": "40",
                                                                            "weight_ticket": "15"})
    assert saved.status_code == 303
    new_id = int(saved.headers["Location"].rstrip("/").split("/")[-1])
    assert new_id != scheme_id
    assert _post(client, f"/t/alpha/evaluation/schemes/{new_id}/publish", {}).status_code == 303
    with app.app_context(), in_tenant(world.a):
        rows = {s.id: s for s in db.session.scalars(sa.select(EvaluationScheme))}
        assert rows[scheme_id].status == SchemeStatus.FROZEN and rows[new_id].status == SchemeStatus.PUBLISHED
        assert '"owner":4000' in rows[new_id].rules and '"owner":3500' in rows[scheme_id].rules
    # Publishing it again is a conflict, told in words.
    again = _post(client, f"/t/alpha/evaluation/schemes/{new_id}/publish", {})
    assert again.status_code == 409


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", text)


def test_the_public_methodology_lets_a_reader_recompute_the_example(app, world):
    page = app.test_client().get("/t/alpha/evaluation/methodology")
    assert page.status_code == 200 and "Cache-Control" in page.headers and "public" in page.headers["Cache-Control"]
    html = page.text
    assert "评价" in html and world.b.sentinel not in html
    # The owner step: (n × mean + k × pool) ÷ (n + k), from the page's own figures.
    owner = re.search(r'data-step="owner">([^<]*)<', html).group(1)
    n, mean, k, pool, *_, shown = _numbers(owner)
    expected = (int(n) * round(float(mean) * 100) + int(k) * round(float(pool) * 100))
    assert f"{(2 * expected + (int(n) + int(k))) // (2 * (int(n) + int(k))) / 100:.2f}" == shown
    # The weighted mean over the present components, from the table, then + bonus − penalty.
    rows = re.findall(r'<tr data-component="(\w+)">.*?class="score">\s*([^<]*?)\s*</td>.*?class="weight">([\d.]+)%', html, re.S)
    present = [(float(score), float(weight)) for _, score, weight in rows if re.fullmatch(r"[\d.]+", score)]
    assert len(present) == 3  # the ticket component is absent in the example and says so
    total = sum(w for _, w in present)
    base = round(sum(s * w for s, w in present) / total + 1e-9, 2)
    base_line = re.search(r'data-step="base">([^<]*)<', html).group(1)
    assert f"{base:.2f}" == _numbers(base_line)[-1]
    composite_line = re.search(r'data-step="composite">([^<]*)<', html).group(1)
    b, bonus, penalty, composite = (float(x) for x in _numbers(composite_line))
    assert b == base and f"{base + bonus - penalty:.2f}" == f"{composite:.2f}"


@freeze_time("2026-10-01 01:00:00")
def test_a_period_is_created_opened_and_closed_with_its_log_shown(app, world):
    client = _client(app, world)
    created = _post(client, "/t/alpha/evaluation/periods/new", {"name": "2026年第四季度", "start_date": "2026-10-01",
                                                               "end_date": "2026-12-31"})
    assert created.status_code == 303
    url = created.headers["Location"]
    period_id = int(url.rstrip("/").split("/")[-1])
    assert _post(client, f"{url}/advance", {"to": "open", "reason": "按季度开展业主评价"}).status_code == 303
    # The form named the step it showed: a second click on "open" does not close the period.
    assert _post(client, f"{url}/advance", {"to": "open", "reason": "重复点击"}).status_code == 409
    assert _post(client, f"{url}/advance", {"to": "closed", "reason": ""}).status_code == 400
    assert _post(client, f"{url}/advance", {"to": "closed", "reason": "评分期结束"}).status_code == 303
    page = client.get(url)
    assert page.status_code == 200
    assert "按季度开展业主评价" in page.text and "评分期结束" in page.text and "评价办法" in page.text
    with app.app_context(), in_tenant(world.a):
        period = db.session.scalar(sa.select(EvaluationPeriod).where(EvaluationPeriod.id == period_id))
        assert period.status == PeriodStatus.CLOSED and period.list_a_version_id and period.list_c_version_id
    listing = client.get("/t/alpha/evaluation/periods/")
    assert listing.status_code == 200 and "2026年第四季度" in listing.text


@freeze_time("2026-07-01 01:00:00")
def test_the_owner_sees_on_the_dashboard_until_when_scoring_is_open(app, world):
    admin = _client(app, world)
    url = f"/t/alpha/evaluation/periods/{world.a.eval_setup_period_id}"
    assert _post(admin, f"{url}/advance", {"to": "open", "reason": "开始评分"}).status_code == 303
    owner = _client(app, world, Role.OWNER)
    page = owner.get("/t/alpha/dashboard")
    assert page.status_code == 200 and "2026-09-30" in page.text and "评分" in page.text
    staff = _client(app, world, Role.FIRM_STAFF)
    assert "2026-09-30" not in staff.get("/t/alpha/dashboard").text


def test_a_penalty_is_recorded_with_a_photo_then_revoked_with_a_reason(app, world):
    client = _client(app, world, Role.BUREAU_STAFF)
    data = {"community_id": str(world.a.community_id), "kind": "penalty", "condition": "safety", "points": "2.5",
            "occurred_on": "2026-08-10", "reason": "消防通道堵塞", "evidence": "巡查记录"}
    data["csrf_token"] = csrf_token_for(client)
    data["photo"] = (io.BytesIO(png()), "fire.png")
    saved = client.post("/t/alpha/evaluation/adjustments/new", data=data, content_type="multipart/form-data")
    assert saved.status_code == 303, saved.text
    url = saved.headers["Location"]
    page = client.get(url)
    assert "消防通道堵塞" in page.text and "2.50" in page.text
    with app.app_context(), in_tenant(world.a):
        adjustment = db.session.scalar(sa.select(ScoreAdjustment).where(ScoreAdjustment.reason == "消防通道堵塞"))
        assert (adjustment.points_cp, adjustment.firm_id) == (250, world.a.firm_id)
        assert adjustment.valid_until == dt.date(2027, 8, 10)
        photo = db.session.scalar(sa.select(EvidenceFile).where(EvidenceFile.subject_id == adjustment.id,
                                                                 EvidenceFile.subject == "adjustment"))
        photo_id = photo.id
    assert client.get(f"{url}/evidence/{photo_id}").status_code == 200
    assert client.get(f"{url}/evidence/{world.a.eval_evidence_id}").status_code == 404  # another record's photo
    assert _post(client, f"{url}/revoke", {"revoke_reason": ""}).status_code == 400
    assert _post(client, f"{url}/revoke", {"revoke_reason": "经复核属实已整改"}).status_code == 303
    assert _post(client, f"{url}/revoke", {"revoke_reason": "再次"}).status_code == 409
    assert "经复核属实已整改" in client.get(url).text


def test_a_penalty_without_points_or_with_a_bad_photo_is_refused_in_chinese(app, world):
    client = _client(app, world)
    before = table_snapshot(app)
    data = {"community_id": str(world.a.community_id), "kind": "penalty", "condition": "safety", "points": "",
            "occurred_on": "2026-08-10", "reason": "x"}
    page = _post(client, "/t/alpha/evaluation/adjustments/new", data)
    assert page.status_code == 400 and 'id="points-error"' in page.text and "分" in page.text
    data = {**data, "points": "1", "csrf_token": csrf_token_for(client), "photo": (io.BytesIO(b"not an image"), "x.png")}
    page = client.post("/t/alpha/evaluation/adjustments/new", data=data, content_type="multipart/form-data")
    assert page.status_code == 400 and 'id="photo-error"' in page.text
    # Another tenant's community is not one to choose.
    data = {k: v for k, v in data.items() if k not in ("photo", "csrf_token")}
    page = _post(client, "/t/alpha/evaluation/adjustments/new", {**data, "community_id": str(world.b.community_id)})
    assert page.status_code == 400
    assert table_snapshot(app) == before


def test_disclosure_facts_become_penalties_once_however_often_derived(app, world):
    with app.app_context(), in_tenant(world.a):
        db.session.add(OverdueFact(board_id=world.a.board_id, community_id=world.a.community_id,
                                   section=BoardSection.PUBLIC_REVENUE, due_date=dt.date(2026, 1, 31)))
        period = EvaluationPeriod(name="2026年第一季度", start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 3, 31),
                                  status=PeriodStatus.CLOSED)
        db.session.add(period)
        db.session.commit()
        period_id = period.id
    client = _client(app, world)
    url = f"/t/alpha/evaluation/periods/{period_id}/disclosure-penalties"
    assert _post(client, url, {}).status_code == 303
    assert _post(client, url, {}).status_code == 303
    with app.app_context(), in_tenant(world.a):
        derived = db.session.scalars(sa.select(ScoreAdjustment).where(
            ScoreAdjustment.source != AdjustmentSource.MANUAL).order_by(ScoreAdjustment.source)).all()
        # The overdue public-revenue section (−2) and the owner's objection left unanswered past its day (−1).
        assert [(a.source, a.points_cp, a.firm_id) for a in derived] == [
            (AdjustmentSource.BOARD_OVERDUE, 200, world.a.firm_id), (AdjustmentSource.OBJECTION_LATE, 100, world.a.firm_id)]
    listing = client.get("/t/alpha/evaluation/adjustments/?source=board_overdue")
    assert listing.status_code == 200 and "公示" in listing.text
