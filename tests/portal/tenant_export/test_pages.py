"""The export page (tenant administrator only) and deleting a tenant in the platform area (only after an export)."""
from __future__ import annotations

import io
import json
import zipfile

import sqlalchemy as sa

from portal.extensions import db
from portal.tenant_export.models import TenantExport
from tenants.context import across_tenants
from tenants.models import Tenant, TenantStatus
from tenants.roles import Role
from tests.conftest import csrf_token_for, login
from tests.portal.pages import in_english

EXPORT = "/t/alpha/settings/export"


def test_only_the_tenant_administrator_exports(app, world, client_as):
    for role in (Role.BUREAU_STAFF, Role.OWNER):
        assert client_as(role, "a").get(EXPORT).status_code in (403, 404)
    admin = in_english(client_as(Role.BUREAU_ADMIN, "a"))
    page = admin.get(EXPORT)
    assert page.status_code == 200 and "No export yet." in page.text
    assert EXPORT in admin.get("/t/alpha/settings/").text


def test_the_export_is_a_zip_of_the_tenant_only_and_is_recorded(app, world, client_as):
    admin = in_english(client_as(Role.BUREAU_ADMIN, "a"))
    refused = admin.post(EXPORT, data={})
    assert refused.status_code == 400  # no CSRF token: nothing made
    response = admin.post(EXPORT, data={"csrf_token": csrf_token_for(admin, EXPORT)})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["tenant"]["slug"] == "alpha"
    for name in archive.namelist():
        if name.startswith("tables/"):
            for line in archive.read(name).decode().splitlines():
                assert json.loads(line)["tenant_id"] == world.a.tenant_id, name
    assert all("password_hash" not in json.loads(line) for line in archive.read("users.jsonl").decode().splitlines())
    with app.app_context(), across_tenants("test: export records"):
        records = db.session.scalars(sa.select(TenantExport)).all()
        assert [r.tenant_id for r in records] == [world.a.tenant_id]
        db.session.remove()
    assert "records" in admin.get(EXPORT).text


def test_the_platform_deletes_only_after_an_export_and_can_restore(app, world, client):
    login(client, world.platform_admin_login)
    client = in_english(client)
    path = f"/platform/tenants/{world.b.tenant_id}/delete"
    page = client.get(path)
    assert page.status_code == 200 and "never been exported" in page.text
    token = csrf_token_for(client, path)
    refused = client.post(path, data={"csrf_token": token, "reason": "leaves", "confirm_slug": "beta"})
    assert refused.status_code == 400 and "Export the tenant" in refused.text
    wrong = client.post(path, data={"csrf_token": token, "reason": "leaves", "confirm_slug": "alpha"})
    assert wrong.status_code == 400
    with app.app_context():
        from portal.tenant_export.services import export_tenant

        export_tenant(db.session.get(Tenant, world.b.tenant_id), actor=None).path.unlink()
        db.session.commit()
    done = client.post(path, data={"csrf_token": token, "reason": "leaves", "confirm_slug": "beta"})
    assert done.status_code == 303
    with app.app_context():
        tenant = db.session.get(Tenant, world.b.tenant_id)
        assert tenant.deleted_at is not None and tenant.status == TenantStatus.SUSPENDED
        db.session.remove()
    assert client.get("/t/beta/").status_code == 404
    assert "Restore the tenant" in client.get("/platform/").text
    restored = client.post(f"/platform/tenants/{world.b.tenant_id}/undelete",
                           data={"csrf_token": csrf_token_for(client, "/platform/")})
    assert restored.status_code == 303
    with app.app_context():
        tenant = db.session.get(Tenant, world.b.tenant_id)
        assert tenant.deleted_at is None and tenant.status == TenantStatus.ACTIVE
        db.session.remove()
