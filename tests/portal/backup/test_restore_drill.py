"""The restore drill: demo data plus uploads, backed up, restored into an empty database and upload store, compared.

Runs on SQLite and on PostgreSQL (a throwaway database on PORTAL_TEST_DATABASE_URL's server, or on
127.0.0.1:5432 as postgres). Prints ``restore_drill tables=… rows=… mismatches=0 uploads=… chains_ok=…``.
"""
from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.backup import services
from portal.backup.database import BackupError
from portal.backup.inventory import Inventory, database_inventory, differences, upload_inventory
from portal.backup.verifiers import VERIFIERS
from tests.portal.backup.populated import empty_database, populated_installation, postgres_server

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]


@pytest.fixture(params=BACKENDS)
def backend(request):
    if request.param == "postgresql" and postgres_server() is None:
        pytest.skip("no PostgreSQL server reachable at PORTAL_TEST_DATABASE_URL or 127.0.0.1:5432")
    return request.param


def live_inventory(url: str, uploads: Path) -> Inventory:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        tables = database_inventory(connection)
    engine.dispose()
    return Inventory(tables=tables, uploads=upload_inventory(uploads))


def test_restore_drill_loses_nothing_and_catches_tampering(app, backend):
    with populated_installation(app, backend) as (source_app, url, instance):
        (instance / "secret_key").write_text("k" * 64, encoding="ascii")
        uploads = instance / "uploads"
        folder = Path(tempfile.mkdtemp(prefix="portal-drill-"))
        with source_app.app_context():
            result = services.create(database_url=url, upload_root=uploads, instance=instance,
                                     target_dir=folder / "backups",
                                     now=dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.timezone.utc))
            source = live_inventory(url, uploads)
            # The manifest describes exactly what was there.
            assert differences(source, Inventory.from_json(result.manifest)) == []
            assert result.path.name == "portal-backup-20261201T020000Z"
            assert "secret_key" in result.manifest["instance"]
            assert len(source.uploads) >= 8 and source.rows > 500

            with empty_database(backend, folder, "restored") as target:
                restored_uploads, restored_instance = folder / "restored-uploads", folder / "restored-instance"
                manifest = services.restore(result.path, database_url=target, upload_root=restored_uploads,
                                            instance=restored_instance)
                drill = services.verify(manifest, database_url=target, upload_root=restored_uploads)
                print(f"{drill.line()} backend={backend}")
                assert drill.mismatches == 0, drill.problems
                assert drill.tables == len(source.tables) and drill.rows == source.rows
                assert drill.uploads == len(source.uploads)
                # The demo's notice boards: every one of their hash chains holds in the restored database.
                assert "notice_board_chains" in VERIFIERS and drill.chains_ok >= 12
                assert differences(source, live_inventory(target, restored_uploads)) == []
                assert (restored_instance / "secret_key").read_text(encoding="ascii") == "k" * 64

                # Never into a database or upload store that holds something.
                with pytest.raises(BackupError, match="not empty"):
                    services.restore(result.path, database_url=target, upload_root=folder / "other-uploads",
                                     instance=None)
                with pytest.raises(BackupError, match="not empty"):
                    services.restore(result.path, database_url=f"sqlite:///{folder / 'x.sqlite3'}"
                                     if backend == "sqlite" else target, upload_root=restored_uploads, instance=None)

                # Tampering after the restore is found: one changed row, one changed upload.
                engine = sa.create_engine(target, poolclass=sa.pool.NullPool)
                with engine.begin() as connection:
                    connection.exec_driver_sql(
                        "UPDATE communities SET name = name || '改' WHERE id = (SELECT min(id) FROM communities)")
                engine.dispose()
                first_upload = sorted(restored_uploads.rglob("*.png"))[0]
                first_upload.write_bytes(first_upload.read_bytes() + b"\0")
                tampered = services.verify(manifest, database_url=target, upload_root=restored_uploads)
                print(f"{tampered.line()} backend={backend} (tampered)")
                assert tampered.mismatches == 2
                assert any("communities" in p for p in tampered.problems)
                assert tampered.chains_ok == drill.chains_ok

        # A damaged backup file is refused before anything is touched.
        dump = next(p for p in result.path.iterdir() if p.name.startswith("database."))
        dump.write_bytes(dump.read_bytes()[:-10])
        with pytest.raises(BackupError, match="damaged"):
            services.restore(result.path, database_url=f"sqlite:///{folder / 'never.sqlite3'}",
                             upload_root=folder / "never", instance=None)
        assert not (folder / "never").exists()


