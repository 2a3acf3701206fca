"""The monthly satisfaction list's rules: which cases a draft takes, masking, the ranking, publication."""
from __future__ import annotations

import datetime as dt

import pytest

from portal.auth.models import User
from portal.domain import DomainError
from portal.extensions import db
from portal.satisfaction import privacy, services
from portal.tickets.models import Satisfaction, TicketStatus
from tenants.roles import Role
from tests.portal.satisfaction.helpers import NOW, UTC, firm, resolved
from tests.portal.tickets.helpers import in_tenant, user

OCTOBER = dt.date(2026, 10, 1)


def test_the_draft_takes_the_month_s_resolved_cases_in_local_time(app_ctx, world):
    with in_tenant(world.a) as tenant:
        admin = user(world.a, Role.BUREAU_ADMIN)
        # 00:30 on 1 October in Shanghai is still 30 September in UTC: October's.
        first = resolved(tenant, world.a, at=dt.datetime(2026, 9, 30, 16, 30, tzinfo=UTC), rating=5)
        inside = [resolved(tenant, world.a, at=dt.datetime(2026, 10, 2 + i, 4, tzinfo=UTC), rating=4) for i in range(23)]
        # 23:30 on 30 September in Shanghai; 00:10 on 1 November in Shanghai; reopened in October.
        before = resolved(tenant, world.a, at=dt.datetime(2026, 9, 30, 15, 30, tzinfo=UTC), rating=5)
        after = resolved(tenant, world.a, at=dt.datetime(2026, 10, 31, 16, 10, tzinfo=UTC), rating=5)
        reopened = resolved(tenant, world.a, rating=None, status=TicketStatus.IN_PROGRESS)
        unrated = resolved(tenant, world.a, at=dt.datetime(2026, 10, 3, 4, tzinfo=UTC), rating=None)
        lst = services.generate_draft(tenant=tenant, actor=admin, month=OCTOBER, now=NOW)
        entries = services.entries_of(lst)
        ids = {e.ticket_id for e in entries}
        assert ids == {first.id, unrated.id} | {t.id for t in inside}
        assert not ids & {before.id, after.id, reopened.id}
        chosen = [e for e in entries if e.included]
        assert len(chosen) == 20 and services.candidate_count(lst) == 25
        # Cases with an outcome are proposed before the one without.
        assert unrated.id not in {e.ticket_id for e in chosen}
        assert services.problems(lst, entries) == []
        with pytest.raises(DomainError):
            services.generate_draft(tenant=tenant, actor=admin, month=OCTOBER, now=NOW)


def test_a_month_with_fewer_cases_than_the_minimum_can_publish_them_all(app_ctx, world):
    with in_tenant(world.a) as tenant:
        admin = user(world.a, Role.BUREAU_ADMIN)
        for _ in range(3):
            resolved(tenant, world.a, rating=5)
        lst = services.generate_draft(tenant=tenant, actor=admin, month=OCTOBER, now=NOW)
        entries = services.entries_of(lst)
        assert len(entries) == 3 and all(e.included for e in entries)
        entries[0].included = False
        assert "at least 3 cases; 2 are chosen" in " ".join(services.problems(lst, entries))


def test_the_draft_masks_personal_data(app_ctx, world):
    with in_tenant(world.a) as tenant:
        admin = user(world.a, Role.BUREAU_ADMIN)
        owner = db.session.get(User, world.a.users[Role.OWNER])
        owner.display_name = "张三丰"
        text = ("张三丰反映3栋2单元501卫生间漏水，联系电话138 1234 5678，身份证42030219900101123X，"
                "张女士说楼下3-2-401也渗水，座机0719-5210136")
        ticket = resolved(tenant, world.a, rating=5, description=text, note="已为张三丰更换3栋2单元501的水管，回电13812345678")
        lst = services.generate_draft(tenant=tenant, actor=admin, month=OCTOBER, now=NOW)
        entry = services.entries_of(lst)[0]
        assert entry.ticket_id == ticket.id
        for secret in ("张三丰", "张女士", "3栋", "2单元", "501", "13812345678", "138 1234 5678", "42030219900101123X",
                       "3-2-401", "5210136"):
            assert secret not in entry.problem_text + entry.outcome_text, secret
        assert "卫生间漏水" in entry.problem_text and "更换" in entry.outcome_text
        assert entry.findings == []


@pytest.mark.parametrize("text, rule", [
    ("请拨13912345678", "mobile"), ("+86 139-1234-5678", "mobile"), ("0719-5210136", "landline"),
    ("420302199001011234", "id_number"), ("42030219900101123x", "id_number"),
    ("5号楼", "unit"), ("三栋二单元", "unit"), ("1201室", "unit"), ("2-1-302", "unit"), ("李四", "name"),
    ("李先生", "name"),
])
def test_each_rule_finds_its_pattern(text, rule):
    assert privacy.findings(text, ["李四"]) == [rule]
    assert privacy.findings(privacy.mask(text, ["李四"]), ["李四"]) == []


