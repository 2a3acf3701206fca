"""Published, superseded and frozen versions never change: every edit route and service refuses, nothing moves."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.checklists import services
from portal.checklists.models import ChecklistSection, ChecklistVersion, ListKind
from portal.extensions import db
from tenants import tenant_scope
from tenants.models import Tenant
from tenants.roles import Role
from tests.conftest import csrf_token_for
from tests.factories import World
from tests.portal.checklists.helpers import english_client, first_item_id, post, section_ids
from tests.portal.pages import page_text
from tests.routewalk import changed_tables, db_state


def html_edit_requests(version_id: int, section_id: int, item_id: int) -> list[tuple[str, str, dict]]:
    base = "/t/alpha/checklists"
    return [
        ("GET", f"{base}/drafts/{version_id}", {}),
        ("POST", f"{base}/drafts/{version_id}/publish", {"note": "again"}),
        ("POST", f"{base}/drafts/{version_id}/discard", {"reason": "gone"}),
        ("GET", f"{base}/drafts/{version_id}/sections/new", {}),
        ("POST", f"{base}/drafts/{version_id}/sections/new", {"code": "Z1", "title_zh": "新", "weight": "0"}),
        ("GET", f"{base}/sections/{section_id}/edit", {}),
        ("POST", f"{base}/sections/{section_id}/edit", {"code": "Z2", "title_zh": "改", "weight": "1"}),
        ("POST", f"{base}/sections/{section_id}/delete", {}),
        ("POST", f"{base}/sections/{section_id}/move", {"direction": "down"}),
        ("GET", f"{base}/sections/{section_id}/items/new", {}),
        ("POST", f"{base}/sections/{section_id}/items/new", {"code": "Z1.1", "text_zh": "新"}),
        ("GET", f"{base}/items/{item_id}/edit", {}),
        ("POST", f"{base}/items/{item_id}/edit", {"code": "Z1.2", "text_zh": "改"}),
        ("POST", f"{base}/items/{item_id}/delete", {}),
        ("POST", f"{base}/items/{item_id}/move", {"direction": "down"}),
    ]


def api_edit_requests(version_id: int, section_id: int, item_id: int) -> list[tuple[str, str, dict | None]]:
    base = "/api/v1/t/alpha/checklists"
    return [
        ("POST", f"{base}/drafts/{version_id}/sections", {"code": "Z1", "title_zh": "新", "weight": 0}),
        ("PATCH", f"{base}/sections/{section_id}", {"weight": "1"}),
        ("DELETE", f"{base}/sections/{section_id}", None),
        ("POST", f"{base}/sections/{section_id}/move", {"direction": "down"}),
        ("POST", f"{base}/sections/{section_id}/items", {"code": "Z1.1", "text_zh": "新"}),
        ("PATCH", f"{base}/items/{item_id}", {"text_zh": "改"}),
        ("DELETE", f"{base}/items/{item_id}", None),
        ("POST", f"{base}/items/{item_id}/move", {"direction": "down"}),
        ("POST", f"{base}/drafts/{version_id}/publish", {"note": "again"}),
        ("DELETE", f"{base}/drafts/{version_id}", None),
    ]


def freeze(app, world: World, version_id: int, reason: str = "2026 Q1 assessment") -> None:
    with app.app_context():
        tenant = db.session.get(Tenant, world.a.tenant_id)
        with tenant_scope(tenant):
            version = db.session.scalar(sa.select(ChecklistVersion).where(ChecklistVersion.id == version_id))
            services.freeze_version(version, reason, None, tenant=tenant)
            db.session.commit()
        db.session.remove()


def publish_world_draft(admin, world: World) -> None:
    assert post(admin, f"/t/alpha/checklists/drafts/{world.a.draft_id}/publish", {"note": "new"}).status_code == 303


@pytest.mark.parametrize("state", ["published", "superseded", "frozen", "frozen and superseded"])
def test_every_edit_route_refuses_a_version_that_is_not_an_open_draft(app, world: World, client_as, state):
    admin = english_client(client_as, Role.BUREAU_ADMIN)
    version_id = world.a.checklist_versions[ListKind.A]
    if "frozen" in state:
        freeze(app, world, version_id)
    if "superseded" in state:
        publish_world_draft(admin, world)
    section_id = section_ids(app, version_id)[1]
    item_id = first_item_id(app, section_id)
    token = csrf_token_for(admin)
    before = db_state(app)
    problems = []
    for method, url, data in html_edit_requests(version_id, section_id, item_id):
        response = admin.open(url, method=method, data={**data, "csrf_token": token} if method == "POST" else None)
        text = page_text(response.get_data(as_text=True))
        expected = "frozen (used by an evaluation period)" if "frozen" in state else "read-only"
        if response.status_code != 409 or expected not in text:
            problems.append(f"{method} {url}: {response.status_code}")
    bearer = {"Authorization": f"Bearer {world.a.token_secret}"}
    for method, url, body in api_edit_requests(version_id, section_id, item_id):
        response = app.test_client().open(url, method=method, json=body, headers=bearer)
        if response.status_code != 409 or response.json["error"]["code"] != "read_only":
            problems.append(f"{method} {url}: {response.status_code} {response.get_data(as_text=True)[:120]}")
    assert not problems, "\n".join(problems)
    assert changed_tables(before, db_state(app)) == []


def test_every_service_refuses_a_frozen_version(app, world: World):
    freeze(app, world, world.a.version_id)
    before = db_state(app)
    with app.app_context():
        tenant = db.session.get(Tenant, world.a.tenant_id)
        with tenant_scope(tenant):
            version = db.session.scalar(sa.select(ChecklistVersion).where(ChecklistVersion.id == world.a.version_id))
            section = db.session.scalar(sa.select(ChecklistSection).where(ChecklistSection.version_id == version.id))
            item = section.items[0]
            calls = [
                lambda: services.add_section(tenant=tenant, actor=None, version=version, data={"code": "Z", "title_zh": "z", "weight": 0}),
                lambda: services.update_section(tenant=tenant, actor=None, section=section, data={"weight": "1"}),
                lambda: services.delete_section(tenant=tenant, actor=None, section=section),
                lambda: services.move_section(tenant=tenant, actor=None, section=section, direction="down"),
                lambda: services.add_item(tenant=tenant, actor=None, section=section, data={"code": "Z.1", "text_zh": "z"}),
                lambda: services.update_item(tenant=tenant, actor=None, item=item, data={"text_zh": "z"}),
                lambda: services.delete_item(tenant=tenant, actor=None, item=item),
                lambda: services.move_item(tenant=tenant, actor=None, item=item, direction="down"),
                lambda: services.publish(tenant=tenant, actor=None, version=version, note="x"),
                lambda: services.discard(tenant=tenant, actor=None, version=version),
            ]
            for call in calls:
                # The messages are read in English here; outside a request the default language is zh_CN.
                with force_locale("en"), pytest.raises(services.NotEditable, match="frozen"):
                    call()
                db.session.rollback()
            # Freezing again changes nothing; a draft cannot be frozen.
            services.freeze_version(version, "again", None, tenant=tenant)
            draft = db.session.scalar(sa.select(ChecklistVersion).where(ChecklistVersion.id == world.a.draft_id))
            with pytest.raises(services.NotEditable):
                services.freeze_version(draft, "too early", None, tenant=tenant)
            db.session.rollback()
        db.session.remove()
    assert changed_tables(before, db_state(app)) == []


def test_freezing_is_audited_and_shown(app, world: World, client_as):
    freeze(app, world, world.a.version_id, "2026 Q1 community assessment")
    with app.app_context():
        from portal.audit.models import AuditEvent
        from tenants import across_tenants

        with across_tenants("test reads the audit log"):
            event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "checklist.frozen"))
            assert event.tenant_id == world.a.tenant_id and event.object_id == str(world.a.version_id)
            assert event.reason == "2026 Q1 community assessment"
        db.session.remove()
    officer = english_client(client_as, Role.AREA_OFFICER)
    page = page_text(officer.get(f"/t/alpha/checklists/versions/{world.a.version_id}").text)
    assert "Frozen (used by an evaluation period)" in page and "2026 Q1 community assessment" in page
    assert "Frozen (used by an evaluation period)" in page_text(officer.get("/t/alpha/checklists/").text)


def test_frozen_published_version_can_still_be_superseded_and_keeps_its_item_ids(app, world: World, client_as):
    admin = english_client(client_as, Role.BUREAU_ADMIN)
    version_id = world.a.checklist_versions[ListKind.A]
    before_ids = [first_item_id(app, s) for s in section_ids(app, version_id)]
    freeze(app, world, version_id)
    publish_world_draft(admin, world)
    with app.app_context(), tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        old = db.session.scalar(sa.select(ChecklistVersion).where(ChecklistVersion.id == version_id))
        assert old.status.value == "superseded" and old.frozen_at is not None
        db.session.remove()
    assert [first_item_id(app, s) for s in section_ids(app, version_id)] == before_ids
