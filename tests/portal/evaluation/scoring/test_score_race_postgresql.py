"""Fifty owners' submissions for one unit at the same moment, on PostgreSQL, through fifty real connections:
exactly one score is stored, and every submission ends either as that row's insert or as an update of it —
never a second row, never an error.

The suite runs each test inside one rolled-back transaction that other connections cannot see, so this test
builds its own database (migrated, the world committed), races on it and drops it afterwards.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import tempfile
import threading

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db

RACERS = 50
pytestmark = pytest.mark.skipif(
    not os.environ.get("PORTAL_TEST_DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL (PORTAL_TEST_DATABASE_URL): SQLite serialises every writer, so fifty connections "
           "cannot race on its unique key; the race resolution itself is tested on SQLite in test_owner_scoring.py")


@contextlib.contextmanager
def racing_database(suite_app):
    """A separate PostgreSQL database next to the suite's, migrated and holding the committed test world."""
    from tests.conftest import APP_ROLE, APP_ROLE_PASSWORD, reset_schema
    from tests.factories import build_world
    from portal.config import normalise_database_url

    owner = sa.make_url(normalise_database_url(os.environ["PORTAL_TEST_DATABASE_URL"]))
    name = f"{owner.database}_score_race"
    admin = sa.create_engine(owner.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    instance = tempfile.mkdtemp(prefix="portal-race-")
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = owner.set(database=name, username=APP_ROLE,
                                               password=APP_ROLE_PASSWORD).render_as_string(hide_password=False)
    config.DATABASE_OWNER_URL = owner.set(database=name).render_as_string(hide_password=False)
    # One connection per racer, opened when it starts: no pool to queue them behind.
    config.SQLALCHEMY_ENGINE_OPTIONS = {"poolclass": sa.pool.NullPool}
    config.finalise(instance)
    app = create_app(config)
    app.instance_path = instance
    try:
        reset_schema(app)
        with app.app_context():
            world = build_world()
            db.session.commit()
            db.session.remove()
        yield app, world
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
        from portal.extensions import limiter

        limiter.init_app(suite_app)


def test_fifty_simultaneous_submissions_for_one_unit_store_exactly_one_score(app):
    from portal.auth.models import User
    from portal.evaluation import scoring_services as services
    from portal.evaluation.models import EvaluationPeriod, OwnerScore
    from tenants import tenant_scope
    from tenants.models import Tenant
    from tenants.roles import Role

    with racing_database(app) as (racing_app, world):
        w = world.a
        with racing_app.app_context():
            with tenant_scope(db.session.get(Tenant, w.tenant_id)):
                db.session.execute(sa.delete(OwnerScore))  # the world's own score of the unit: start from none
                db.session.commit()
            db.session.remove()
        barrier = threading.Barrier(RACERS)
        outcomes: list = [None] * RACERS
        moment = dt.datetime(2026, 11, 5, 2, 0, tzinfo=dt.timezone.utc)

        def submit(i: int) -> None:
            try:
                with racing_app.app_context():
                    tenant = db.session.get(Tenant, w.tenant_id)
                    with tenant_scope(tenant):
                        owner = db.session.get(User, w.users[Role.OWNER])
                        period = db.session.get(EvaluationPeriod, w.eval_period_id)
                        stars = {"A1": 1 + i % 5, "A2": 3, "A3": 3, "A4": 3, "A5": 3, "A6": 3}
                        barrier.wait(timeout=60)
                        _score, created = services.submit_score(tenant=tenant, actor=owner, period=period,
                                                                unit_id=w.unit_id, ratings=stars, comment=f"第{i}次",
                                                                now=moment)
                        db.session.commit()
                        outcomes[i] = "created" if created else "updated"
                    db.session.remove()
            except Exception as error:  # noqa: BLE001 - every failure is reported below
                outcomes[i] = f"{type(error).__name__}: {error}"

        races = []

        class Counter(logging.Handler):
            def emit(self, record):
                if "owner score race" in record.getMessage():
                    races.append(record)

        counter = Counter(level=logging.INFO)
        logger = logging.getLogger(services.__name__)
        logger.addHandler(counter)
        level, logger.level = logger.level, logging.INFO
        try:
            threads = [threading.Thread(target=submit, args=(i,)) for i in range(RACERS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        finally:
            logger.removeHandler(counter)
            logger.setLevel(level)

        with racing_app.app_context():
            with tenant_scope(db.session.get(Tenant, w.tenant_id)):
                rows = list(db.session.scalars(sa.select(OwnerScore).where(OwnerScore.unit_id == w.unit_id)))
                events = db.session.scalar(sa.text(
                    "SELECT count(*) FROM audit_events WHERE action LIKE 'evaluation.owner_%'"))
            db.session.remove()
        errors = [o for o in outcomes if o not in ("created", "updated")]
        print(f"score_race racers={RACERS} created={outcomes.count('created')} updated={outcomes.count('updated')} "
              f"errors={len(errors)} rows={len(rows)} lost_races_turned_into_updates={len(races)}")
        assert errors == []
        assert len(rows) == 1
        assert outcomes.count("created") == 1 and outcomes.count("updated") == RACERS - 1
        assert events == RACERS  # each submission logged once: one "scored", the rest "rescored"
        assert rows[0].comment.startswith("第")