@pytest.mark.parametrize("text", ["2026年10月15日已修复", "更换了3个灯泡，费用120元", "小区共有491户", "电梯于10月3日恢复"])
def test_ordinary_text_is_left_alone(text):
    assert privacy.findings(text, ["李四"]) == [] and privacy.mask(text, ["李四"]) == text


def test_publishing_is_refused_while_a_case_names_a_person(app_ctx, world):
    with in_tenant(world.a) as tenant:
        admin = user(world.a, Role.BUREAU_ADMIN)
        tickets = [resolved(tenant, world.a, rating=5) for _ in range(2)]
        lst = services.generate_draft(tenant=tenant, actor=admin, month=OCTOBER, min_cases=2, now=NOW)
        entry = services.entries_of(lst)[0]
        services.save_edits(tenant=tenant, actor=admin, lst=lst, changes={
            entry.id: {"included": True, "problem_text": "业主来电13812345678反映漏水", "outcome_text": "已修复"}})
        with pytest.raises(DomainError) as refused:
            services.publish(tenant=tenant, actor=admin, lst=lst, now=NOW)
        message = str(refused.value.message)
        assert entry.ticket.reference in message and "mobile number" in message
        assert lst.published_version == 0 and services.versions_of(lst) == []
        assert len(tickets) == 2


def test_the_ranking_rule(app_ctx, world):
    with in_tenant(world.a) as tenant:
        admin = user(world.a, Role.BUREAU_ADMIN)
        a = firm(tenant, "甲物业", "91420300MA0000001A")
        b = firm(tenant, "乙物业", "91420300MA0000002B")
        c = firm(tenant, "丙物业", "91420300MA0000003C")
        for rating in (5, 5, 4, 4, 2):       # A: 4 of 5 satisfied, 80 %
            resolved(tenant, world.a, rating=rating, firm_id=a.id)
        for rating in (5, 5, 5, 5, 5, 1):    # B: 6 of 6, the 1 overridden by a satisfied follow-up
            resolved(tenant, world.a, rating=rating, firm_id=b.id,
                     follow_up=Satisfaction.SATISFIED if rating == 1 else None)
        resolved(tenant, world.a, rating=5, firm_id=b.id, follow_up=Satisfaction.UNSATISFIED)  # B: 6 of 7
        resolved(tenant, world.a, rating=None, firm_id=b.id)  # not rated: counts as resolved only
        for rating in (5, 5):                 # C: too few rated cases to be ranked
            resolved(tenant, world.a, rating=rating, firm_id=c.id)
        firms, totals = services.ranking(OCTOBER, 5)
        rows = {f["firm"]: f for f in firms}
        assert [f["firm"] for f in firms] == ["乙物业", "甲物业", "丙物业"]
        assert (rows["乙物业"]["rank"], rows["乙物业"]["resolved"], rows["乙物业"]["rated"], rows["乙物业"]["rate"]) == (1, 8, 7, 85.7)
        assert (rows["甲物业"]["rank"], rows["甲物业"]["rate"]) == (2, 80.0)
        assert rows["丙物业"]["rank"] is None and rows["丙物业"]["rate"] == 100.0
        assert totals == {"resolved": 15, "rated": 14, "satisfied": 12, "rate": 85.7}
        lst = services.generate_draft(tenant=tenant, actor=admin, month=OCTOBER, now=NOW)
        assert len([e for e in services.entries_of(lst) if e.included]) == 15


def test_equal_rate_and_count_share_a_rank(app_ctx, world):
    with in_tenant(world.a) as tenant:
        a = firm(tenant, "甲物业", "91420300MA0000001A")
        b = firm(tenant, "乙物业", "91420300MA0000002B")
        for f in (a, b):
            for _ in range(5):
                resolved(tenant, world.a, rating=5, firm_id=f.id)
        firms, _totals = services.ranking(OCTOBER, 5)
        assert [f["rank"] for f in firms] == [1, 1]


def test_published_versions_are_frozen_and_corrections_need_a_reason(app_ctx, world):
    with in_tenant(world.a) as tenant:
        admin = user(world.a, Role.BUREAU_ADMIN)
        for _ in range(2):
            resolved(tenant, world.a, rating=5)
        lst = services.generate_draft(tenant=tenant, actor=admin, month=OCTOBER, min_cases=2, now=NOW)
        first = services.publish(tenant=tenant, actor=admin, lst=lst, now=NOW)
        assert first.number == 1 and lst.published_version == 1
        before = first.content
        entry = services.entries_of(lst)[0]
        services.save_edits(tenant=tenant, actor=admin, lst=lst, changes={
            entry.id: {"included": True, "problem_text": "楼道灯不亮（更正）", "outcome_text": "已更换灯泡"}})
        with pytest.raises(DomainError) as refused:
            services.publish(tenant=tenant, actor=admin, lst=lst, now=NOW)
        assert refused.value.field == "reason"
        second = services.publish(tenant=tenant, actor=admin, lst=lst, reason="更正第一条的描述", now=NOW)
        assert second.number == 2 and second.reason == "更正第一条的描述"
        assert services.version_of(lst, 1).content == before
        assert "（更正）" in services.version_of(lst).content and "（更正）" not in before
        assert [v.number for v in services.versions_of(lst)] == [2, 1]
