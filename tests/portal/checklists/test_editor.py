"""The list editor in the browser: draft → edit → preview → publish, validation messages, list B, discard."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.checklists.models import ListKind
from portal.extensions import db as _db
from tenants import across_tenants
from tenants.roles import Role
from tests.factories import World
from tests.portal.checklists.helpers import english_client, first_item_id, post, section_ids, versions_of
from tests.portal.pages import field_error, flashes, page_text
from tests.routewalk import changed_tables, db_state


def audit_actions(app, tenant_id: int) -> list[tuple[str, int | None]]:
    with app.app_context(), across_tenants("test reads the audit log"):
        rows = _db.session.execute(sa.select(AuditEvent.action, AuditEvent.actor_id)
                                   .where(AuditEvent.tenant_id == tenant_id, AuditEvent.action.startswith("checklist."))
                                   .order_by(AuditEvent.id)).all()
        _db.session.remove()
        return [tuple(r) for r in rows]


@pytest.fixture
def admin(client_as):
    return english_client(client_as, Role.BUREAU_ADMIN)


def new_draft(admin, kind: str):
    response = post(admin, "/t/alpha/checklists/drafts/new", {"kind": kind, "note": "yearly review"})
    assert response.status_code == 303, response.text
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def test_draft_edit_preview_publish_supersedes_the_previous_version(app, world: World, admin):
    assert [v[1:] for v in versions_of(app, world.a.tenant_id, ListKind.C)] == [(1, "published")]
    draft_id = new_draft(admin, "C")
    assert [v[1:] for v in versions_of(app, world.a.tenant_id, ListKind.C)] == [(1, "published"), (2, "draft")]
    page = admin.get(f"/t/alpha/checklists/drafts/{draft_id}")
    assert page.status_code == 200
    assert "Sum of weights: 100 of 100" in page_text(page.text)

    c1, c2 = section_ids(app, draft_id)[:2]
    response = post(admin, f"/t/alpha/checklists/sections/{c1}/edit",
                    {"code": "C1", "title_zh": "五保基础服务（修订）", "title_en": "Basic services", "weight": "30"})
    assert response.status_code == 303
    page = admin.get(f"/t/alpha/checklists/drafts/{draft_id}")
    text = page_text(page.text)
    assert "Sum of weights: 95 of 100" in text and "5 short of 100" in text
    assert "Weights sum to 95, must be 100." in text  # shown all the time, before anyone tries to publish

    before = db_state(app)
    refused = post(admin, f"/t/alpha/checklists/drafts/{draft_id}/publish", {"note": "2026 revision"})
    assert refused.status_code == 400
    assert "Weights sum to 95, must be 100." in page_text(refused.text)
    assert field_error(refused.text, "note") == "Not published: fix the problems listed above."
    assert changed_tables(before, db_state(app)) == []

    response = post(admin, f"/t/alpha/checklists/drafts/{draft_id}/sections/new",
                    {"code": "C6", "title_zh": "业主满意度", "title_en": "Owner satisfaction", "weight": "5"})
    assert response.status_code == 303
    c6 = section_ids(app, draft_id)[-1]
    response = post(admin, f"/t/alpha/checklists/sections/{c6}/items/new",
                    {"code": "C6.1", "text_zh": "业主满意度测评", "text_en": "Owner survey", "to_verify": "y"})
    assert response.status_code == 303
    # Move the new section up once, and the second block's first item down once.
    assert post(admin, f"/t/alpha/checklists/sections/{c6}/move", {"direction": "up"}).status_code == 303
    assert section_ids(app, draft_id)[-2:] == [c6, section_ids(app, draft_id)[-1]]
    item = first_item_id(app, c2)
    assert post(admin, f"/t/alpha/checklists/items/{item}/move", {"direction": "down"}).status_code == 303
    assert first_item_id(app, c2) != item

    preview = admin.get(f"/t/alpha/checklists/versions/{draft_id}")
    text = page_text(preview.text)
    assert preview.status_code == 200 and "Preview" in text and "业主满意度测评" in text and "Total: 100 points" in text
    assert "To be verified" in text

    response = post(admin, f"/t/alpha/checklists/drafts/{draft_id}/publish", {"note": "2026 revision"})
    assert response.status_code == 303
    ids = versions_of(app, world.a.tenant_id, ListKind.C)
    assert [v[1:] for v in ids] == [(1, "superseded"), (2, "published")]
    page = admin.get(response.headers["Location"])
    assert "Published" in page_text(page.text) and "Note: 2026 revision" in page_text(page.text)
    actions = audit_actions(app, world.a.tenant_id)
    admin_id = world.a.users[Role.BUREAU_ADMIN]
    assert ("checklist.published", admin_id) in actions and ("checklist.superseded", admin_id) in actions
    # The index now shows both versions with their states.
    index = page_text(admin.get("/t/alpha/checklists/").text)
    assert "Superseded" in index and "Published" in index


@pytest.mark.parametrize("weight, message", [
    ("120", "Weight must be between 0 and 100 (got 120)."),
    ("-5", "Weight must be between 0 and 100 (got -5)."),
    ("33.333", "Weight may have at most two decimals (got 33.333)."),
    ("twenty", 'Weight: "twenty" is not a number; enter a number from 0 to 100.'),
    ("", "Weight: enter a number from 0 to 100."),
    ("NaN", "Weight: enter a number from 0 to 100."),
])
def test_invalid_weights_are_refused_with_a_message_naming_the_field(app, world: World, admin, weight, message):
    before = db_state(app)
    response = post(admin, f"/t/alpha/checklists/sections/{world.a.section_id}/edit",
                    {"code": "S2", "title_zh": "第二部分", "weight": weight})
    assert response.status_code == 400
    assert field_error(response.text, "weight") == message
    assert changed_tables(before, db_state(app)) == []


def test_two_decimal_weights_are_accepted(app, world: World, admin):
    response = post(admin, f"/t/alpha/checklists/sections/{world.a.section_id}/edit",
                    {"code": "S2", "title_zh": "第二部分", "weight": "39.75"})
    assert response.status_code == 303
    page = page_text(admin.get(f"/t/alpha/checklists/drafts/{world.a.draft_id}").text)
    assert "Sum of weights: 99.75 of 100" in page and "0.25 short of 100" in page


def test_empty_section_is_refused_at_publish(app, world: World, admin):
    response = post(admin, f"/t/alpha/checklists/drafts/{world.a.draft_id}/sections/new",
                    {"code": "S3", "title_zh": "第三部分", "weight": "0"})
    assert response.status_code == 303
    before = db_state(app)
    refused = post(admin, f"/t/alpha/checklists/drafts/{world.a.draft_id}/publish", {"note": "go"})
    assert refused.status_code == 400
    assert "Section S3 has no items; add one or delete the section." in page_text(refused.text)
    assert changed_tables(before, db_state(app)) == []
    assert [v[2] for v in versions_of(app, world.a.tenant_id, ListKind.A)] == ["published", "draft"]


def test_duplicate_codes_are_refused(app, world: World, admin):
    before = db_state(app)
    # S1.1 lives in another section of the same version: still a duplicate.
    response = post(admin, f"/t/alpha/checklists/sections/{world.a.section_id}/items/new",
                    {"code": "S1.1", "text_zh": "重复"})
    assert response.status_code == 400
    assert field_error(response.text, "code") == "Item code S1.1 is already used in this version."
    response = post(admin, f"/t/alpha/checklists/items/{world.a.item_id}/edit", {"code": "S2.1", "text_zh": "重复"})
    assert field_error(response.text, "code") == "Item code S2.1 is already used in this version."
    response = post(admin, f"/t/alpha/checklists/drafts/{world.a.draft_id}/sections/new",
                    {"code": "S1", "title_zh": "重复", "weight": "0"})
    assert field_error(response.text, "code") == "Section code S1 is already used in this version."
    response = post(admin, f"/t/alpha/checklists/sections/{world.a.section_id}/items/new", {"code": "S2.9", "text_zh": "  "})
    assert response.status_code == 400 and field_error(response.text, "text_zh")
    assert changed_tables(before, db_state(app)) == []


def test_only_one_open_draft_per_list(app, world: World, admin):
    before = db_state(app)
    response = post(admin, "/t/alpha/checklists/drafts/new", {"kind": "A"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/t/alpha/checklists/drafts/{world.a.draft_id}")
    assert "already has an open draft (version 2)" in " ".join(flashes(admin.get(response.headers["Location"]).text))
    assert changed_tables(before, db_state(app)) == []


def test_list_b_has_no_weights_and_fraction_thresholds(app, world: World, admin):
    draft_id = new_draft(admin, "B")
    b1 = section_ids(app, draft_id)[0]
    form = admin.get(f"/t/alpha/checklists/sections/{b1}/edit")
    assert form.status_code == 200 and 'name="weight"' not in form.text
    # A weight sent anyway is ignored.
    assert post(admin, f"/t/alpha/checklists/sections/{b1}/edit",
                {"code": "B1", "title_zh": "业主大会职权", "weight": "50"}).status_code == 303
    page = page_text(admin.get(f"/t/alpha/checklists/drafts/{draft_id}").text)
    assert "This list has no weights." in page and "Sum of weights" not in page

    before = db_state(app)
    for area, head, field in (("half", "1/2", "threshold_area"), ("3/2", "1/2", "threshold_area"),
                              ("1/2", "0/3", "threshold_headcount"), ("2/3", "", "threshold_headcount")):
        response = post(admin, f"/t/alpha/checklists/sections/{b1}/items/new",
                        {"code": "B1.10", "text_zh": "处分共有部分", "threshold_area": area, "threshold_headcount": head})
        assert response.status_code == 400, (area, head)
        assert field_error(response.text, field), (area, head, response.text)
    assert changed_tables(before, db_state(app)) == []
    response = post(admin, f"/t/alpha/checklists/sections/{b1}/items/new",
                    {"code": "B1.10", "text_zh": "处分共有部分", "threshold_area": "2/3", "threshold_headcount": "2/3"})
    assert response.status_code == 303
    preview = page_text(admin.get(f"/t/alpha/checklists/versions/{draft_id}").text)
    assert "At least 2/3 of the floor area and at least 2/3 of the owners" in preview
    assert post(admin, f"/t/alpha/checklists/drafts/{draft_id}/publish", {"note": "disposal of common parts"}).status_code == 303
    assert [v[2] for v in versions_of(app, world.a.tenant_id, ListKind.B)] == ["superseded", "published"]


def test_discard_deletes_the_draft_and_is_audited(app, world: World, admin):
    response = post(admin, f"/t/alpha/checklists/drafts/{world.a.draft_id}/discard", {"reason": "started over"})
    assert response.status_code == 303
    assert [v[2] for v in versions_of(app, world.a.tenant_id, ListKind.A)] == ["published"]
    assert ("checklist.discarded", world.a.users[Role.BUREAU_ADMIN]) in audit_actions(app, world.a.tenant_id)
    assert admin.get(f"/t/alpha/checklists/drafts/{world.a.draft_id}").status_code == 404
    # The discarded number is free again: the next draft is version 2.
    assert new_draft(admin, "A") and [v[1:] for v in versions_of(app, world.a.tenant_id, ListKind.A)] == [(1, "published"), (2, "draft")]


def test_delete_section_and_item(app, world: World, admin):
    assert post(admin, f"/t/alpha/checklists/items/{world.a.item_id}/delete").status_code == 303
    assert post(admin, f"/t/alpha/checklists/sections/{world.a.section_id}/delete").status_code == 303
    assert len(section_ids(app, world.a.draft_id)) == 1
    page = page_text(admin.get(f"/t/alpha/checklists/drafts/{world.a.draft_id}").text)
    assert "Sum of weights: 60 of 100" in page and "Part two" not in page and "Part one" in page
