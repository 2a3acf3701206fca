"""The audit page in the reader's language: a sentence for every action code, 系统 for the system, spelled-out
summaries, and filters offered as choices (while the old free-text links keep working)."""
from __future__ import annotations

import ast
import datetime as dt
import json
import re
from pathlib import Path

import pytest

import portal
import tenants
from portal.audit.catalogue import ACTION_GROUPS, ACTION_SENTENCES, OBJECT_TYPES
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from tenants import tenant_scope
from tenants.models import Tenant
from tenants.roles import Role
from tests.portal.pages import in_english, page_text, zh

SOURCES = [Path(portal.__file__).parent, Path(tenants.__file__).parent]
CODE = re.compile(r"^[a-z_]+\.[a-z_]+$")


def recorded_action_codes() -> dict[str, str]:
    """Every action code the code base can record: string constants given as ``action=`` to a call (ternaries
    included) and defaults of parameters named ``action`` (a helper that records on its callers' behalf)."""
    found: dict[str, str] = {}

    def collect(node, where):
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and CODE.match(sub.value):
                found.setdefault(sub.value, where)

    for root in SOURCES:
        for path in root.rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                where = f"{path.name}:{getattr(node, 'lineno', '?')}"
                if isinstance(node, ast.Call):
                    for keyword in node.keywords:
                        if keyword.arg == "action":
                            collect(keyword.value, where)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    arguments = node.args
                    positional = arguments.posonlyargs + arguments.args
                    pairs = list(zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults))
                    pairs += [(a, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None]
                    for argument, default in pairs:
                        if argument.arg == "action":
                            collect(default, where)
    return found


def test_every_recorded_action_has_a_sentence():
    codes = recorded_action_codes()
    # The scan itself must see the codes it is meant to guard (a broken scan would pass vacuously).
    assert {"checklist.section_changed", "claim_code.issued", "user.disabled", "member.deactivated"} <= set(codes)
    missing = {code: where for code, where in codes.items() if code not in ACTION_SENTENCES}
    print(f"action_codes={len(codes)} without_sentence={len(missing)}")
    assert missing == {}


@pytest.mark.parametrize("code", sorted(ACTION_SENTENCES))
def test_every_sentence_reads_in_chinese(code):
    sentence = ACTION_SENTENCES[code]._args[0]
    translated = zh(sentence)
    assert translated, f"{code}: {sentence!r} has no zh_CN translation"
    # Same placeholders on both sides, so no detail is lost or invented in translation.
    assert sorted(re.findall(r"%\((\w+)\)s", translated)) == sorted(re.findall(r"%\((\w+)\)s", sentence))


# (action, object type, summary as the service writes it, before, after, expected zh sentence)
SAMPLES = [
    ("checklist.section_changed", "checklist_section", "A v2 S1", None, None, "修改了清单 A 第 2 版的分项 S1"),
    ("checklist.item_moved", "checklist_item", "B v3 B1.2 down", None, None, "将清单 B 第 3 版的条目 B1.2 下移"),
    ("checklist.published", "checklist_version", "C v1 (defaults)", None, None, "发布了清单 C 第 1 版"),
    ("checklist.superseded", "checklist_version", "A v1 → v2", None, None, "以第 2 版取代了清单 A 第 1 版"),
    ("roster.imported", "community", "阳光花园: +2 ~0 =1", None, {"inserted": 2, "updated": 0, "unchanged": 1},
     "导入了 阳光花园 的房屋清册：新增 2 户，更新 0 户，1 户未变"),
    ("roster.uploaded", "community", "阳光花园: 名册.csv (5 rows, utf-8)", None, {"rows": 5},
     "为 阳光花园 上传了房屋清册文件 名册.csv（5 行）"),
    ("hotline.uploaded", "tenant", "12345.csv (3 rows, utf-8)", None, {"rows": 3},
     "上传了 12345 工单导出文件 12345.csv（3 行）"),
    ("member.changed", "membership", "王芳: bureau_staff → bureau_admin", None, None,
     "将 王芳 的角色由住建局工作人员改为住建局管理员"),
    ("member.invited", "membership", "13900000009 → owner", None, None, "邀请 13900000009 担任业主"),
    ("tenant.status", "tenant", "active → suspended", {"status": "active"}, {"status": "suspended"},
     "将单位状态由“正常”改为“已暂停”"),
    ("api_token.revoked_all", "user", "王芳: 3", None, {"revoked": 3}, "吊销了 王芳 的全部 3 个 API 令牌"),
    ("owner.unbound", "unit_binding", "李雷 ✕ 阳光花园 1-101", None, None, "解除了 李雷 与房屋 阳光花园 1-101 的绑定"),
    ("area.renamed", "area", "城关 → 城东", None, None, "将辖区 城关 更名为 城东"),
]


@pytest.fixture
def sample_events(app, world):
    """The SAMPLES in tenant A (one by the administrator, one by the system), in a known order."""
    with app.app_context():
        tenant = db.session.get(Tenant, world.a.tenant_id)
        admin = db.session.get(User, world.a.users[Role.BUREAU_ADMIN])
        with tenant_scope(tenant):
            start = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
            for i, (action, object_type, summary, before, after, _zh) in enumerate(SAMPLES):
                db.session.add(AuditEvent(
                    occurred_at=start + dt.timedelta(minutes=i), actor_id=admin.id, actor_label=admin.display_name,
                    action=action, object_type=object_type, object_id="7", summary=summary,
                    before=json.dumps(before) if before else "", after=json.dumps(after) if after else ""))
            db.session.add(AuditEvent(occurred_at=start - dt.timedelta(days=1), actor_id=None, actor_label="system",
                                      action="claim_code.issued", object_type="claim_code", object_id="9",
                                      summary="阳光花园 2-202"))
            db.session.commit()
    return SAMPLES


def visible(page: str) -> str:
    """The log's text (the table, not the filter's option lists), runs of spaces collapsed."""
    table = re.search(r"<table.*?</table>", page, re.S)
    return re.sub(r"\s+", " ", page_text(table.group(0))) if table else ""


def log_rows(page: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    return re.findall(r"<tr>.*?</tr>", body.group(1), re.S) if body else []


def test_actions_read_as_chinese_sentences(client_as, sample_events):
    page = client_as(Role.BUREAU_ADMIN, "a").get("/t/alpha/audit/")
    assert page.status_code == 200
    text = visible(page.text)
    for action, _type, _summary, _before, _after, sentence in sample_events:
        assert sentence in text, action
    assert "为 阳光花园 2-202 发放了认领码" in text
    # The codes and the machine summaries are gone from what is read (the code stays as a tooltip).
    assert "checklist.section_changed" not in text
    assert "+2 ~0 =1" not in text and "→ bureau_admin" not in text and "(5 rows" not in text
    assert "清单分项 #7" in text  # the object type is named, not coded


def test_system_reads_as_xitong(client_as, sample_events):
    page = client_as(Role.BUREAU_ADMIN, "a").get("/t/alpha/audit/?actor=system")
    rows = log_rows(page.text)
    assert len(rows) == 1
    assert 'data-label="操作人">系统<' in rows[0]
    assert "system" not in page_text(rows[0])


def test_english_reader_gets_english_sentences(client_as, sample_events):
    page = in_english(client_as(Role.BUREAU_ADMIN, "a")).get("/t/alpha/audit/")
    text = visible(page.text)
    assert "changed section S1 of version 2 of list A" in text
    assert "imported the roster of 阳光花园: 2 units added, 0 updated, 1 unchanged" in text
    assert "changed the role of 王芳 from Bureau staff to Bureau administrator" in text


def test_a_summary_of_an_unexpected_shape_is_shown_as_recorded(app, world, client_as):
    with app.app_context():
        with tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
            db.session.add(AuditEvent(action="checklist.item_changed", summary="hand-written note",
                                      actor_label="system"))
            db.session.add(AuditEvent(action="legacy.thing", summary="old summary", actor_label="system"))
            db.session.commit()
    text = visible(client_as(Role.BUREAU_ADMIN, "a").get("/t/alpha/audit/?actor=system").text)
    assert "修改了清单 … 第 … 版的条目 …（记录原文：hand-written note）" in text
    assert "legacy.thing old summary" in text  # a code without a sentence is still shown, not dropped


def options(page: str, name: str) -> dict[str, str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no <select name={name}>"
    return {value: page_text(label).strip().replace("\u2003", "")
            for value, label in re.findall(r'<option[^>]*value="([^"]*)"[^>]*>(.*?)</option>', select.group(1), re.S)}


def test_filters_are_choices(world, client_as, sample_events):
    admin = client_as(Role.BUREAU_ADMIN, "a")
    page = admin.get("/t/alpha/audit/").text
    actions = options(page, "action")
    # The groups first; a group's own actions once it is chosen (the list stays short).
    assert {code for code in actions if code} == set(ACTION_GROUPS)
    assert actions["checklist."] == "全部：清单" or actions["checklist."].startswith("全部：")
    for group in ACTION_GROUPS:
        in_group = options(admin.get(f"/t/alpha/audit/?action={group}").text, "action")
        assert {code for code in ACTION_SENTENCES if code.startswith(group)} <= set(in_group)
        assert not {code for code in ACTION_SENTENCES if not code.startswith(group)} & set(in_group)
    chosen = options(admin.get("/t/alpha/audit/?action=checklist.section_changed").text, "action")
    assert chosen["checklist.section_changed"] == "修改了清单 … 第 … 版的分项 …"
    actors = options(page, "actor")
    assert actors["system"] == "系统"
    assert f"{Role.BUREAU_STAFF.value}-{world.a.sentinel}" in actors.values()
    assert not any(world.b.sentinel in name for name in actors.values())  # only this tenant's members
    assert not any(Role.OWNER.value in name for name in actors.values())
    types = options(page, "object_type")
    assert set(OBJECT_TYPES) <= set(types) and types["checklist_section"] == "清单分项"
    assert 'type="date"' in page and 'name="date_from"' in page


def test_choosing_an_actor_and_an_exact_action(world, client_as, sample_events, app):
    admin = client_as(Role.BUREAU_ADMIN, "a")
    admin_id = world.a.users[Role.BUREAU_ADMIN]
    text = visible(admin.get(f"/t/alpha/audit/?actor={admin_id}").text)
    assert "修改了清单 A 第 2 版的分项 S1" in text and "发放了认领码" not in text
    # A full code matches only itself, not the codes it is a prefix of.
    with app.app_context(), tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        db.session.add(AuditEvent(action="api_token.revoked", summary="nightly", actor_label="system"))
        db.session.commit()
    text = visible(admin.get("/t/alpha/audit/?action=api_token.revoked").text)
    assert "吊销了 API 令牌“nightly”" in text and "全部 3 个" not in text
    text = visible(admin.get("/t/alpha/audit/?action=api_token.").text)
    assert "吊销了 API 令牌“nightly”" in text and "全部 3 个" in text


def test_a_value_from_an_older_link_stays_selected(client_as, sample_events):
    page = client_as(Role.BUREAU_ADMIN, "a").get("/t/alpha/audit/?action=checklist.item_m").text
    assert re.search(r'<option[^>]*selected[^>]*value="checklist.item_m"|<option[^>]*value="checklist.item_m"'
                     r'[^>]*selected', page)
    assert "将清单 B 第 3 版的条目 B1.2 下移" in visible(page)
    assert "修改了清单 A 第 2 版的分项 S1" not in visible(page)


def test_the_log_is_a_table_that_stacks_into_cards_on_phones(client_as, sample_events):
    page = client_as(Role.BUREAU_ADMIN, "a").get("/t/alpha/audit/").text
    assert '<table class="stack">' in page
    rows = log_rows(page)
    assert len(rows) > len(sample_events)
    for row in rows:
        cells = re.findall(r"<td( data-label=\"[^\"]+\")?>", row)
        # Every cell but the time (the card's title) names its column: a card reads without the header row.
        assert len(cells) == 6 and not cells[0] and all(cells[1:])
