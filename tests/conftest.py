"""Fixtures: the app on SQLite (default) or PostgreSQL (PORTAL_TEST_DATABASE_URL), per-test rollback, two tenants."""
from __future__ import annotations

import os
import tempfile

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.config import TestConfig, normalise_database_url
from portal.extensions import db as _db
from portal.extensions import cache, limiter
from tests.factories import PASSWORD, World, build_world, csrf_from

BACKEND = "postgresql" if os.environ.get("PORTAL_TEST_DATABASE_URL") else "sqlite"
# On PostgreSQL the suite's app runs as this role (created by the fixture, cluster-wide and
# idempotent; granted per database), while PORTAL_TEST_DATABASE_URL's user owns the tables and
# runs the migrations: the split production has, so row-level security applies to the tests.
APP_ROLE = "portal_test_app"
APP_ROLE_PASSWORD = "portal-test-app-password"


def database_urls() -> tuple[str | None, str | None]:
    """(application URL, owner URL) on PostgreSQL; (None, None) on SQLite (one file, one wall)."""
    if BACKEND != "postgresql":
        return None, None
    owner = normalise_database_url(os.environ["PORTAL_TEST_DATABASE_URL"])
    application = sa.make_url(owner).set(username=APP_ROLE, password=APP_ROLE_PASSWORD)
    return application.render_as_string(hide_password=False), owner


def pytest_report_header(config):
    return f"portal database backend: {BACKEND}"


def reset_schema(app) -> None:
    """Empty the test database and build it from the migrations (the schema's source of truth)."""
    from flask_migrate import upgrade

    from tenants.rls import grant_application_role

    with app.app_context():
        engine = _db.engine
        if engine.dialect.name == "postgresql":
            # The owner drops and migrates; the application role then gets the data, not the schema.
            owner = sa.create_engine(app.config["DATABASE_OWNER_URL"], poolclass=sa.pool.NullPool)
            with owner.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        else:
            _db.drop_all()
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
                for (name,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
                    conn.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{name}"')
        upgrade()
        if engine.dialect.name == "postgresql":
            with owner.begin() as conn:
                grant_application_role(conn, APP_ROLE, APP_ROLE_PASSWORD)
        _db.session.remove()


@pytest.fixture(scope="session")
def app():
    """The application under test, with a schema built by the migrations."""
    instance = tempfile.mkdtemp(prefix="portal-test-")
    config = TestConfig()
    application_url, owner_url = database_urls()
    if application_url:
        config.SQLALCHEMY_DATABASE_URI, config.DATABASE_OWNER_URL = application_url, owner_url
    config.finalise(instance)
    application = create_app(config)
    application.instance_path = instance
    reset_schema(application)
    # Sessions join the per-test outer transaction through a SAVEPOINT (see the db fixture).
    with application.app_context():
        _db.session.configure(join_transaction_mode="create_savepoint")
    yield application
    with application.app_context():
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def db(app):
    """Per-test isolation: everything a test (and its requests) writes is rolled back afterwards."""
    with app.app_context():
        engines = _db.engines
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection
        limiter.reset()
        app.extensions["login_throttle"].reset()
        cache.clear()  # cached public figures of a tenant id an earlier test used
        app.extensions["public_page_cache"].clear()  # and public pages of a slug it used
    try:
        yield _db
    finally:
        with app.app_context():
            _db.session.remove()
            outer.rollback()
            connection.close()
            _db.engines[None] = engine


@pytest.fixture
def app_ctx(app):
    """An application context for tests that call services directly."""
    with app.app_context():
        yield


@pytest.fixture
def world(app) -> World:
    """Tenants A (alpha) and B (beta), each with a user in every role, registry objects, a token and an audit event."""
    with app.app_context():
        built = build_world()
        _db.session.remove()
    return built


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, identifier: str, password: str = PASSWORD, next_url: str | None = None):
    """Sign in through the real login form (CSRF token included); returns the response."""
    page = client.get("/login")
    data = {"identifier": identifier, "password": password, "csrf_token": csrf_from(page.text)}
    if next_url:
        data["next"] = next_url
    return client.post("/login", data=data)


@pytest.fixture
def client_as(app, world):
    """``client_as(role, "a")``: a test client signed in as that role's user of tenant A, B or C (the firm
    tenant); without a key, A for a bureau's roles and C for a project team's."""

    def make(role, key: str | None = None):
        key = key or world.key_for(role)
        c = app.test_client()
        response = login(c, world[key].logins[role])
        assert response.status_code == 302, response.text
        return c

    return make


def csrf_token_for(client, path: str = "/account/password") -> str:
    """A valid CSRF token for this client's session, read from a page that has a form."""
    return csrf_from(client.get(path).text)


def table_snapshot(app) -> dict[str, int]:
    """Row counts of every table (used to prove that a rejected request changed nothing)."""
    from tenants import across_tenants

    with app.app_context(), across_tenants("test snapshot"):
        result = {}
        for name, table in _db.metadata.tables.items():
            result[name] = _db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        _db.session.remove()
        return result


@pytest.fixture
def outbox(app):
    """The messages the portal sends during the test (the test config's sender keeps them in memory)."""
    from portal.messaging import MemorySender

    sender = MemorySender()
    previous = app.extensions["message_sender"]
    app.extensions["message_sender"] = sender
    yield sender
    app.extensions["message_sender"] = previous


@pytest.fixture(scope="session")
def stripe_server():
    """A local Stripe-speaking server (localstripe) for the session, on a free port; the billing tests skip,
    saying why, only when it cannot be started here."""
    from tests.stripe_server import StripeServerUnavailable, start

    try:
        server = start()
    except StripeServerUnavailable as problem:
        pytest.skip(f"billing tests need localstripe: {problem}")
    yield server
    server.stop()


@pytest.fixture
def billing_on(app, stripe_server):
    """Billing on for this test, against the local Stripe server emptied first; back off afterwards."""
    from tests.stripe_server import TEST_KEY, WEBHOOK_SECRET

    keys = ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET", "BILLING_TRIAL_DAYS", "BILLING_GRACE_DAYS")
    saved = {key: app.config.get(key) for key in keys}
    stripe_server.clear()
    app.config.update(STRIPE_SECRET_KEY=TEST_KEY, STRIPE_API_BASE=stripe_server.url, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    yield stripe_server
    app.config.update(saved)