def test_a_verifier_registered_by_a_feature_counts_in_the_drill(app, tmp_path):
    from portal.backup import verifiers

    def _chains(connection):
        count = connection.exec_driver_sql("SELECT count(*) FROM tenants").scalar_one()
        return count, ([] if count else ["no tenants"])

    try:
        with populated_installation(app, "sqlite") as (source_app, url, instance):
            with source_app.app_context():
                result = services.create(database_url=url, upload_root=instance / "uploads", instance=instance,
                                         target_dir=tmp_path)
                before = services.verify(result.manifest, database_url=url, upload_root=instance / "uploads")
                verifiers.register("test_chains")(_chains)
                drill = services.verify(result.manifest, database_url=url, upload_root=instance / "uploads")
        assert drill.chains_ok == before.chains_ok + 2 and drill.mismatches == 0
    finally:
        verifiers.VERIFIERS.pop("test_chains")


def test_the_command_line_backs_up_drills_and_keeps_n_days(app, tmp_path):
    with populated_installation(app, "sqlite") as (source_app, url, instance):
        runner = source_app.test_cli_runner()
        created = runner.invoke(args=["backup", "create", "--dir", str(tmp_path), "--keep-days", "7"])
        assert created.exit_code == 0, created.output
        assert "uploads=" in created.output
        source_app.config["BACKUP_DIR"] = str(tmp_path)
        drilled = runner.invoke(args=["backup", "drill"])
        print(drilled.output.strip())
        assert drilled.exit_code == 0, drilled.output
        assert "mismatches=0" in drilled.output


def test_retention_keeps_n_days_and_always_the_newest(tmp_path):
    for stamp in ("20261101T020000Z", "20261120T020000Z", "20261130T020000Z"):
        (tmp_path / f"portal-backup-{stamp}").mkdir()
    (tmp_path / "portal-backup-20261001T020000Z.part").mkdir()  # unfinished: not a backup, never counted
    now = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.timezone.utc)
    removed = services.prune(tmp_path, keep_days=14, now=now)
    assert [p.name for p in removed] == ["portal-backup-20261101T020000Z"]
    removed = services.prune(tmp_path, keep_days=1, now=now + dt.timedelta(days=60))
    assert [p.name for p in removed] == ["portal-backup-20261120T020000Z"]
    assert [p.name for _, p in services.list_backups(tmp_path)] == ["portal-backup-20261130T020000Z"]
    with pytest.raises(BackupError):
        services.prune(tmp_path, keep_days=0, now=now)


def test_a_manifest_of_another_kind_is_refused(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "other"}), encoding="utf-8")
    with pytest.raises(BackupError, match="not a backup"):
        services.read_manifest(tmp_path)


def test_the_command_line_restores_into_an_empty_target_only(app, tmp_path):
    with populated_installation(app, "sqlite") as (source_app, url, instance):
        runner = source_app.test_cli_runner()
        assert runner.invoke(args=["backup", "create", "--dir", str(tmp_path / "b")]).exit_code == 0
        backup = str(services.list_backups(tmp_path / "b")[-1][1])
        target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        args = ["backup", "restore", backup, "--database-url", target, "--upload-root", str(tmp_path / "u"),
                "--instance-dir", str(tmp_path / "i")]
        restored = runner.invoke(args=args)
        assert restored.exit_code == 0, restored.output
        assert "mismatches=0" in restored.output
        again = runner.invoke(args=args)
        assert again.exit_code != 0 and "not empty" in again.output
