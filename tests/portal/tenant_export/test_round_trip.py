"""Export → delete → purge → import restores every row and file of the tenant and touches no other tenant."""
from __future__ import annotations

import datetime as dt
import json
import zipfile

import pytest
import sqlalchemy as sa

from portal.backup.inventory import reflect, table_figure, upload_inventory
from portal.extensions import db
from portal.tenant_export import services
from portal.tenant_export.importer import ImportRefused, import_export
from portal.tenant_export.schema import tenant_tables
from tenants.context import across_tenants
from tenants.models import Tenant
from tests.portal.backup.populated import populated_installation, postgres_server

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)
LONG_AGO = dt.datetime(2020, 1, 1, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(params=BACKENDS)
def backend(request):
    if request.param == "postgresql" and postgres_server() is None:
        pytest.skip("no PostgreSQL server reachable at PORTAL_TEST_DATABASE_URL or 127.0.0.1:5432")
    return request.param


def per_tenant_figures(connection) -> dict:
    """{(table, tenant_id): figure} for every tenant table, and the tenants' own rows."""
    with across_tenants("test: figures of every tenant"):
        metadata = reflect(connection)
        tenant_ids = connection.execute(sa.select(metadata.tables["tenants"].c.id)).scalars().all()
        figures = {}
        for table in tenant_tables(metadata):
            for tenant_id in tenant_ids:
                figures[(table.name, tenant_id)] = table_figure(connection, table, table.c.tenant_id == tenant_id)
        for tenant_id in tenant_ids:
            tenants = metadata.tables["tenants"]
            figures[("tenants", tenant_id)] = table_figure(connection, tenants, tenants.c.id == tenant_id)
        return figures


def test_export_delete_purge_import_round_trip(app, backend, tmp_path):
    with populated_installation(app, backend) as (source_app, url, instance):
        with source_app.app_context():
            gaotang = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "gaotang"))
            gaotang_id = gaotang.id
            uploads_before = upload_inventory(instance / "uploads")
            # No delete before an export exists.
            with pytest.raises(services.ExportError):
                services.delete_tenant(actor=None, tenant=gaotang, reason="leaves", grace_days=30, now=NOW)
            db.session.rollback()

            result = services.export_tenant(gaotang, actor=None, directory=tmp_path)
            db.session.commit()
            before = per_tenant_figures(db.session.connection())
            db.session.rollback()
            print(f"tenant_export tables={result.tables} rows={result.rows} uploads={result.uploads} "
                  f"bytes={result.bytes} backend={backend}")
            with zipfile.ZipFile(result.path) as archive:
                names = set(archive.namelist())
                users = [json.loads(line) for line in archive.read("users.jsonl").decode().splitlines()]
            assert "manifest.json" in names and "tenant.json" in names and "tables/communities.jsonl" in names
            assert "csv/communities.csv" in names
            assert users and not any("password_hash" in u or "session_token" in u for u in users)
            assert sum(1 for n in names if n.startswith("uploads/")) == result.uploads == 4

            gaotang = db.session.get(Tenant, gaotang_id)
            # Deleted long ago (the database lets the purge remove audit events only after the grace period).
            services.delete_tenant(actor=None, tenant=gaotang, reason="leaves the service", grace_days=30, now=LONG_AGO)
            db.session.commit()
            client = source_app.test_client()
            assert client.get("/t/gaotang/").status_code == 404  # gone from every page at once
            assert services.due_for_purge(LONG_AGO + dt.timedelta(days=29)) == []
            due = services.due_for_purge(NOW)
            assert [t.slug for t in due] == ["gaotang"]
            deleted = services.purge_tenant(db.session.connection(), gaotang_id)
            db.session.commit()
            assert sum(deleted.values()) > 300
            after_purge = per_tenant_figures(db.session.connection())
            db.session.rollback()
            assert not any(key[1] == gaotang_id for key in after_purge)
            assert not (instance / "uploads" / f"t{gaotang_id}").exists()
            # Nothing of any other tenant moved.
            assert {k: v for k, v in before.items() if k[1] != gaotang_id} == after_purge

            with db.engine.begin() as connection:
                imported = import_export(connection, result.path)
            print(f"tenant_import rows={imported.rows} uploads={imported.uploads} users_matched={imported.users_matched} "
                  f"users_created={imported.users_created} backend={backend}")
            after_import = per_tenant_figures(db.session.connection())
            db.session.rollback()
            # Every row of the tenant is back (its export record too, made after the ZIP, is not in it).
            # Every row of the tenant is back; the export's own record and audit event came after the ZIP was written.
            differing = {k for k in before if before[k] != after_import.get(k)}
            assert differing == {("tenant_exports", gaotang_id), ("audit_events", gaotang_id)}
            assert after_import[("audit_events", gaotang_id)].rows == before[("audit_events", gaotang_id)].rows - 1
            assert after_import[("tenant_exports", gaotang_id)].rows == 0
            assert upload_inventory(instance / "uploads") == uploads_before

            # A second import of the same export is refused whole.
            with pytest.raises(ImportRefused, match="taken"):
                with db.engine.begin() as connection:
                    import_export(connection, result.path)



def test_the_command_line_exports_and_imports_into_a_fresh_installation(app, tmp_path):
    from flask_migrate import upgrade

    from portal.extensions import limiter
    from tests.portal.backup.populated import make_app

    with populated_installation(app, "sqlite") as (source_app, _url, _instance):
        exported = source_app.test_cli_runner().invoke(args=["tenants", "export", "hengan", "-o",
                                                             str(tmp_path / "hengan.zip")])
        assert exported.exit_code == 0, exported.output
        assert "rows=" in exported.output
        purged = source_app.test_cli_runner().invoke(args=["tenants", "purge"])
        assert purged.exit_code == 0 and "purged" not in purged.output  # nothing deleted, nothing purged
    fresh = make_app(f"sqlite:///{tmp_path / 'fresh.sqlite3'}", tmp_path)
    try:
        with fresh.app_context():
            upgrade()
            db.session.remove()
        imported = fresh.test_cli_runner().invoke(args=["tenants", "import", str(tmp_path / "hengan.zip")])
        print(imported.output.strip().splitlines()[-1])
        assert imported.exit_code == 0, imported.output
        assert "users_created=" in imported.output and "users_matched=0" in imported.output
        with fresh.app_context():
            from portal.auth.models import User

            users = db.session.scalars(sa.select(User)).all()
            # Accounts come without a usable password and never as platform administrators.
            assert users and all(u.password_hash.startswith("!imported:") and not u.is_platform_admin for u in users)
            db.session.remove()
        again = fresh.test_cli_runner().invoke(args=["tenants", "import", str(tmp_path / "hengan.zip")])
        assert again.exit_code != 0 and "taken" in again.output
    finally:
        with fresh.app_context():
            db.session.remove()
            db.engine.dispose()
        limiter.init_app(app)
