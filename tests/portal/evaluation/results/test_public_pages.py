"""The public results pages: the 红黑榜 (paged, filtered by pool, street, grade, card), the firms' ranking, the
explanation of a project (a reader recomputes the composite from the page's own numbers) and of a firm, the
spreadsheet; no personal data anywhere; another tenant's or a non-public period's results are 404."""
from __future__ import annotations

import io
import re
from decimal import Decimal

import sqlalchemy as sa

from portal.communities.models import Community, ServiceGrade
from portal.evaluation.models import PeriodStatus
from portal.evaluation.result_models import EvaluationRun, ProjectResult
from portal.extensions import db
from portal.firms.models import Firm
from tests.factories import credit_code
from tests.portal.disclosures.helpers import in_tenant
from tests.portal.evaluation.results import factory


def _zh(client):
    client.set_cookie("portal_lang", "zh")
    return client


def _many(app, world, n=45):
    """n more projects in tenant A's world period (two pools), one with too small a sample, one vetoed."""
    with app.app_context(), in_tenant(world.a):
        run = db.session.scalar(sa.select(EvaluationRun).where(EvaluationRun.period_id == world.a.eval_result_period_id))
        firm = Firm(name="排名物业", credit_code=credit_code(4242))
        db.session.add(firm)
        db.session.flush()
        for i in range(n):
            c = Community(name=f"排名小区{i:02d}", address="路", area_id=world.a.office_id,
                          service_grade=ServiceGrade.GRADE2 if i % 2 else ServiceGrade.GRADE3)
            db.session.add(c)
            db.session.flush()
            factory.make_result(run, c.id, firm.id, owner=6000 + i * 80, sample_n=5 if i == 3 else 40,
                                veto=i == 7, pool="grade2" if i % 2 else "grade3", rank=i // 2 + 1)
        db.session.commit()
        return run.id


def test_ranking_is_public_paged_and_filtered(app, world, client):
    _many(app, world)
    url = f"/t/alpha/evaluation/results/{world.a.eval_result_period_id}/"
    page = _zh(client).get(url)
    assert page.status_code == 200, page.text
    assert "红黑榜" in page.text and "Red and black" not in page.text
    assert page.headers["Cache-Control"].startswith("public")
    assert "1–20 / 46" in page.text or "46" in page.text
    assert "样本不足" in page.text or "业主评分不足" in page.text
    second = client.get(url + "?page=3")
    assert second.status_code == 200 and "排名小区" in second.text
    assert client.get(url + "?page=9").status_code == 404
    grade3 = client.get(url + "?pool=grade3&page_size=50")
    assert grade3.text.count('class="card result') == 23
    by_grade = client.get(url + "?grade=fail&page_size=50")
    assert by_grade.status_code == 200 and "排名小区07" in by_grade.text
    bad = client.get(url + "?area_id=abc")
    assert bad.status_code == 400
    search = client.get(url + "?q=排名小区1")
    assert "排名小区12" in search.text and "排名小区22" not in search.text
    # no personal data: no owner's, officer's or manager's name or mobile
    for text in (page.text, second.text):
        assert "经理" + world.a.sentinel not in text
        for login in world.a.logins.values():
            assert login not in text


def test_not_public_period_and_other_tenant_are_404(app, world, client):
    assert client.get(f"/t/beta/evaluation/results/{world.a.eval_result_period_id}/").status_code == 404
    assert client.get(f"/t/alpha/evaluation/results/{world.b.eval_result_period_id}/projects/{world.b.community_id}").status_code == 404
    with app.app_context(), in_tenant(world.a):
        from portal.evaluation.models import EvaluationPeriod

        db.session.get(EvaluationPeriod, world.a.eval_result_period_id).status = PeriodStatus.CLOSED
        db.session.commit()
    assert client.get(f"/t/alpha/evaluation/results/{world.a.eval_result_period_id}/").status_code == 404


def _figure(text, name):
    m = re.search(rf'data-figure="{name}">[+−-]?([\d.]+)<', text)
    return Decimal(m.group(1))


def test_project_explanation_composite_recomputed_from_its_own_numbers(app, world, client):
    page = _zh(client).get(f"/t/alpha/evaluation/results/{world.a.eval_result_period_id}/projects/{world.a.community_id}")
    assert page.status_code == 200, page.text
    text = page.text
    parts = re.findall(r'data-component="(\w+)" data-score="([\d.]*)" data-weight="([\d.]+)"', text)
    assert [p[0] for p in parts] == ["owner", "community", "authority", "ticket"]
    weighted = sum(Decimal(s) * Decimal(w) / 100 for _k, s, w in parts if s)
    assert sum(Decimal(w) for _k, s, w in parts) == 100
    assert abs(weighted - _figure(text, "weighted")) <= Decimal("0.01")
    composite = max(Decimal(0), min(Decimal(105), _figure(text, "weighted") + _figure(text, "bonus") - _figure(text, "penalty")))
    assert composite == _figure(text, "composite")
    # sample, interval, adjustments, rule, card, under appeal, the recommend-only wording
    assert "95%" in text and "公示栏逾期扣分" in text
    assert "黄牌" in text and "申诉" in text and "业主大会" in text
    assert "Ticket" not in text and "owner_cp" not in text


def test_recomputed_run_shown_side_by_side(app, world, client):
    with app.app_context(), in_tenant(world.a):
        from portal.evaluation.models import EvaluationPeriod
        from portal.evaluation.result_models import RunPurpose

        period = db.session.get(EvaluationPeriod, world.a.eval_result_period_id)
        run2 = factory.make_run(period, seq=2, purpose=RunPurpose.RECOMPUTE)
        factory.make_result(run2, world.a.community_id, world.a.firm_id, penalty=0)
        db.session.commit()
    text = _zh(client).get(f"/t/alpha/evaluation/results/{world.a.eval_result_period_id}/projects/{world.a.community_id}").text
    assert 'class="compare"' in text
    assert "75.94" in text and "72.94" in text  # now without the 3-point penalty, and before


def test_firm_explanation_and_firm_ranking(app, world, client):
    firm = _zh(client).get(f"/t/alpha/evaluation/results/{world.a.eval_result_period_id}/firms/{world.a.firm_id}")
    assert firm.status_code == 200
    units = [int(u) for u in re.findall(r'data-units="(\d+)"', firm.text)]
    comps = [Decimal(c) for c in re.findall(r'data-composite="([\d.]+)"', firm.text)]
    weighted = sum(u * c for u, c in zip(units, comps)) / sum(units)
    assert abs(weighted - _figure(firm.text, "composite")) <= Decimal("0.005")
    ranking = client.get(f"/t/alpha/evaluation/results/{world.a.eval_result_period_id}/firms/")
    assert ranking.status_code == 200 and "物业" + world.a.sentinel in ranking.text
    assert client.get(f"/t/alpha/evaluation/results/{world.a.eval_result_period_id}/firms/{world.b.firm_id}").status_code == 404


def test_spreadsheet_export_has_every_project(app, world, client):
    _many(app, world, n=30)
    response = _zh(client).get(f"/t/alpha/evaluation/results/{world.a.eval_result_period_id}/ranking.xlsx")
    assert response.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "排名池" or isinstance(rows[0][0], str)
    assert len(rows) == 1 + 31
    assert any(r[2] == "小区" + world.a.sentinel for r in rows[1:])


def test_results_index_lists_public_periods(app, world, client):
    page = _zh(client).get("/t/alpha/evaluation/results/")
    assert page.status_code == 200 and "评价结果期" in page.text
    latest = _zh(client).get("/t/alpha/evaluation/results/latest")  # the newest ranking itself, at a stable address
    ranking = _zh(client).get(f"/t/alpha/evaluation/results/{world.a.eval_result_period_id}/")
    assert latest.status_code == ranking.status_code == 200 and "评价结果期" in latest.text
    with app.app_context(), in_tenant(world.a):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProjectResult)) == 1
