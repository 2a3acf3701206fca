"""Owner scoring on a 360×740 phone, Chinese first: the demo owner of 金城花园 opens scoring from the dashboard,
gives stars per list-A category (radio groups: no script needed) and a comment, submits, and sees the unit
scored. The same form works with JavaScript off. Every page is checked with axe (tests/browser/a11y.py).

Every run rewrites docs/screenshots/evaluation-score-zh.png and evaluation-scored-zh.png.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.test_login_flow import check_phone_layout, log_in

pytestmark = pytest.mark.browser

OWNER = "13900000006"  # 吴业主, bound to 金城花园 1号楼 101


def open_period(live_server) -> int:
    """The demo's open period, or one opened here directly with the models (the setup part opens them for real)."""
    from portal.auth.models import User
    from portal.checklists.models import ChecklistVersion, ListKind, VersionStatus
    from portal.evaluation.models import (EvaluationPeriod, EvaluationScheme, OwnerScore, PeriodStatus,
                                          SchemeStatus)
    from portal.evaluation.rules import SchemeRules
    from portal.extensions import db
    from tenants import tenant_scope
    from tenants.models import Tenant

    with live_server.app.app_context():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "gaotang"))
        with tenant_scope(tenant):
            period = db.session.scalar(sa.select(EvaluationPeriod).where(EvaluationPeriod.status == PeriodStatus.OPEN))
            if period is None:
                versions = {v.kind: v.id for v in db.session.scalars(
                    sa.select(ChecklistVersion).where(ChecklistVersion.status == VersionStatus.PUBLISHED))}
                number = (db.session.scalar(sa.select(sa.func.max(EvaluationScheme.number))) or 0) + 1
                scheme = EvaluationScheme(number=number, name="高唐县物业服务综合评价方案", rules=SchemeRules().to_json(),
                                          status=SchemeStatus.FROZEN)
                db.session.add(scheme)
                db.session.flush()
                period = EvaluationPeriod(name="2026年第四季度（评分测试）", start_date=dt.date(2026, 10, 1),
                                          end_date=dt.date(2026, 12, 31), status=PeriodStatus.OPEN,
                                          scheme_id=scheme.id, list_a_version_id=versions[ListKind.A],
                                          list_c_version_id=versions[ListKind.C],
                                          opened_at=dt.datetime(2026, 10, 1, 1, 0, tzinfo=dt.timezone.utc))
                db.session.add(period)
            db.session.flush()
            # The owner starts unscored (a rerun, or another test, may have scored already).
            owner_id = sa.select(User.id).where(User.mobile == OWNER).scalar_subquery()
            db.session.execute(sa.delete(OwnerScore).where(OwnerScore.period_id == period.id,
                                                           OwnerScore.owner_id == owner_id))
            period_id = period.id
            db.session.commit()
        db.session.remove()
    return period_id


def test_owner_scores_the_firm_on_a_phone(phone: Page, live_server, shoot):
    open_period(live_server)
    phone.goto("/login")
    log_in(phone, OWNER)
    phone.get_by_role("link", name="为物业企业评分", exact=True).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("为物业企业评分")
    expect(phone.locator("main")).to_contain_text("评分进行中")
    expect(phone.locator("main")).to_contain_text("评分截止")
    phone.get_by_role("link", name="金城花园").first.click()
    expect(phone.locator("main")).to_contain_text("物业企业为您小区服务得怎么样？")
    groups = phone.locator("fieldset.radios")
    count = groups.count()
    assert count >= 6
    for index in range(count):
        group = groups.nth(index)
        stars = "4 星：较好" if index % 2 else "5 星：很好"
        group.get_by_label(stars).check()
    phone.get_by_label("评价意见（选填）").fill("保安很负责，电梯维修及时。")
    check_phone_layout(phone)
    shoot(phone, "evaluation-score-zh")
    phone.get_by_role("button", name="提交评分", exact=True).click()
    expect(phone.locator(".flash-success")).to_contain_text("感谢您的评价")
    expect(phone.locator("main")).to_contain_text("已评分")
    check_phone_layout(phone)
    shoot(phone, "evaluation-scored-zh")


def test_the_star_form_works_without_javascript(new_context, live_server):
    period_id = open_period(live_server)
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/login")
    log_in(page, OWNER)
    page.goto("/t/gaotang/evaluation/my-scores")
    page.get_by_role("link", name="金城花园").first.click()
    for index in range(page.locator("fieldset.radios").count()):
        page.locator("fieldset.radios").nth(index).get_by_label("3 星：一般").check()
    page.get_by_role("button", name="提交评分", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("感谢您的评价")
    assert "/evaluation/my-scores" in page.url and period_id
