"""A committed installation of its own for the backup and export tests: demo data plus uploads, on SQLite or PostgreSQL."""
from __future__ import annotations

import contextlib
import io
import os
import secrets
import tempfile
from pathlib import Path

import sqlalchemy as sa
from PIL import Image

from portal import create_app
from portal.config import TestConfig, normalise_database_url
from portal.extensions import db, limiter

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_server() -> str | None:
    """The PostgreSQL server the tests may create throwaway databases on, or None (with nothing reachable)."""
    url = normalise_database_url(os.environ.get("PORTAL_TEST_DATABASE_URL") or DEFAULT_SERVER)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return url
    except Exception:  # noqa: BLE001  (no server: the PostgreSQL variant is skipped, saying so)
        return None
    finally:
        engine.dispose()


@contextlib.contextmanager
def empty_database(backend: str, folder: Path, label: str):
    """The URL of a new empty database: a file in ``folder``, or a throwaway PostgreSQL database (dropped after)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / (label + '.sqlite3')}"
        return
    server_url = postgres_server()
    server = sa.create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"portal_{label}_{secrets.token_hex(4)}"
    with server.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


def make_app(url: str, instance: Path, **overrides):
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    config.DATABASE_OWNER_URL = url if url.startswith("postgresql") else None
    config.finalise(str(instance))
    application = create_app(config, UPLOAD_ROOT=str(instance / "uploads"), **overrides)
    application.instance_path = str(instance)
    return application


def picture(seed: int, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32 + seed, 24), (seed * 7 % 256, 90, 200)).save(out, kind)
    return out.getvalue()


def generate_activity(per_tenant: int = 3) -> dict[str, list[str]]:
    """Uploads through the portal's own storage for every tenant (photos and a PDF voucher); their keys."""
    from portal import storage
    from tenants import across_tenants
    from tenants.models import Tenant

    with across_tenants("test: every tenant gets files"):
        tenants = db.session.scalars(sa.select(Tenant).order_by(Tenant.id)).all()
    keys = {}
    for tenant in tenants:
        keys[tenant.slug] = []
        for n in range(per_tenant):
            accepted = storage.accept(io.BytesIO(picture(n + tenant.id)), kinds={"png"}, label="photo")
            keys[tenant.slug].append(storage.store(tenant.id, "photos", accepted))
        pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
        keys[tenant.slug].append(storage.store(tenant.id, "vouchers", storage.accept(io.BytesIO(pdf), kinds={"pdf"},
                                                                                      label="voucher")))
    return keys


@contextlib.contextmanager
def populated_installation(suite_app, backend: str):
    """Yield ``(app, url, instance)``: migrated, the demo loaded, files uploaded, everything committed."""
    from flask_migrate import upgrade

    from portal.demo.services import load_demo

    folder = Path(tempfile.mkdtemp(prefix="portal-ops-"))
    instance = folder / "instance"
    instance.mkdir()
    with empty_database(backend, folder, "source") as url:
        application = make_app(url, instance)
        try:
            with application.app_context():
                upgrade()
                load_demo()
                db.session.commit()
                generate_activity()
                db.session.remove()
            yield application, url, instance
        finally:
            with application.app_context():
                db.session.remove()
                db.engine.dispose()
            limiter.init_app(suite_app)
