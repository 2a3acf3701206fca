"""A second application on its own temporary SQLite file, for tests that need real commits or threads.

The suite's ``app`` runs every test inside one rolled-back transaction, so concurrent requests and
other processes cannot see its data; this one is built by the migrations, filled with the test world
and committed. The extension objects are shared, so the suite's app takes them back afterwards.
"""
from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db, limiter


@contextlib.contextmanager
def separate_app(suite_app, *, redis_url: str | None = None, with_world: bool = True, **overrides):
    """Yield ``(app, world)``: a committed test world on a file database of its own."""
    from tests.conftest import reset_schema
    from tests.factories import build_world

    instance = tempfile.mkdtemp(prefix="portal-separate-")
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{Path(instance) / 'separate.sqlite3'}"
    config.REDIS_URL = redis_url
    config.finalise(instance)
    app = create_app(config, **overrides)
    app.instance_path = instance
    try:
        reset_schema(app)
        world = None
        if with_world:
            with app.app_context():
                world = build_world()
                db.session.remove()
        yield app, world
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        limiter.init_app(suite_app)  # the extension object is shared: give the suite its memory store back
