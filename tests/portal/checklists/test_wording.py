"""The shipped default wording reads in the reader's language: evidence types, the default versions' note, and
one line saying what 待核实 means; owners are not shown the marker."""
from __future__ import annotations

import re

import pytest

from portal.checklists import services
from portal.checklists.defaults import DEFAULTS
from portal.checklists.models import ListKind
from portal.checklists.wording import EVIDENCE_TYPES, evidence_text
from portal.extensions import db
from tenants import tenant_scope
from tenants.models import Tenant
from tenants.roles import Role
from tests.factories import World
from tests.portal.checklists.helpers import english_client
from tests.portal.pages import page_text, zh


@pytest.fixture
def version_ids(app, world: World):
    with app.app_context(), tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        ids = {kind: services.current_version(kind).id for kind in ListKind}
        db.session.remove()
    return ids


def text_of(page) -> str:
    assert page.status_code == 200
    return re.sub(r"\s+", " ", page_text(page.text))


def test_every_default_evidence_type_has_a_chinese_name():
    shipped = {part.strip() for sections in DEFAULTS.values() for *_head, items in sections for item in items
               for part in item["evidence"].split(",") if part.strip()}
    assert shipped and shipped <= set(EVIDENCE_TYPES)
    for code, label in EVIDENCE_TYPES.items():
        assert zh(label._args[0]), code


def test_evidence_and_default_note_read_in_chinese(client_as, version_ids):
    text = text_of(client_as(Role.BUREAU_STAFF).get(f"/t/alpha/checklists/versions/{version_ids[ListKind.A]}"))
    assert "佐证材料: 文件" in text          # A1.1 document
    assert "佐证材料: 记录、公告" in text    # A3.2 "records, notice"
    assert "佐证材料: 日志记录、抽查" in text  # A5.1 "log, spot check"
    assert "说明: 平台内置的默认内容" in text
    for english in ("spot check", "ticket data", "document", "default content"):
        assert english not in text


def test_english_readers_keep_english(client_as, version_ids):
    english = english_client(client_as, Role.BUREAU_STAFF)
    text = text_of(english.get(f"/t/alpha/checklists/versions/{version_ids[ListKind.A]}"))
    assert "Evidence: records, notice" in text and "Note: Default content shipped with the portal" in text


def test_evidence_a_tenant_typed_itself_is_shown_as_typed(app):
    with app.test_request_context("/"):  # no language chosen: zh_CN
        assert evidence_text("photo, 业主签字表") == "照片、业主签字表"
        assert evidence_text("") == ""


def test_to_be_verified_is_explained_once_where_it_is_shown(client_as, version_ids):
    staff = client_as(Role.BUREAU_STAFF)
    text = text_of(staff.get(f"/t/alpha/checklists/versions/{version_ids[ListKind.A]}"))
    assert text.count("待核实：此条文出自 2004 年物业服务等级标准或团体标准，尚未与原文逐字核对") == 1
    assert text.count("待核实") > 2  # the marker itself stays on the items
    # List C has no item to verify: no explanation either.
    text = text_of(staff.get(f"/t/alpha/checklists/versions/{version_ids[ListKind.C]}"))
    assert "待核实" not in text


@pytest.mark.parametrize("english", [False, True])
def test_owners_are_not_shown_the_to_be_verified_marker(world, client_as, english):
    owner = client_as(Role.OWNER)
    if english:
        owner = english_client(client_as, Role.OWNER)
    text = text_of(owner.get(f"/t/alpha/my/communities/{world.a.community_id}"))
    assert ("Service hotline hours" if english else "服务热线时长") in text  # A1.3, marked in the defaults
    assert "待核实" not in text and "to be verified" not in text.lower()
